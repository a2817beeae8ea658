"""What the admin's lists share: the opaque cursor, the search text and the page size.

A cursor is the storage's :class:`~scimdir.service.ports.BrowseCursor` (stage and last key) as
URL-safe base64 of a JSON array. It is opaque to clients: only a cursor this service issued is
accepted, and anything else is refused with a message, never passed to the database.
"""

from __future__ import annotations

import base64
import binascii
import unicodedata

import orjson

from scimdir.service.directories import AdminError
from scimdir.service.ports import BrowseCursor

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_SEARCH_LENGTH",
    "InvalidBrowse",
    "check_limit",
    "check_search",
    "decode_cursor",
    "encode_cursor",
]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_SEARCH_LENGTH = 256
_MAX_CURSOR_LENGTH = 4096
_KEY_LENGTHS = {0: 1, 1: 2, 2: 2}


class InvalidBrowse(AdminError):
    """A cursor, search or limit the lists cannot take; the message says what is accepted."""


def encode_cursor(cursor: BrowseCursor | None) -> str | None:
    """The opaque form of ``cursor`` (None stays None: there is no next page)."""
    if cursor is None:
        return None
    raw = orjson.dumps([cursor.stage, *cursor.key])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str | None) -> BrowseCursor | None:
    """The cursor ``text`` encodes. :raises InvalidBrowse: not a cursor this service issued."""
    if text is None or text == "":
        return None
    refusal = InvalidBrowse(
        "The cursor is not one this API issued; pass next_cursor from the previous page as is."
    )
    if len(text) > _MAX_CURSOR_LENGTH:
        raise refusal
    try:
        data = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise refusal from exc
    if not isinstance(data, list) or not data or type(data[0]) is not int:
        raise refusal
    stage, key = data[0], data[1:]
    if _KEY_LENGTHS.get(stage) != len(key) or not all(_clean(k) for k in key):
        raise refusal
    return BrowseCursor(stage, tuple(key))


def _clean(value: object) -> bool:
    return isinstance(value, str) and not any(
        unicodedata.category(c) in ("Cc", "Cs") for c in value
    )


def check_search(search: str | None) -> str | None:
    """The search prefix to use (None: no search). :raises InvalidBrowse: too long or control
    characters."""
    if search is None or not search.strip():
        return None
    if len(search) > MAX_SEARCH_LENGTH:
        raise InvalidBrowse(f"A search is at most {MAX_SEARCH_LENGTH} characters.")
    if not _clean(search):
        raise InvalidBrowse("A search cannot contain control characters.")
    return search.strip()


def check_limit(limit: int | None) -> int:
    """The page size to use. :raises InvalidBrowse: outside 1 to :data:`MAX_LIMIT`."""
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidBrowse(f"limit is between 1 and {MAX_LIMIT}, not {limit}.")
    return limit
