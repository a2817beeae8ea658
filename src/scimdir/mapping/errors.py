"""Errors of the Entra expression evaluator, each with a position and an admin-facing message.

Entra reports a bad expression when the admin saves the mapping and a runtime failure per object on
the next provisioning cycle, 40 minutes later (docs/idp/entra-expressions.md §3.3). Both become a
:class:`MappingError` here: ``message`` names the cause and the fix, ``position`` is the 0-based
character offset in the expression text (``None`` when no single place is to blame).
"""

from __future__ import annotations

__all__ = ["EvaluationError", "ExpressionSyntaxError", "MappingError"]


class MappingError(Exception):
    """An expression that Entra would reject (parse) or that fails for one object (runtime).

    :param message: what is wrong and how to fix it, in words an administrator understands.
    :param position: 0-based offset in the expression of the token to blame, or ``None``.
    """

    kind = "error"

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, position={self.position!r})"

    def caret(self, expression: str) -> str:
        """Render the expression with a caret under :attr:`position` (for humans, e.g. the CLI)."""
        if self.position is None:
            return self.message
        line_start = expression.rfind("\n", 0, self.position) + 1
        line_end = expression.find("\n", self.position)
        line = expression[line_start : line_end if line_end != -1 else len(expression)]
        pad = "".join("\t" if ch == "\t" else " " for ch in line[: self.position - line_start])
        return f"{line}\n{pad}^\n{self.message}"


class ExpressionSyntaxError(MappingError):
    """The expression is malformed: Entra refuses to save such a mapping
    (docs/idp/entra-expressions.md §2.3)."""

    kind = "parse"


class EvaluationError(MappingError):
    """The expression is valid but fails for this object: the object "would fail" (§3.3)."""

    kind = "runtime"
