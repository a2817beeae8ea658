"""The admin lists' cursor is opaque and only what the service issued is accepted."""

from __future__ import annotations

import base64

import pytest

from scimdir.service.browsing import (
    InvalidBrowse,
    check_limit,
    check_search,
    decode_cursor,
    encode_cursor,
)
from scimdir.service.ports import BrowseCursor
from scimdir.storage.sql.browse import prefix_end


@pytest.mark.parametrize(
    "cursor",
    [BrowseCursor(0, ("ann@contoso.com",)), BrowseCursor(2, ("é@x.io", "id-1"))],
)
def test_cursor_round_trip(cursor: BrowseCursor) -> None:
    """An issued cursor decodes to what was encoded, and is URL-safe."""
    text = encode_cursor(cursor)
    assert text is not None and text.replace("-", "").replace("_", "").isalnum()
    assert decode_cursor(text) == cursor


def _raw(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


@pytest.mark.parametrize(
    "text",
    [
        "!!!",
        _raw(b"{}"),
        _raw(b"[]"),
        _raw(b'["0", "a"]'),
        _raw(b'[true, "a"]'),
        _raw(b'[3, "a"]'),
        _raw(b'[0, "a", "b"]'),
        _raw(b"[1, 5, 6]"),
        _raw(b'[0, "a\\u0000"]'),
        "A" * 5000,
    ],
)
def test_forged_cursors_are_refused(text: str) -> None:
    """Anything but an issued cursor is InvalidBrowse, never passed on."""
    with pytest.raises(InvalidBrowse):
        decode_cursor(text)


def test_search_and_limit_rules() -> None:
    """A blank search is none; limits are 1 to 500, 50 by default."""
    assert (check_search("  "), check_search(" ann "), check_limit(None)) == (None, "ann", 50)
    for bad in (0, 501):
        with pytest.raises(InvalidBrowse):
            check_limit(bad)


@pytest.mark.parametrize(
    ("prefix", "end"),
    [("al", "am"), ("a\U0010ffff", "b"), ("\U0010ffff", None), ("\ud7ff", "\ue000")],
)
def test_prefix_end_follows_every_string_with_the_prefix(prefix: str, end: str | None) -> None:
    """The range end is the next string in code-point order, skipping surrogates."""
    assert prefix_end(prefix) == end
