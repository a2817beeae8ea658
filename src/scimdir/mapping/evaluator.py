"""Evaluate a parsed expression over one source object (docs/idp/entra-expressions.md §3, §9).

Evaluation is eager (§3.3 **[decision]**): every argument is computed before its function runs.
Attribute names match exactly; failing that, case-insensitively with a warning (§2.2 rule 3
**[decision]**); an absent attribute is Null (§5.1). ``IgnoreFlowIfNullOrEmpty`` as the outermost
call turns a Null or empty result into :attr:`Result.ignored` (the attribute is dropped from the
flow, neither sent nor cleared, §4.17).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scimdir.mapping import ast
from scimdir.mapping.context import EvalContext
from scimdir.mapping.errors import EvaluationError
from scimdir.mapping.functions import FUNCTIONS
from scimdir.mapping.functions.base import MISSING, Invocation, Missing
from scimdir.mapping.functions.logic import compare
from scimdir.mapping.parser import ParsedExpression, parse_expression
from scimdir.mapping.values import ConversionError, Value, from_json, is_null_or_empty, to_json

__all__ = ["Result", "evaluate"]


@dataclass(frozen=True)
class Result:
    """The outcome of one evaluation.

    :param value: the value (see :mod:`scimdir.mapping.values` for the kinds); ``None`` is Null.
    :param ignored: ``IgnoreFlowIfNullOrEmpty`` dropped the attribute from the flow.
    :param warnings: notes for the admin (case-insensitive matches, kept escapes, doubts).
    :param redacted: ``Redact`` was used: mask the value in logs, keep it in payloads.
    """

    value: Value
    ignored: bool = False
    warnings: tuple[str, ...] = ()
    redacted: bool = False

    def to_json(self) -> dict[str, Any]:
        """The §9 JSON form: ``{"value": V}`` or ``{"value": null, "flow": "ignored"}``."""
        if self.ignored:
            return {"value": None, "flow": "ignored"}
        return {"value": to_json(self.value)}


def evaluate(
    expression: str | ParsedExpression,
    attributes: Mapping[str, Any],
    context: EvalContext | None = None,
) -> Result:
    """Evaluate ``expression`` over the source object ``attributes`` (JSON-like values).

    :raises ExpressionSyntaxError: when the expression text is invalid.
    :raises EvaluationError: when it fails for this object.
    """
    parsed = parse_expression(expression) if isinstance(expression, str) else expression
    env = _Env(attributes, context if context is not None else EvalContext())
    node = parsed.node
    ignored = False
    if isinstance(node, ast.Call) and node.name == "IgnoreFlowIfNullOrEmpty":
        inner = node.args[0]
        value = env.evaluate(inner) if inner is not None else None
        ignored = is_null_or_empty(value)
    else:
        value = env.evaluate(node)
    return Result(
        value=None if ignored else value,
        ignored=ignored,
        warnings=parsed.warnings + tuple(env.warnings),
        redacted=env.redacted,
    )


class _Env:
    """The evaluation environment handed to built-ins (:class:`~.functions.base.Env`)."""

    def __init__(self, attributes: Mapping[str, Any], context: EvalContext) -> None:
        self.attributes = attributes
        self.context = context
        self.warnings: list[str] = []
        self.redacted = False
        self._lowered: dict[str, str] | None = None

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def mark_redacted(self) -> None:
        self.redacted = True

    def lookup(self, name: str, position: int) -> Value:
        if name in self.attributes:
            raw = self.attributes[name]
        else:
            if self._lowered is None:
                self._lowered = {key.lower(): key for key in self.attributes}
            key = self._lowered.get(name.lower())
            if key is None:
                return None
            self.warn(
                f"[{name}] matched the source attribute '{key}' only case-insensitively; "
                f"write [{key}] (directory extension names are case-sensitive)."
            )
            raw = self.attributes[key]
        try:
            return from_json(raw)
        except ConversionError as exc:
            raise EvaluationError(f"[{name}]: {exc}.", position) from None

    def evaluate(self, node: ast.Node) -> Value:
        if isinstance(node, ast.Attribute):
            return self.lookup(node.name, node.position)
        if isinstance(node, ast.String):
            return node.value
        if isinstance(node, ast.Number):
            return node.text
        if isinstance(node, ast.HexNumber):
            return node.value
        if isinstance(node, ast.EnumConst):
            return node.name
        if isinstance(node, ast.Compare):
            left, right = self.evaluate(node.left), self.evaluate(node.right)
            try:
                return compare(node.op, left, right)
            except ConversionError as exc:
                raise EvaluationError(f"Comparison '{node.op}': {exc}.", node.op_position) from None
        values: tuple[Value | Missing, ...] = tuple(
            MISSING if arg is None else self.evaluate(arg) for arg in node.args
        )
        return FUNCTIONS[node.name].impl(Invocation(node, values, self))
