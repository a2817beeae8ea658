"""Characters a stored value or an identifier may not hold.

Two rules:

- **Storable**: no string may hold NUL (U+0000) or an unpaired surrogate (U+D800-U+DFFF).
  PostgreSQL's ``text`` and ``jsonb`` refuse NUL (https://www.postgresql.org/docs/current/datatype-character.html)
  and no UTF-8 column can hold a lone surrogate, so such a value is refused with a 400 instead of
  failing in the driver (and SQLite, which would keep it, agrees with PostgreSQL).
- **Identifiers** (a user's ``userName``, a group's ``displayName``): no control or invisible
  character. ``"alice\\u200b@contoso.com"`` (a zero-width space) or a soft hyphen (U+00AD) would
  be a second account that looks exactly like ``alice@contoso.com``. Refused: the Unicode
  categories Cc (controls), Cf (format), Cs (surrogates), Zl and Zp (line and paragraph
  separators) and every Default_Ignorable_Code_Point of the Unicode Character Database
  (https://www.unicode.org/reports/tr44/#Default_Ignorable_Code_Point, listed in
  https://www.unicode.org/Public/UCD/latest/ucd/DerivedCoreProperties.txt; see also Unicode
  Technical Standard #39 on confusable identifiers, https://www.unicode.org/reports/tr39/).
  A group's ``displayName`` is a display text: it keeps the joiners (U+200C, U+200D), variation
  selectors and tag characters that Persian and Indic scripts and emoji sequences need.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from scimdir.scim.errors import invalid_value
from scimdir.scim.schema import ResourceType

__all__ = ["UNSTORABLE", "check_identifiers", "check_storable", "describe_character"]

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""NUL and unpaired surrogates: no database text column can hold them."""

# Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15.1), as ranges.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# What a display text keeps: joiners, variation selectors, tags (emoji and script shaping).
_DISPLAY_KEEPS = ((0x200C, 0x200D), (0xFE00, 0xFE0F), (0xE0000, 0xE0FFF))
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_DISPLAY_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
# Cheap pre-filter: everything below U+00AD except the C0 and C1 controls is always fine.
_MAYBE_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u00ad-\U0010ffff]")


def _in(ranges: tuple[tuple[int, int], ...], code: int) -> bool:
    return any(low <= code <= high for low, high in ranges)


def describe_character(char: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: the code point and, when it has one, its Unicode name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def _refused(char: str, *, display: bool) -> bool:
    code = ord(char)
    if display:
        if _in(_DISPLAY_KEEPS, code):
            return False
        return unicodedata.category(char) in _DISPLAY_REFUSED_CATEGORIES or _in(
            _DEFAULT_IGNORABLE, code
        )
    return unicodedata.category(char) in _REFUSED_CATEGORIES or _in(_DEFAULT_IGNORABLE, code)


def _first_refused(text: str, *, display: bool) -> tuple[int, str] | None:
    for match in _MAYBE_BAD.finditer(text):
        if _refused(match.group(), display=display):
            return match.start(), match.group()
    return None


def check_storable(text: str, shown: str) -> None:
    """Refuse a string holding NUL or an unpaired surrogate (400 ``invalidValue``)."""
    found = UNSTORABLE.search(text)
    if found is not None:
        raise invalid_value(
            f"{shown} holds {describe_character(found.group())} at position {found.start() + 1}; "
            "no stored value may hold NUL or an unpaired surrogate. Remove it."
        )


_IDENTIFIERS = {"User": ("userName", False), "Group": ("displayName", True)}
"""Per resource type: the attribute that names it and whether it is a display text."""


def check_identifiers(
    rt: ResourceType, before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    """Refuse a new or changed identifier (``userName``, a group's ``displayName``) that holds
    a control or invisible character; an unchanged one is left alone.

    :raises scim2_models.exceptions.SCIMException: 400 ``invalidValue`` naming the character
        as U+XXXX and its position (counted from 1).
    """
    spec = _IDENTIFIERS.get(rt.name)
    if spec is None:
        return
    name, display = spec
    value = after.get(name)
    if not isinstance(value, str) or (before is not None and before.get(name) == value):
        return
    found = _first_refused(value, display=display)
    if found is None:
        return
    position, char = found
    kind = "a control or invisible character" + (
        "" if display else ", which would make a look-alike of another userName"
    )
    raise invalid_value(
        f"{name} holds {describe_character(char)} at position {position + 1} ({kind}); remove it."
    )
