"""Conditional and Boolean built-ins and comparisons (docs/idp/entra-expressions.md §4.3, 4.4, 4.6,
4.17, 4.18, 4.20-4.23, 4.30, 4.42).

Evaluation is eager (§3.3 **[decision]**): both IIF branches and every Switch value are evaluated
before the function runs, so a runtime error in an untaken branch still fails the mapping.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from scimdir.mapping import ast
from scimdir.mapping.errors import ExpressionSyntaxError
from scimdir.mapping.functions.base import FunctionSpec, Invocation
from scimdir.mapping.values import (
    ConversionError,
    Value,
    is_null_or_empty,
    to_bool,
    to_int,
    to_number,
    to_string,
)

__all__ = ["SPECS", "compare"]


def compare(op: ast.CompareOp, left: Value, right: Value) -> bool:
    """Compare two values for ``= <> > >= < <=`` (§4.18 **[decision]**).

    Dates compare as instants; if both sides read as numbers they compare numerically (so
    ``Len(x) <= 5`` and ``[StatusRehire]=1`` work); otherwise the texts compare ordinally and
    case-sensitively. Booleans compare as "True"/"False"; **[decision]** Null compares as ``""``.

    :raises ConversionError: for a multi-value with several elements.
    """
    ordered: tuple[object, object]
    if isinstance(left, datetime) and isinstance(right, datetime):
        ordered = (left, right)
    else:
        numbers = _numbers(left, right)
        if numbers is not None:
            ordered = numbers
        else:
            ordered = (to_string(left) or "", to_string(right) or "")
    a, b = ordered
    if op == "=":
        return a == b
    if op == "<>":
        return a != b
    result: bool
    if op == ">":
        result = a > b  # type: ignore[operator]
    elif op == ">=":
        result = a >= b  # type: ignore[operator]
    elif op == "<":
        result = a < b  # type: ignore[operator]
    else:
        result = a <= b  # type: ignore[operator]
    return result


def _numbers(left: Value, right: Value) -> tuple[Decimal, Decimal] | None:
    if isinstance(left, bool) or isinstance(right, bool) or left is None or right is None:
        return None
    if not isinstance(left, str | int | Decimal) or not isinstance(right, str | int | Decimal):
        return None
    try:
        return Decimal(to_number(left)), Decimal(to_number(right))
    except ConversionError:
        return None


def _attributes(node: ast.Node | None) -> list[ast.Attribute]:
    if isinstance(node, ast.Attribute):
        return [node]
    if isinstance(node, ast.Compare):
        return _attributes(node.left) + _attributes(node.right)
    if isinstance(node, ast.Call):
        return [found for arg in node.args for found in _attributes(arg)]
    return []


def iif(inv: Invocation) -> Value:
    """IIF(condition, valueIfTrue, valueIfFalse).

    REF "Known limitations": if a source attribute used in the condition is null or empty, "the
    condition check fails". **[decision][doubt]** That is a runtime error here, whose message
    proposes the documented Switch rewrite. There is no AND/OR: nest IIF calls.
    """
    for attribute in _attributes(inv.node(0)):
        if is_null_or_empty(inv.env.lookup(attribute.name, attribute.position)):
            name = attribute.name
            inv.fail(
                f"the condition uses [{name}], which is null or empty for this object, and Entra's "
                f"IIF condition check fails in that case. Use Switch instead, e.g. "
                f'Switch([{name}], [{name}], "", "<value when empty>").',
                0,
            )
    condition = inv.convert(0, to_bool)
    return inv.arg(1) if condition else inv.arg(2)


def _validate_switch(call: ast.Call) -> None:
    if len(call.args) % 2:
        raise ExpressionSyntaxError(
            f"Switch needs an even number of arguments (source, default value, then key/value "
            f"pairs), but {len(call.args)} were given: a key is missing its value, or the empty "
            f'default-value slot is missing (write Switch([x], , "key", "value")).',
            call.position,
        )
    for index in range(2, len(call.args), 2):
        if call.args[index] is None:
            raise ExpressionSyntaxError(
                f'Switch key number {index // 2} is empty: write "" to match an empty value.',
                call.position,
            )


def switch(inv: Invocation) -> Value:
    """Switch(source, [defaultValue], key1, value1, ...): the value of the first matching key.

    Keys and the source compare as case-sensitive text; a Null or empty source matches the key
    ``""`` (REF caution). No match -> defaultValue, Null when its slot is empty. A Boolean source
    (``IsPresent(...)``) reads "True"/"False" (CUST, seed expressions).
    """
    source = inv.convert(0, to_string) or ""
    for index in range(2, len(inv.values), 2):
        if inv.convert(index, to_string) == source:
            return inv.arg(index + 1)
    return inv.arg(1)


def not_(inv: Invocation) -> Value:
    """Not(source): False for True or the string "True" (any case), otherwise True.

    **[doubt]** Null -> True (literal reading of REF).
    """
    value = inv.arg(0)
    if value is True:
        return False
    return not (isinstance(value, str) and value.strip().lower() == "true")


def cbool(inv: Invocation) -> Value:
    """CBool(expression): True for True, "True" or a non-zero number; Null -> runtime error."""
    return inv.convert(0, to_bool)


def is_null(inv: Invocation) -> Value:
    """IsNull(expression): True when the value is Null (the attribute is absent)."""
    return inv.arg(0) is None


def is_null_or_empty_(inv: Invocation) -> Value:
    """IsNullOrEmpty(expression): True when the value is Null or ``""``."""
    return is_null_or_empty(inv.arg(0))


def is_present(inv: Invocation) -> Value:
    """IsPresent(expression): True when the value is neither Null nor ``""``."""
    return not is_null_or_empty(inv.arg(0))


def is_string(inv: Invocation) -> Value:
    """IsString(expression): whether CStr would succeed.

    **[decision]** Null -> False; String, Number, Boolean, DateTime -> True; multi-value and
    complex values -> False.
    """
    return isinstance(inv.arg(0), str | bool | int | Decimal | datetime)


def coalesce(inv: Invocation) -> Value:
    """Coalesce(source1, ..., [defaultValue]): the first argument that is not Null.

    **[doubt]** ``""`` is not Null, so it is returned (literal reading of REF).
    """
    for index in range(len(inv.values)):
        value = inv.arg(index)
        if value is not None:
            return value
    return None


def ignore_flow(inv: Invocation) -> Value:
    """IgnoreFlowIfNullOrEmpty(expression): the value; when it is Null or ``""`` the evaluator
    drops the attribute from the flow. **[decision]** Valid only as the outermost call."""
    return inv.arg(0)


def bit_and(inv: Invocation) -> Value:
    """BitAnd(value1, value2): bitwise AND of two integers. **[decision]** Null -> runtime error."""
    return inv.convert(0, to_int) & inv.convert(1, to_int)


SPECS = (
    FunctionSpec("IIF", ("condition", "valueIfTrue", "valueIfFalse"), 3, 3, iif),
    FunctionSpec(
        "Switch",
        ("source", "[defaultValue]", "key1", "value1", "..."),
        4,
        None,
        switch,
        validate=_validate_switch,
    ),
    FunctionSpec("Not", ("source",), 1, 1, not_),
    FunctionSpec("CBool", ("expression",), 1, 1, cbool),
    FunctionSpec("IsNull", ("expression",), 1, 1, is_null),
    FunctionSpec("IsNullOrEmpty", ("expression",), 1, 1, is_null_or_empty_),
    FunctionSpec("IsPresent", ("expression",), 1, 1, is_present),
    FunctionSpec("IsString", ("expression",), 1, 1, is_string),
    FunctionSpec("Coalesce", ("source1", "...", "[defaultValue]"), 1, None, coalesce, frozenset()),
    FunctionSpec("IgnoreFlowIfNullOrEmpty", ("expression",), 1, 1, ignore_flow),
    FunctionSpec("BitAnd", ("value1", "value2"), 2, 2, bit_and, frozenset({0, 1})),
)
