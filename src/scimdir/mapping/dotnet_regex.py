""".NET regular expressions and substitutions in Python's ``re`` (docs/idp/entra-expressions.md
§4.37).

Replace's regex dialect is .NET. The constructs the documentation uses differ from Python only in
spelling: named groups ``(?<name>...)`` / ``(?'name'...)`` (Python: ``(?P<name>...)``),
backreferences ``\\k<name>`` and the substitutions ``${name}``, ``$1``, ``$$``, ``$&``. Both are
translated here; ``re`` is otherwise compatible for these patterns (and, like .NET, replaces empty
matches).
"""

from __future__ import annotations

import re

__all__ = ["compile_dotnet", "expand_dotnet"]

_SUBSTITUTION = re.compile(r"\$(?:\$|\{(\w+)\}|(\d+)|([&`'+_]))")


def compile_dotnet(pattern: str) -> re.Pattern[str]:
    """Compile a .NET pattern. :raises re.error: when the pattern is invalid."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and pattern.startswith("k<", i + 1):
            end = pattern.find(">", i + 3)
            if end != -1:
                out.append(f"(?P={pattern[i + 3 : end]})")
                i = end + 1
                continue
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        if pattern.startswith("(?'", i):
            end = pattern.find("'", i + 3)
            if end != -1:
                out.append(f"(?P<{pattern[i + 3 : end]}>")
                i = end + 1
                continue
        out.append(ch)
        i += 1
    return re.compile("".join(out))


def expand_dotnet(match: re.Match[str], replacement: str) -> str:
    """The text that replaces ``match``, expanding .NET substitutions in ``replacement``.

    An unknown group reference is kept literally, as .NET does.
    """

    def one(sub: re.Match[str]) -> str:
        name, number, special = sub.group(1), sub.group(2), sub.group(3)
        if sub.group(0) == "$$":
            return "$"
        key: str | int | None = name if name is not None else (int(number) if number else None)
        if key is not None:
            if isinstance(key, str) and key.isdigit():
                key = int(key)
            try:
                return match.group(key) or ""
            except IndexError:
                return sub.group(0)
        text = match.string
        if special == "&":
            return match.group(0)
        if special == "`":
            return text[: match.start()]
        if special == "'":
            return text[match.end() :]
        if special == "_":
            return text
        groups = [g for g in match.groups() if g is not None]
        return groups[-1] if groups else ""

    return _SUBSTITUTION.sub(one, replacement)
