"""The public surface of ``scimdir.mapping`` is deliberate."""

from __future__ import annotations

import scimdir.mapping


def test_all_is_exactly_the_public_api() -> None:
    """``__all__`` lists exactly the intended names, each of which exists."""
    assert scimdir.mapping.__all__ == [
        "EvalContext",
        "EvaluationError",
        "ExpressionSyntaxError",
        "MappingError",
        "Node",
        "ParsedExpression",
        "Result",
        "Value",
        "evaluate",
        "parse",
        "parse_expression",
    ]
    assert [name for name in scimdir.mapping.__all__ if not hasattr(scimdir.mapping, name)] == []
