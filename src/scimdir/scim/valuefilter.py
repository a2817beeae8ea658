"""Value filters of PATCH paths evaluated against the values of one attribute.

RFC 7644 §3.5.2: a PATCH path such as ``emails[type eq "work"].value`` selects the values of a
multi-valued attribute that match the filter in brackets. The grammar is parsed by scim2-models
(``scim2_models.Path(...).ast``); this module evaluates the resulting AST in Python, because it
runs over the handful of values one stored document holds (never a table scan) and must follow
*our* schema table for sub-attribute names, types and case-exactness (RFC 7643 §2.1, §7
``caseExact``). Every operator and ``and``/``or``/``not`` is supported.

It also extracts the ``eq`` conditions of a filter so that an ``add``/``replace`` whose filter
matches nothing can create the value (Entra sends ``add emails[type eq "work"].value`` for an
address that does not exist yet, docs/idp/entra.md §4.10).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from scimdir.scim.errors import invalid_filter, shorten
from scimdir.scim.schema import Attribute, AttrType
from scimdir.scim.values import is_unassigned

__all__ = ["eq_conditions", "matches"]

Op = CompareOperator


def matches(attr: Attribute, item: Any, node: FilterNode) -> bool:
    """Whether one value of ``attr`` satisfies the bracket filter ``node``.

    :raises scim2_models.exceptions.SCIMException: ``invalidFilter`` naming an unknown
        sub-attribute or a nested value path.
    """
    if isinstance(node, LogicalExpr):
        results = (matches(attr, item, term) for term in node.terms)
        return all(results) if node.op == LogicalOperator.and_ else any(results)
    if isinstance(node, Not):
        return not matches(attr, item, node.expr)
    if isinstance(node, Present):
        sub = _sub(attr, node.attr_path.attr, node.attr_path.uri, node.attr_path.sub_attr)
        return isinstance(item, dict) and not is_unassigned(item.get(sub.name))
    if isinstance(node, Comparison):
        sub = _sub(attr, node.attr_path.attr, node.attr_path.uri, node.attr_path.sub_attr)
        actual = item.get(sub.name) if isinstance(item, dict) else None
        return _compare(sub, actual, node.op, node.value)
    if isinstance(node, ValuePath):
        raise invalid_filter(
            f"A value path cannot be nested inside {attr.name}[...]; "
            'write the condition on its sub-attributes, e.g. type eq "work".'
        )
    raise invalid_filter(f"Unsupported filter expression {shorten(node)}.")  # pragma: no cover


def _sub(attr: Attribute, name: str, uri: str | None, sub_attr: str | None) -> Attribute:
    sub = attr.sub(name) if uri is None and sub_attr is None else None
    if sub is None:
        names = ", ".join(s.name for s in attr.sub_attributes)
        raise invalid_filter(
            f"Inside {attr.name}[...] name one of its sub-attributes ({names}); got "
            f"{shorten((uri + ':' if uri else '') + name + ('.' + sub_attr if sub_attr else ''))}."
        )
    return sub


def _compare(sub: Attribute, actual: Any, op: CompareOperator, expected: Any) -> bool:
    if expected is None:
        present = not is_unassigned(actual)
        return (not present) if op == Op.eq else present if op == Op.ne else False
    if actual is None:
        return op == Op.ne
    left, right = _comparable(sub, actual), _comparable(sub, expected)
    if left is None or right is None or type(left) is not type(right):
        return op == Op.ne
    if op == Op.eq:
        return bool(left == right)
    if op == Op.ne:
        return bool(left != right)
    if isinstance(left, str) and isinstance(right, str):
        if op == Op.co:
            return right in left
        if op == Op.sw:
            return left.startswith(right)
        if op == Op.ew:
            return left.endswith(right)
    if op in (Op.co, Op.sw, Op.ew) or isinstance(left, bool):
        return False
    if op == Op.gt:
        return bool(left > right)
    if op == Op.ge:
        return bool(left >= right)
    if op == Op.lt:
        return bool(left < right)
    return bool(left <= right)


def _comparable(sub: Attribute, value: Any) -> Any:
    """Normalise one side: case-folded strings unless caseExact, parsed dateTimes, numbers."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    if sub.type == AttrType.DATETIME:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value if sub.case_exact else value.casefold()


def eq_conditions(attr: Attribute, node: FilterNode) -> dict[str, Any] | None:
    """The sub-attribute values a filter made only of ``eq`` joined by ``and`` pins down.

    ``type eq "work"`` gives ``{"type": "work"}``; anything with ``or``, ``not``, another
    operator, or a value of the wrong type gives ``None`` (no value can be created from it).
    """
    terms = node.terms if isinstance(node, LogicalExpr) else (node,)
    if isinstance(node, LogicalExpr) and node.op != LogicalOperator.and_:
        return None
    out: dict[str, Any] = {}
    for term in terms:
        if not isinstance(term, Comparison) or term.op != Op.eq:
            return None
        sub = _sub(attr, term.attr_path.attr, term.attr_path.uri, term.attr_path.sub_attr)
        value = term.value
        if value is None or _comparable(sub, value) is None:
            return None
        if sub.type == AttrType.BOOLEAN and not isinstance(value, bool):
            return None
        if sub.type in (AttrType.STRING, AttrType.REFERENCE) and not isinstance(value, str):
            return None
        if sub.name in out and out[sub.name] != value:
            return None
        out[sub.name] = value
    return out
