"""Redaction of what the provisioning log keeps from a request: secrets never reach a log row.

A failed request's body and response are kept for the admin, but a body can carry a password
(Okta sends one on create: developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/), a
token, or the directory's own secret pasted into the wrong field. :func:`redact_json` replaces
the value of every key that names a secret (password, secret, token, authorization, api key,
credential, private key), at any depth, and every string that looks like a credential:
the presented secret itself, a scimdir secret (``scimdir_...``), a ``Bearer``/``Basic``
value, a JWT. :func:`redact_text` does the same to free text (a path, a user agent, an error
detail that echoes input). Bodies are then cut to a size cap.
"""

from __future__ import annotations

import re
from typing import Any, Final

import orjson

__all__ = ["REDACTED", "body_for_log", "is_secret_key", "redact_json", "redact_text"]

REDACTED: Final = "[redacted]"
BODY_CAP: Final = 4096
_MAX_DEPTH: Final = 32
_SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|authori[sz]ation|api[-_]?key|credential|private[-_]?key"
    r"|bearer|cookie|session",
    re.IGNORECASE,
)
_SECRET_VALUE = re.compile(
    r"scimdir_[A-Za-z0-9_\-]{8,}"  # a directory secret (service/runtime.py new_secret)
    r"|(?i:bearer|basic)\s+[A-Za-z0-9._~+/=\-]{8,}"
    r"|eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*"  # a JWT
)
_QUERY_SECRET = re.compile(
    r"([?&](?:[^=&#]*(?:pass|secret|token|key|auth|credential)[^=&#]*)=)[^&#]*", re.IGNORECASE
)
# Every lowercase word one of the two patterns above needs in an ASCII text: an ASCII text
# whose lowercase form has none of them matches neither (the common case: a SCIM path and
# query, which the provisioning log redacts for every request). Non-ASCII text always runs the
# patterns (IGNORECASE also folds a few non-ASCII letters, such as the Kelvin sign, to ASCII).
_NEEDED_WORDS = (
    "pass", "secret", "token", "key", "auth", "credential", "scimdir_", "bearer", "basic", "eyj",
)  # fmt: skip


def is_secret_key(key: str) -> bool:
    """True when a JSON key names a secret (its value is never logged)."""
    return bool(_SECRET_KEY.search(key))


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with every credential-like value replaced by ``[redacted]``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    if text.isascii():
        lowered = text.lower()
        for word in _NEEDED_WORDS:
            if word in lowered:
                break
        else:
            return text
    text = _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
    return _SECRET_VALUE.sub(REDACTED, text)


def redact_json(value: Any, secrets: tuple[str, ...] = (), _depth: int = 0) -> Any:
    """A copy of a JSON value with secret keys' values and credential-like strings redacted."""
    if _depth > _MAX_DEPTH:
        return REDACTED
    if isinstance(value, dict):
        return {
            str(k): REDACTED if is_secret_key(str(k)) else redact_json(v, secrets, _depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_json(v, secrets, _depth + 1) for v in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value


def body_for_log(value: Any, secrets: tuple[str, ...] = (), cap: int = BODY_CAP) -> str | None:
    """A redacted JSON text of ``value`` for the log, cut to ``cap`` characters."""
    if value is None:
        return None
    try:
        text = orjson.dumps(redact_json(value, secrets)).decode()
    except (TypeError, orjson.JSONEncodeError):
        text = redact_text(repr(value), secrets)
    if len(text) > cap:
        text = f"{text[:cap]}… ({len(text) - cap} more characters)"
    return text
