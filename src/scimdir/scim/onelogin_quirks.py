"""OneLogin's rewriting quirks: pre-RFC 7643 schema URNs, and ``emails`` sent as one object.

Both only accept requests RFC 7643 refuses (an unknown URN in ``schemas``, a single object where
the schema says multi-valued); neither changes the meaning of a compliant request. Like every
quirk of :mod:`scimdir.scim.quirks` they are pure and leave anything else for the core to refuse.
Evidence and sources: docs/idp/onelogin.md §0 and §7.
"""

from __future__ import annotations

import re
from typing import Any

from scimdir.scim.quirkvalues import map_operations
from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA, ResourceType

__all__ = ["ONELOGIN_EMAILS_SOURCE", "ONELOGIN_URN_SOURCE", "emails_object", "legacy_schema_urns"]

ONELOGIN_URN_SOURCE = "https://github.com/goauthentik/authentik/issues/11249"
ONELOGIN_EMAILS_SOURCE = (
    "https://github.com/15five/django-scim2/blob/master/src/django_scim/adapters.py"
)

_CORE = re.compile(r"urn:scim:schemas:core:[12]\.0(:user|:group)?", re.IGNORECASE)
_ENTERPRISE = re.compile(r"urn:scim:schemas:extension:enterprise:[12]\.0(:user)?", re.IGNORECASE)


def _modern(rt: ResourceType, urn: Any) -> Any:
    """The RFC 7643 URN for a legacy one (core of ``rt``, or the enterprise extension)."""
    if not isinstance(urn, str):
        return urn
    core = _CORE.fullmatch(urn.strip())
    if core is not None:
        kind = (core.group(1) or "").lstrip(":").lower()
        if not kind or kind == rt.name.lower():
            return rt.schema.id
        return urn
    if _ENTERPRISE.fullmatch(urn.strip()) and rt.extension(ENTERPRISE_USER_SCHEMA) is not None:
        return ENTERPRISE_USER_SCHEMA
    return urn


def legacy_schema_urns(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """``urn:scim:schemas:core:1.0|2.0`` and ``urn:scim:schemas:extension:enterprise:1.0|2.0``
    (with or without ``:User``) become the RFC 7643 core and enterprise URNs.

    What OneLogin sends: its SCIM connector templates carry pre-RFC URNs in ``schemas`` (a logged
    OneLogin PUT, https://github.com/goauthentik/authentik/issues/11249; the Core template of
    https://scim.dev/guide/applications/onelogin has ``urn:scim:schemas:core:1.0``).
    Safe: those URNs name no schema RFC 7643 defines, so the core would refuse every such request;
    the body keys (an enterprise object under the legacy URN) are renamed the same way. A key
    already present under the RFC URN wins; duplicates are left for the core to refuse.
    """
    if not isinstance(body, dict) or any(
        isinstance(k, str) and k.lower() == "operations" for k in body
    ):
        return body, False
    out: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(key, str) and key.lower() == "schemas" and isinstance(value, list):
            fixed = [_modern(rt, s) for s in value]
            out[key] = _without_repeated_urns(fixed) if fixed != value else value
            continue
        new_key = _modern(rt, key)
        if new_key != key and new_key in body:
            out[key] = value
        else:
            out[new_key] = value
    return (out, True) if out != body else (body, False)


def _without_repeated_urns(schemas: list[Any]) -> list[Any]:
    """``schemas`` with each URN once, in order; an item that is not a string (a malformed
    body: a nested list or object) is kept for the core to refuse, never hashed."""
    seen: set[str] = set()
    kept: list[Any] = []
    for item in schemas:
        if isinstance(item, str):
            if item in seen:
                continue
            seen.add(item)
        kept.append(item)
    return kept


def _email_list(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


def emails_object(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """A single ``emails`` object becomes a one-element array, in POST/PUT bodies and in PATCH
    values under the path ``emails`` or a path-less ``emails`` key.

    What OneLogin sends: ``"emails": {"value": ..., "primary": true}``; django-scim2 accepts it
    because "OneLogin sends a dict despite the spec" (https://github.com/15five/django-scim2,
    ``src/django_scim/adapters.py``). Safe: RFC 7643 §4.1.2 makes ``emails`` multi-valued, so the
    core refuses an object there; one object can only mean a list of one.
    """
    if not isinstance(body, dict) or rt.schema.get("emails") is None:
        return body, False
    if not any(isinstance(k, str) and k.lower() == "operations" for k in body):
        out = {
            k: _email_list(v) if isinstance(k, str) and k.lower() == "emails" else v
            for k, v in body.items()
        }
        return (out, True) if out != body else (body, False)

    def rewrite(op: dict[str, Any]) -> list[dict[str, Any]] | None:
        path, value = op.get("path"), op.get("value")
        if isinstance(path, str) and path.strip().lower() == "emails" and isinstance(value, dict):
            return [{**op, "value": [value]}]
        if path is None and isinstance(value, dict):
            fixed = {
                k: _email_list(v) if isinstance(k, str) and k.lower() == "emails" else v
                for k, v in value.items()
            }
            return [{**op, "value": fixed}] if fixed != value else None
        return None

    return map_operations(body, rewrite)
