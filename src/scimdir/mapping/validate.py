"""Parse-time checks that need the function table (docs/idp/entra-expressions.md §2.3).

Entra refuses to save a mapping whose expression calls an unknown function, passes the wrong
number of arguments, leaves a required slot empty, nests SelectUniqueValue or
IgnoreFlowIfNullOrEmpty, or combines Replace's slots in no documented mode. These checks run once,
after parsing, and also canonicalise function names written in another casing (§2.2 rule 12,
**[decision][doubt]**: accepted with a warning).
"""

from __future__ import annotations

import difflib
from dataclasses import replace

from scimdir.mapping import ast
from scimdir.mapping.errors import ExpressionSyntaxError
from scimdir.mapping.functions import FUNCTIONS, NOT_FOR_PROVISIONING

__all__ = ["validate"]

_TOP_LEVEL_ONLY = {
    "IgnoreFlowIfNullOrEmpty": (
        "IgnoreFlowIfNullOrEmpty is a flow-control wrapper, valid only as the outermost call: "
        "wrap the whole expression instead, e.g. IgnoreFlowIfNullOrEmpty(IIF(...))."
    ),
    "SelectUniqueValue": (
        "SelectUniqueValue must be the outermost call of the mapping expression."
    ),
}


def validate(node: ast.Node, warnings: list[str]) -> ast.Node:
    """Check ``node`` against the function table; return it with canonical function names.

    :raises ExpressionSyntaxError: pointing at the call at fault.
    """
    return _check(node, warnings, top=True)


def _check(node: ast.Node, warnings: list[str], *, top: bool) -> ast.Node:
    if isinstance(node, ast.Compare):
        left = _check(node.left, warnings, top=False)
        right = _check(node.right, warnings, top=False)
        return replace(node, left=left, right=right)
    if not isinstance(node, ast.Call):
        return node
    spec = FUNCTIONS.get(node.name)
    if spec is None:
        spec = _by_other_casing(node, warnings)
    if not top and spec.name in _TOP_LEVEL_ONLY:
        raise ExpressionSyntaxError(_TOP_LEVEL_ONLY[spec.name], node.position)
    count = len(node.args)
    if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
        raise spec.syntax_error(
            _arity_message(spec.name, spec.min_args, spec.max_args, count), node.position
        )
    for index in sorted(spec.required):
        if index < count and node.args[index] is None:
            raise spec.syntax_error(
                f"The {spec.params[min(index, len(spec.params) - 1)]} argument of {spec.name} "
                "cannot be left empty.",
                node.position,
            )
    # IgnoreFlowIfNullOrEmpty passes the top-level position on to its argument (so
    # IgnoreFlowIfNullOrEmpty(SelectUniqueValue(...)) is not refused).
    inner_top = spec.name == "IgnoreFlowIfNullOrEmpty" and top
    args = tuple(None if arg is None else _check(arg, warnings, top=inner_top) for arg in node.args)
    call = ast.Call(spec.name, args, node.position, node.written)
    if spec.validate is not None:
        spec.validate(call)
    return call


def _by_other_casing(node: ast.Call, warnings: list[str]):  # type: ignore[no-untyped-def]
    lowered = {name.lower(): spec for name, spec in FUNCTIONS.items()}
    spec = lowered.get(node.name.lower())
    if spec is not None:
        warnings.append(
            f"Position {node.position}: '{node.name}' is written in another casing than the "
            f"documented '{spec.name}'; Entra's documentation calls its syntax case-sensitive."
        )
        return spec
    hint = NOT_FOR_PROVISIONING.get(node.name.lower())
    if hint is not None:
        raise ExpressionSyntaxError(
            f"The function '{node.name}' is not supported for application provisioning. {hint}",
            node.position,
        )
    raise ExpressionSyntaxError(_unknown_message(node.name), node.position)


def _unknown_message(name: str) -> str:
    candidates = {candidate.lower(): candidate for candidate in FUNCTIONS}
    close = difflib.get_close_matches(name.lower(), candidates, n=1, cutoff=0.6)
    if close:
        return f"Unknown function '{name}'. Did you mean '{candidates[close[0]]}'?"
    return (
        f"Unknown function '{name}'. See the list of supported functions in Microsoft's "
        '"Reference for writing expressions for attribute mappings".'
    )


def _arity_message(name: str, low: int, high: int | None, count: int) -> str:
    if high is None:
        expected = f"at least {low}"
    elif low == high:
        expected = f"exactly {low}"
    else:
        expected = f"{low} to {high}"
    noun = "argument" if count == 1 else "arguments"
    return f"{name} takes {expected} arguments (empty slots count), but {count} {noun} were given."
