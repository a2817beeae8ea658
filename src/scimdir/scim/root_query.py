"""A query over every resource type at once (``POST /.search`` at the root, RFC 7644 §3.4.3):
its parameters, translated for one resource type.

RFC 7644 §3.4.2.1: "For filtered attributes that are not part of a particular resource type, the
service provider SHALL treat the attribute as if there is no attribute value. For example, a
presence or equality filter for an undefined attribute evaluates to false." So each comparison,
presence test or value path on an attribute the type does not define becomes a filter that is
false for every resource (``not (id pr)``), and the result is an ordinary filter the type's own
compiler (:mod:`scimdir.scim.filter`) resolves and storage runs over its indexes.

An attribute that *no* resource type defines is refused (400 ``invalidFilter`` or
``invalidValue``), as in a per-type query: a silent empty result would hide a typo. The same rule
applies to ``attributes``/``excludedAttributes`` (names another type lacks are dropped for that
type) and to ``sortBy`` (a type without the attribute keeps its default order).
"""

from __future__ import annotations

from collections.abc import Sequence

from scim2_models import Path, ScimFilter
from scim2_models.exceptions import InvalidFilterException, SCIMException
from scim2_models.path import (
    AttrPath,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from scimdir.scim.errors import invalid_filter
from scimdir.scim.projection import parse_attribute_list
from scimdir.scim.schema import AttrType, ResourceType

__all__ = ["NOTHING", "attributes_for", "filter_for", "sort_by_for"]

NOTHING = "not (id pr)"
"""A filter no resource matches: every resource has an ``id`` (RFC 7643 §3.1)."""


def _defines(rt: ResourceType, path: AttrPath) -> bool:
    found = rt.resolve(path.uri, path.attr)
    if found is None:
        return False
    attr = found[1]
    if path.sub_attr is None:
        return True
    return attr.type == AttrType.COMPLEX and attr.sub(path.sub_attr) is not None


def _leaf_path(node: FilterNode) -> AttrPath | None:
    if isinstance(node, Comparison | Present | ValuePath):
        return node.attr_path
    return None


def _text(rt: ResourceType, node: FilterNode) -> str:
    """``node`` as filter text for ``rt``, with undefined attributes replaced by NOTHING."""
    if isinstance(node, LogicalExpr):
        joiner = " and " if node.op == LogicalOperator.and_ else " or "
        return joiner.join(f"({_text(rt, term)})" for term in node.terms)
    if isinstance(node, Not):
        return f"not ({_text(rt, node.expr)})"
    path = _leaf_path(node)
    if path is not None and not _defines(rt, path):
        return NOTHING
    return str(node)


def _leaves(node: FilterNode) -> list[AttrPath]:
    if isinstance(node, LogicalExpr):
        return [p for term in node.terms for p in _leaves(term)]
    if isinstance(node, Not):
        return _leaves(node.expr)
    path = _leaf_path(node)
    return [path] if path is not None else []


def filter_for(types: Sequence[ResourceType], text: str | None) -> dict[str, str | None]:
    """The filter text each resource type (by name) runs for a root query's ``filter``.

    :raises scim2_models.exceptions.SCIMException: ``invalidFilter`` for an attribute no resource
        type defines (bad syntax is returned as is, for each type's compiler to refuse).
    """
    if text is None or not text.strip():
        return {rt.name: None for rt in types}
    try:
        tree = ScimFilter(text).ast
    except InvalidFilterException:
        # Bad syntax: every type's own compiler refuses it, with its advice.
        return {rt.name: text for rt in types}
    for path in _leaves(tree):
        if not any(_defines(rt, path) for rt in types):
            names = " or ".join(rt.name for rt in types)
            raise invalid_filter(f"Unknown attribute {path}: no resource type ({names}) has it.")
    return {rt.name: _text(rt, tree) for rt in types}


def attributes_for(
    types: Sequence[ResourceType], raw: str | None, *, selecting: bool
) -> dict[str, str | None]:
    """The ``attributes`` (``selecting``) or ``excludedAttributes`` each type takes.

    A name another type lacks is dropped for that type. When none of the selected names applies
    to a type, it is asked for ``id`` alone (its ``returned: always`` minimum, RFC 7644
    §3.4.2.5) rather than for everything.

    :raises scim2_models.exceptions.SCIMException: ``invalidValue`` for a name no type has.
    """
    if raw is None or not raw.strip():
        return {rt.name: None for rt in types}
    names = [n.strip() for n in raw.split(",") if n.strip()]
    kept: dict[str, list[str]] = {rt.name: [] for rt in types}
    for name in names:
        takers = [rt for rt in types if _parses(rt, name)]
        if not takers:
            parse_attribute_list(types[0], name)  # raises invalidValue naming it
        for rt in takers:
            kept[rt.name].append(name)
    out: dict[str, str | None] = {}
    for rt in types:
        listed = ",".join(kept[rt.name])
        out[rt.name] = listed or ("id" if selecting and names else None)
    return out


def _parses(rt: ResourceType, name: str) -> bool:
    try:
        parse_attribute_list(rt, name)
    except SCIMException:
        return False
    return True


def sort_by_for(types: Sequence[ResourceType], sort_by: str | None) -> dict[str, str | None]:
    """The ``sortBy`` each type applies: the attribute where the type has it, else None.

    :raises scim2_models.exceptions.SCIMException: ``invalidFilter`` when no type has it.
    """
    if sort_by is None or not sort_by.strip():
        return {rt.name: None for rt in types}
    try:
        path = Path(sort_by).ast
    except SCIMException as exc:
        raise invalid_filter(f"sortBy={sort_by!r} is not an attribute path.") from exc
    if not isinstance(path, AttrPath) or not any(_defines(rt, path) for rt in types):
        raise invalid_filter(f"sortBy={sort_by!r} names no attribute of any resource type.")
    return {rt.name: sort_by if _defines(rt, path) else None for rt in types}
