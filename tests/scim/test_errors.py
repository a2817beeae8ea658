"""Error details quote client input shortened and escaped (RFC 7644 §3.12 ``detail``)."""

from __future__ import annotations

from scimdir.scim.errors import MAX_DETAIL_CHARS, error_body, invalid_value, shorten


def test_shorten_keeps_a_short_value_whole_and_quoted() -> None:
    """A short value is quoted as it was sent."""
    assert shorten("userName") == "'userName'"


def test_shorten_cuts_a_long_value_and_says_how_long_it_was() -> None:
    """A long value is cut to the limit with an ellipsis and its full length."""
    shown = shorten("x" * 1_000_000)
    assert shown == f"{'x' * 60!r}... (1000000 characters)"


def test_shorten_escapes_control_and_invisible_characters() -> None:
    """ESC, NUL, a zero-width space and a lone surrogate are shown as escapes, never raw."""
    shown = shorten("a\x1b\x00\u200b\ud800")
    assert shown == "'a\\x1b\\x00\\u200b\\ud800'"


def test_a_detail_is_bounded_even_if_built_without_shorten() -> None:
    """An error whose detail is huge is cut to MAX_DETAIL_CHARS, in the body and the log copy."""
    exc = invalid_value("y" * 50_000)
    assert len(exc.detail) == MAX_DETAIL_CHARS
    assert error_body(exc)["detail"].endswith("...")
