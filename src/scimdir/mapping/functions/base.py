"""The shape of a built-in function: its signature, and what it receives when called.

A built-in is a small Python function taking an :class:`Invocation`: the evaluated arguments (an
empty slot is :data:`MISSING`, distinct from Null, docs/idp/entra-expressions.md §2.2 rule 5), the
argument nodes (IIF inspects the attributes of its condition, Replace reads an attribute *name*
from a constant), and the :class:`Env` (attribute lookup, context, warnings).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn, Protocol, TypeVar

from scimdir.mapping import ast
from scimdir.mapping.context import EvalContext
from scimdir.mapping.errors import EvaluationError, ExpressionSyntaxError
from scimdir.mapping.values import ConversionError, Value

__all__ = ["MISSING", "Env", "FunctionSpec", "Invocation", "Missing"]

_T = TypeVar("_T")


class Missing(enum.Enum):
    """The marker of an empty argument slot: "parameter not supplied"."""

    MISSING = "missing"


MISSING = Missing.MISSING


class Env(Protocol):
    """What a built-in may ask the evaluator for."""

    context: EvalContext

    def lookup(self, name: str, position: int) -> Value:
        """The value of source attribute ``name`` (Null when absent)."""

    def warn(self, message: str) -> None:
        """Record a non-fatal note for the admin."""

    def mark_redacted(self) -> None:
        """Record that the result must be masked in logs (Redact)."""


@dataclass(frozen=True)
class Invocation:
    """One call of a built-in: evaluated slots, their nodes, the call node and the environment."""

    call: ast.Call
    values: tuple[Value | Missing, ...]
    env: Env

    def supplied(self, index: int) -> bool:
        """Whether slot ``index`` exists and is not empty."""
        return index < len(self.values) and self.values[index] is not MISSING

    def arg(self, index: int) -> Value:
        """The value of slot ``index``; an empty or absent slot reads as Null."""
        if index >= len(self.values):
            return None
        value = self.values[index]
        return None if value is MISSING else value

    def node(self, index: int) -> ast.Node | None:
        """The syntax node of slot ``index`` (``None`` when empty or absent)."""
        return self.call.args[index] if index < len(self.call.args) else None

    def position(self, index: int | None = None) -> int:
        """Where to point an error: the slot's node, else the call."""
        node = self.node(index) if index is not None else None
        return node.position if node is not None else self.call.position

    def fail(self, message: str, index: int | None = None) -> NoReturn:
        """Raise a runtime error for this call, pointing at slot ``index``."""
        raise EvaluationError(f"{self.call.name}: {message}", self.position(index))

    def convert(self, index: int, converter: Callable[[Value], _T]) -> _T:
        """Apply a :mod:`~scimdir.mapping.values` converter, turning its failure into an error."""
        return self.convert_value(self.arg(index), index, converter)

    def convert_value(self, value: Value, index: int, converter: Callable[[Value], _T]) -> _T:
        """Convert ``value`` (read for slot ``index``), turning a failure into an error there."""
        try:
            return converter(value)
        except ConversionError as exc:
            self.fail(str(exc), index)


Impl = Callable[[Invocation], Value]
Validator = Callable[[ast.Call], None]


@dataclass(frozen=True)
class FunctionSpec:
    """A built-in: canonical name, parameter names, arity, implementation and parse-time checks.

    :param params: parameter names for messages; a trailing ``"..."`` marks a repeating parameter.
    :param required: slot indices that may not be left empty.
    :param validate: extra parse-time checks (e.g. Replace's slot combinations).
    """

    name: str
    params: tuple[str, ...]
    min_args: int
    max_args: int | None
    impl: Impl
    required: frozenset[int] = frozenset({0})
    validate: Validator | None = field(default=None)

    @property
    def signature(self) -> str:
        """``Name(param1, param2, ...)`` as documented."""
        return f"{self.name}({', '.join(self.params)})"

    def syntax_error(self, message: str, position: int) -> ExpressionSyntaxError:
        """A parse error about this function that recalls its signature."""
        return ExpressionSyntaxError(f"{message} Usage: {self.signature}.", position)
