"""Secrets, tokens and passwords never survive redaction; bodies are size-capped."""

from __future__ import annotations

from scimdir.service.redaction import REDACTED, body_for_log, redact_json, redact_text


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
