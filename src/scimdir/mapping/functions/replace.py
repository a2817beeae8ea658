"""Replace (docs/idp/entra-expressions.md §4.37): seven slots, five modes chosen by which slots are
supplied.

``Replace(source, oldValue, regexPattern, regexGroupName, replacementValue,
replacementAttributeName, template)``. The mode is fixed by the empty slots, so it is checked when
the expression is parsed, in this order **[decision on order]**:

1. regexPattern + regexGroupName + replacementAttributeName, no replacementValue;
2. oldValue + template;
3. oldValue (+ replacementValue);
4. regexPattern + regexGroupName + replacementValue;
5. regexPattern + replacementValue.

Comparison is case-sensitive; the regex dialect is .NET (:mod:`scimdir.mapping.dotnet_regex`).
"""

from __future__ import annotations

import re

from scimdir.mapping import ast
from scimdir.mapping.dotnet_regex import compile_dotnet, expand_dotnet
from scimdir.mapping.errors import ExpressionSyntaxError
from scimdir.mapping.functions.base import FunctionSpec, Invocation
from scimdir.mapping.values import Value, to_string

__all__ = ["SPECS", "replace_mode"]

SOURCE, OLD, REGEX, GROUP, REPLACEMENT, ATTRIBUTE, TEMPLATE = range(7)


def replace_mode(call: ast.Call) -> int | None:
    """The mode (1-5) that the supplied slots select, or ``None`` for no documented mode."""
    has = [arg is not None for arg in call.args]
    if has[REGEX] and has[GROUP] and has[ATTRIBUTE] and not has[REPLACEMENT]:
        return 1
    if has[OLD] and has[TEMPLATE]:
        return 2
    if has[OLD]:
        return 3
    if has[REGEX] and has[GROUP] and has[REPLACEMENT]:
        return 4
    if has[REGEX] and has[REPLACEMENT]:
        return 5
    return None


def _validate(call: ast.Call) -> None:
    if replace_mode(call) is None:
        raise ExpressionSyntaxError(
            "Replace: this combination of supplied slots matches no documented mode. Supply "
            "oldValue (with replacementValue or template), or regexPattern with replacementValue "
            "(and optionally regexGroupName), or regexPattern + regexGroupName + "
            "replacementAttributeName. Usage: Replace(source, oldValue, regexPattern, "
            "regexGroupName, replacementValue, replacementAttributeName, template).",
            call.position,
        )


def _regex(inv: Invocation) -> re.Pattern[str]:
    pattern = inv.convert(REGEX, to_string) or ""
    try:
        return compile_dotnet(pattern)
    except re.error as exc:
        inv.fail(f"regexPattern {pattern!r} is not a valid regular expression ({exc}).", REGEX)


def _group(inv: Invocation, regex: re.Pattern[str]) -> str:
    name = inv.convert(GROUP, to_string) or ""
    if name not in regex.groupindex:
        inv.fail(
            f"the regexPattern has no group named {name!r}; name it with (?<{name}>...).", GROUP
        )
    return name


def replace(inv: Invocation) -> Value:
    """Replace: see the module docstring for the modes.

    Mode 1 returns ``source`` if it is non-empty, otherwise the named group of the regex matched
    against the replacement attribute's value (Null if it does not match). A string constant in the
    replacementAttributeName slot names an attribute **[decision]**. Mode 2 replaces oldValue in
    ``template`` with source. **[decision]** A Null source gives Null in modes 2-5; an empty
    oldValue is a runtime error (.NET ``String.Replace`` refuses it).
    """
    mode = replace_mode(inv.call)
    source = inv.convert(SOURCE, to_string)
    if mode == 1:
        if source:
            return source
        regex = _regex(inv)
        group = _group(inv, regex)
        node = inv.node(ATTRIBUTE)
        if isinstance(node, ast.String):
            named = inv.env.lookup(node.value, node.position)
            other = inv.convert_value(named, ATTRIBUTE, to_string)
        else:
            other = inv.convert(ATTRIBUTE, to_string)
        found = regex.search(other) if other is not None else None
        return found.group(group) if found is not None else None
    if source is None:
        return None
    if mode in (2, 3):
        old = inv.convert(OLD, to_string)
        if not old:
            inv.fail("oldValue cannot be empty.", OLD)
        if mode == 2:
            return (inv.convert(TEMPLATE, to_string) or "").replace(old, source)
        return source.replace(old, inv.convert(REPLACEMENT, to_string) or "")
    regex = _regex(inv)
    replacement = inv.convert(REPLACEMENT, to_string) or ""
    if mode == 4:
        group = _group(inv, regex)

        def in_group(match: re.Match[str]) -> str:
            if match.start(group) == -1:
                return match.group(0)
            start, end = match.start(group) - match.start(), match.end(group) - match.start()
            whole = match.group(0)
            return whole[:start] + expand_dotnet(match, replacement) + whole[end:]

        return regex.sub(in_group, source)
    return regex.sub(lambda match: expand_dotnet(match, replacement), source)


SPECS = (
    FunctionSpec(
        "Replace",
        (
            "source",
            "oldValue",
            "regexPattern",
            "regexGroupName",
            "replacementValue",
            "replacementAttributeName",
            "template",
        ),
        7,
        7,
        replace,
        frozenset(),
        validate=_validate,
    ),
)
