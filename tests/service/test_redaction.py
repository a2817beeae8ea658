"""Secrets, tokens and passwords never survive redaction; bodies are size-capped."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from scimdir.service.redaction import (
    _QUERY_SECRET,
    _SECRET_VALUE,
    REDACTED,
    body_for_log,
    redact_json,
    redact_text,
)


def test_secret_keys_are_redacted_at_any_depth() -> None:
    """password/secret/token/authorization keys lose their values, whatever the nesting."""
    body = {
        "userName": "ann",
        "password": "hunter2",
        "x": [{"client_secret": "s3"}, {"nested": {"Authorization": "Bearer abc"}}],
        "apiKey": "k",
        "accessToken": "t",
    }
    out = redact_json(body)
    assert out == {
        "userName": "ann",
        "password": REDACTED,
        "x": [{"client_secret": REDACTED}, {"nested": {"Authorization": REDACTED}}],
        "apiKey": REDACTED,
        "accessToken": REDACTED,
    }


def test_the_presented_secret_is_redacted_wherever_it_was_pasted() -> None:
    """A secret pasted into any value or text is replaced."""
    secret = "not-a-scimdir-looking-value-123"
    out = body_for_log({"displayName": f"oops {secret}"}, (secret,))
    assert out is not None and secret not in out and REDACTED in out


def test_credential_shaped_values_are_redacted() -> None:
    """scimdir secrets, Bearer values and JWTs are redacted in free text and query strings."""
    text = (
        "/Users?access_token=abc&filter=x scimdir_AAAAAAAAAAAAAAAA Bearer zzzzzzzzzzzz "
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig"
    )
    out = redact_text(text)
    assert "abc" not in out and "scimdir_AAAA" not in out and "zzzzzzzz" not in out
    assert "eyJhbGci" not in out
    assert "filter=x" in out


def test_bodies_are_capped() -> None:
    """A huge body is cut to the cap with a note of how much was left out."""
    out = body_for_log({"a": "x" * 100_000}, cap=100)
    assert out is not None and len(out) < 150 and out.endswith("more characters)")


def _by_the_patterns(text: str, secrets: tuple[str, ...] = ()) -> str:
    """redact_text without its shortcut for texts that cannot match: both patterns, always."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    text = _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
    return _SECRET_VALUE.sub(REDACTED, text)


_PIECES = st.sampled_from(
    [
        # one of each thing the patterns redact, in several letter cases
        "?password=hunter2", "&Client_Secret=s3", "?TOKEN=t", "&apiKey=k", "?x_auth=a",
        "&credentials=c", "scimdir_abcdefgh0123", "SCIMDIR_abcdefgh0123", "bearer abcdefgh0123",
        "Basic abcdefgh0123", "eyJabcdefgh0.abcdefgh0.sig", "?\u212aey=k", "?pa\u017fs=p",
        # and the rest of a path, query or text
        "/scim/d/v2/Users", "?", "&", "=", "filter=userName+eq+%22ann%40x%22", "abcdefgh0123",
        ".", " ", "é", "#",
    ]
)  # fmt: skip


@given(st.lists(_PIECES, max_size=6).map("".join), st.sampled_from([(), ("abcdefgh0123",)]))
@example("/Users?pa\u017fs=p", ())  # the long s: "s" to IGNORECASE, not to str.lower
def test_the_shortcut_for_texts_that_cannot_match_changes_no_result(
    text: str, secrets: tuple[str, ...]
) -> None:
    """redact_text returns early when an ASCII text holds none of the words the patterns need;
    its result is the patterns' result for every text (ASCII or not, any letter case)."""
    assert redact_text(text, secrets) == _by_the_patterns(text, secrets)
