"""A pure evaluator of Microsoft Entra's attribute-mapping expression language.

Entra provisions a SCIM application through attribute mappings whose values may be expressions such
as ``Switch([IsSoftDeleted], , "False", "True", "True", "False")``. This package parses and
evaluates them locally, as the project's spec ``docs/idp/entra-expressions.md`` describes (after
Microsoft's "Reference for writing expressions for attribute mappings"), so an admin sees the
result and every error at once instead of after Entra's 40-minute provisioning cycle. No I/O: time,
tenant domain, existing target values and randomness come from :class:`EvalContext`.

>>> evaluate('Join(" ", [givenName], [surname])', {"givenName": "John", "surname": "Doe"}).value
'John Doe'
"""

from __future__ import annotations

from scimdir.mapping.ast import Node
from scimdir.mapping.context import EvalContext
from scimdir.mapping.errors import EvaluationError, ExpressionSyntaxError, MappingError
from scimdir.mapping.evaluator import Result, evaluate
from scimdir.mapping.parser import ParsedExpression, parse, parse_expression
from scimdir.mapping.values import Value

__all__ = [
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
