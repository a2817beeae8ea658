"""String built-ins (docs/idp/entra-expressions.md §4.1, 4.7, 4.8, 4.10, 4.19, 4.25-4.28, 4.33,
4.35, 4.41, 4.43-4.45).

Each function's docstring states its Null behaviour and any **[decision]** the spec makes where
Microsoft's reference is silent.
"""

from __future__ import annotations

import base64
import re
import unicodedata

from scimdir.mapping.functions import casing
from scimdir.mapping.functions.base import FunctionSpec, Invocation
from scimdir.mapping.values import Value, to_int, to_string

__all__ = ["SPECS"]

_CULTURE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_PCASE_BOUNDARY_CATEGORIES = frozenset(
    {"Cc", "Cf", "Zs", "Zl", "Zp", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So"}
)


def _text(inv: Invocation, index: int) -> str | None:
    return inv.convert(index, to_string)


def append(inv: Invocation) -> Value:
    """Append(source, suffix): ``source + suffix``.

    **[decision]** A Null source or suffix counts as ``""`` (VB concatenation; undocumented).
    """
    return (_text(inv, 0) or "") + (_text(inv, 1) or "")


def join(inv: Invocation) -> Value:
    """Join(separator, source1, ..., sourceN): the non-empty values joined by ``separator``.

    Multi-valued sources contribute every value; Null and ``""`` sources are skipped (REF's
    ``Join(", ", "", [surname], [givenName])`` example; skipping Null is inferred **[doubt]**).
    **[decision]** All sources Null or empty -> ``""`` (and a warning: an empty value).
    """
    separator = _text(inv, 0) or ""
    parts: list[str] = []
    for index in range(1, len(inv.values)):
        value = inv.arg(index)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            try:
                text = to_string(item)
            except ValueError as exc:
                inv.fail(str(exc), index)
            if text:
                parts.append(text)
    if not parts:
        inv.env.warn("Join: every source is null or empty, so the result is an empty string.")
    return separator.join(parts)


def left(inv: Invocation) -> Value:
    """Left(string, numChars): the first ``numChars`` characters.

    REF's edge cases: numChars 0 -> ``""``; numChars < 0 -> the input; Null string -> ``""``;
    a shorter string -> the whole string.
    """
    text = _text(inv, 0)
    count = inv.convert(1, to_int)
    if text is None:
        return ""
    if count < 0:
        return text
    return text[:count]


def mid(inv: Invocation) -> Value:
    """Mid(source, start, length): the substring from 1-based ``start``, at most ``length`` long.

    A range past the end stops at the end (REF). **[decision]** (VB semantics): start beyond the
    end -> ``""``; start < 1 or length < 0 -> runtime error; Null source -> ``""``.
    """
    text = _text(inv, 0)
    start = inv.convert(1, to_int)
    length = inv.convert(2, to_int)
    if start < 1:
        inv.fail(f"start must be 1 or more (positions are 1-based), got {start}.", 1)
    if length < 0:
        inv.fail(f"length must be 0 or more, got {length}.", 2)
    if text is None:
        return ""
    return text[start - 1 : start - 1 + length]


def length(inv: Invocation) -> Value:
    """Len(value): the number of characters; Null or ``""`` -> 0; numbers by their text."""
    return len(_text(inv, 0) or "")


def _culture_is_turkic(inv: Invocation) -> bool:
    """**[decision]** A malformed culture name is a runtime error; well-formed names other than
    ``tr``/``az`` use invariant rules (only Turkic cultures change one-to-one casing)."""
    if not inv.supplied(1):
        return False
    culture = _text(inv, 1) or ""
    if not _CULTURE.match(culture):
        inv.fail(f"{culture!r} is not a culture name; use an RFC 4646 name such as en-US.", 1)
    return culture.split("-")[0].lower() in casing.TURKIC


def to_lower(inv: Invocation) -> Value:
    """ToLower(source, [culture]): lower case; Null -> Null.

    ``tr``/``az`` map I to dotless i and İ to i.
    """
    turkic = _culture_is_turkic(inv)
    text = _text(inv, 0)
    return None if text is None else casing.lower(text, turkic)


def to_upper(inv: Invocation) -> Value:
    """ToUpper(source, [culture]): upper case; Null -> Null.

    ``tr``/``az`` map i to İ and dotless i to I.
    """
    turkic = _culture_is_turkic(inv)
    text = _text(inv, 0)
    return None if text is None else casing.upper(text, turkic)


def pcase(inv: Invocation) -> Value:
    """PCase(source, [wordSeparators]): first letter of each word upper case, the rest lower case.

    Without separators, words break at white space, control/format characters and the Unicode
    punctuation and symbol categories (.NET ToTitleCase, REF). **[decision]** The string is
    lower-cased first, because REF's examples convert all-caps words. Null -> Null.
    """
    text = _text(inv, 0)
    if text is None:
        return None
    separators = _text(inv, 1) if inv.supplied(1) else None
    out: list[str] = []
    at_start = True
    for ch in casing.lower(text):
        if separators is not None:
            boundary = ch in separators
        else:
            boundary = ch.isspace() or unicodedata.category(ch) in _PCASE_BOUNDARY_CATEGORIES
        out.append(casing.upper(ch) if at_start and not boundary else ch)
        at_start = boundary
    return "".join(out)


def strip_spaces(inv: Invocation) -> Value:
    """StripSpaces(source): every U+0020 space removed; Null -> Null."""
    text = _text(inv, 0)
    return None if text is None else text.replace(" ", "")


def word(inv: Invocation) -> Value:
    """Word(string, wordNumber, delimiters): the wordNumber-th (1-based) word.

    REF: number < 1, Null string, or too few words -> ``""``. **[decision]** Consecutive delimiters
    do not create empty words (VB / Connect sync behaviour).
    """
    text = _text(inv, 0)
    number = inv.convert(1, to_int)
    delimiters = _text(inv, 2) or ""
    if text is None or number < 1:
        return ""
    words = re.split(f"[{re.escape(delimiters)}]+", text) if delimiters else [text]
    words = [w for w in words if w]
    return words[number - 1] if number <= len(words) else ""


def instr(inv: Invocation) -> Value:
    """InStr(value1, value2, [start], [compareType]): 1-based position of value2, 0 if absent.

    compareType is ``vbBinaryCompare`` (case-sensitive, default, also 0) or ``vbTextCompare``
    (also 1). **[decision]** (VB): a Null value1 or value2 -> Null; start < 1 -> runtime error;
    an empty value2 -> ``start``.
    """
    haystack = _text(inv, 0)
    needle = _text(inv, 1)
    start = inv.convert(2, to_int) if inv.supplied(2) else 1
    mode = (_text(inv, 3) or "vbBinaryCompare") if inv.supplied(3) else "vbBinaryCompare"
    if start < 1:
        inv.fail(f"start must be 1 or more (positions are 1-based), got {start}.", 2)
    if mode.lower() in ("vbtextcompare", "1"):
        text_compare = True
    elif mode.lower() in ("vbbinarycompare", "0"):
        text_compare = False
    else:
        inv.fail(f"compareType must be vbBinaryCompare or vbTextCompare, got {mode!r}.", 3)
    if haystack is None or needle is None:
        return None
    if text_compare:
        haystack, needle = casing.lower(haystack), casing.lower(needle)
    return haystack.find(needle, start - 1) + 1 if start - 1 <= len(haystack) else 0


def convert_to_base64(inv: Invocation) -> Value:
    """ConvertToBase64(source): Base64 of the UTF-16LE bytes (REF). **[decision]** Null -> Null."""
    text = _text(inv, 0)
    return None if text is None else base64.b64encode(text.encode("utf-16-le")).decode("ascii")


def convert_to_utf8_hex(inv: Invocation) -> Value:
    """ConvertToUTF8Hex(source): upper-case hex of the UTF-8 bytes. **[decision]** Null -> Null."""
    text = _text(inv, 0)
    return None if text is None else text.encode("utf-8").hex().upper()


def cstr(inv: Invocation) -> Value:
    """CStr(value): the text of a number, Boolean ("True"/"False") or reference (its id); Null
    -> Null."""
    return _text(inv, 0)


def redact(inv: Invocation) -> Value:
    """Redact(value): the value unchanged; the result is marked to be masked in logs (REF)."""
    inv.env.mark_redacted()
    return inv.arg(0)


SPECS = (
    FunctionSpec("Append", ("source", "suffix"), 2, 2, append),
    FunctionSpec("Join", ("separator", "source1", "..."), 2, None, join),
    FunctionSpec("Left", ("string", "numChars"), 2, 2, left, frozenset({0, 1})),
    FunctionSpec("Mid", ("source", "start", "length"), 3, 3, mid, frozenset({0, 1, 2})),
    FunctionSpec("Len", ("value",), 1, 1, length),
    FunctionSpec("ToLower", ("source", "[culture]"), 1, 2, to_lower),
    FunctionSpec("ToUpper", ("source", "[culture]"), 1, 2, to_upper),
    FunctionSpec("PCase", ("source", "[wordSeparators]"), 1, 2, pcase),
    FunctionSpec("StripSpaces", ("source",), 1, 1, strip_spaces),
    FunctionSpec("Word", ("string", "wordNumber", "delimiters"), 3, 3, word, frozenset({0, 1})),
    FunctionSpec(
        "InStr", ("value1", "value2", "[start]", "[compareType]"), 2, 4, instr, frozenset({0, 1})
    ),
    FunctionSpec("ConvertToBase64", ("source",), 1, 1, convert_to_base64),
    FunctionSpec("ConvertToUTF8Hex", ("source",), 1, 1, convert_to_utf8_hex),
    FunctionSpec("CStr", ("value",), 1, 1, cstr),
    FunctionSpec("Redact", ("value",), 1, 1, redact),
)
