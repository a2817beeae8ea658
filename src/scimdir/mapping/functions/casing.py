"""Case mapping as .NET does it: one character to one character (simple case mapping).

Python's ``str.lower``/``str.upper`` apply Unicode *full* case mapping (``"ß".upper() == "SS"``,
``"İ".lower()`` is two characters); .NET's ``ToLower``/``ToUpper`` keep the length. Turkish and
Azerbaijani cultures map dotted and dotless i specially (docs/idp/entra-expressions.md §4.43,
§4.44).
"""

from __future__ import annotations

__all__ = ["TURKIC", "lower", "upper"]

TURKIC = frozenset({"tr", "az"})
_SIMPLE_LOWER = {"\u0130": "i"}
_TURKIC_LOWER = {"I": "\u0131", "\u0130": "i"}
_TURKIC_UPPER = {"i": "\u0130", "\u0131": "I"}


def lower(text: str, turkic: bool = False) -> str:
    """Lower-case ``text`` character by character."""
    return "".join(_one(ch, ch.lower(), _TURKIC_LOWER if turkic else _SIMPLE_LOWER) for ch in text)


def upper(text: str, turkic: bool = False) -> str:
    """Upper-case ``text`` character by character."""
    return "".join(_one(ch, ch.upper(), _TURKIC_UPPER if turkic else {}) for ch in text)


def _one(ch: str, mapped: str, special: dict[str, str]) -> str:
    if ch in special:
        return special[ch]
    return mapped if len(mapped) == 1 else ch
