"""NormalizeDiacritics (docs/idp/entra-expressions.md §4.29): letters with diacritics to their base
letters.

REF's table is mostly "base letter + combining marks", so the string is decomposed (NFD), the few
letters that do not decompose are mapped by :data:`BASE_LETTERS` (ø, æ, ß, ł, dotless i, ...), and
the combining marks are dropped. ``œ`` is in the table only with a macron, so a bare ``œ`` is kept.
"""

from __future__ import annotations

import unicodedata

from scimdir.mapping.functions.base import FunctionSpec, Invocation
from scimdir.mapping.values import Value, to_string

__all__ = ["SPECS", "normalize_diacritics"]

BASE_LETTERS = {
    "æ": "ae",
    "Æ": "AE",
    "ø": "oe",
    "Ø": "OE",
    "ß": "ss",
    "ł": "l",
    "Ł": "L",
    "\u0131": "i",  # dotless i
}
_WITH_MARK_ONLY = {"œ": "oe", "Œ": "OE"}


def normalize_diacritics(text: str) -> str:
    """``text`` with REF's diacritics table applied and combining marks removed."""
    decomposed = unicodedata.normalize("NFD", text)
    out: list[str] = []
    for index, ch in enumerate(decomposed):
        if unicodedata.combining(ch):
            continue
        marked = index + 1 < len(decomposed) and unicodedata.combining(decomposed[index + 1]) > 0
        if ch in _WITH_MARK_ONLY and marked:
            out.append(_WITH_MARK_ONLY[ch])
        else:
            out.append(BASE_LETTERS.get(ch, ch))
    return unicodedata.normalize("NFC", "".join(out))


def normalize(inv: Invocation) -> Value:
    """NormalizeDiacritics(source): e.g. "Zoë" -> "Zoe"; Null -> Null.

    **[decision]** Characters outside REF's table also lose their combining marks; a warning names
    the non-ASCII letters that remain.
    """
    text = inv.convert(0, to_string)
    if text is None:
        return None
    result = normalize_diacritics(text)
    remaining = sorted({ch for ch in result if not ch.isascii() and ch.isalpha()})
    if remaining:
        inv.env.warn(
            "NormalizeDiacritics: these letters have no ASCII form in Microsoft's table and were "
            f"kept: {''.join(remaining)}"
        )
    return result


SPECS = (FunctionSpec("NormalizeDiacritics", ("source",), 1, 1, normalize),)
