"""Filters on declared extension attributes, over the extension value index (port rule 12).

RFC 7644 §3.4.2.2 on a key ``urn:...:name`` (:mod:`scimdir.scim.extensions`): the predicate is
``id IN (resources of this directory with a matching value row)``, uncorrelated like the other
multi-valued attributes of :mod:`scimdir.storage.sql.filters`, so the database walks the
``(directory_id, attribute, value)`` index once and probes the resources' primary key.

Semantics: ``pr`` and ``ne null``: a value row exists; ``eq null``: none does; ``eq``, ``gt``,
``ge``, ``lt``, ``le``, ``co``, ``sw``, ``ew``: one value matches (any value of a multi-valued
attribute); ``ne v``: no value equals ``v`` (absent included). Strings compare casefolded unless
the attribute is caseExact; booleans are stored as 0/1, numbers as doubles, dateTimes in UTC.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import not_, select
from sqlalchemy.sql.elements import ColumnElement

from scimdir.scim.errors import invalid_filter
from scimdir.scim.extensions import fold_text
from scimdir.scim.filter import Compare, Op, Present_
from scimdir.scim.schema import AttrType
from scimdir.storage.sql.extension_ops import extension_table
from scimdir.storage.sql.tables import groups, users

__all__ = ["extension_predicate"]

Predicate = ColumnElement[bool]
_SUBSTRING = {Op.co, Op.sw, Op.ew}


def _like(value: str, op: Op) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {Op.co: f"%{escaped}%", Op.sw: f"{escaped}%"}.get(op, f"%{escaped}")


def extension_predicate(kind: str, directory_id: str, expr: Compare | Present_) -> Predicate:
    """The WHERE term over ``users``/``groups`` for a comparison on an extension attribute."""
    table, resource_id = extension_table(kind)
    parent_id = groups.c.id if kind == "Group" else users.c.id
    rows = table.alias()
    owner = rows.c[resource_id.name]
    field = expr.field

    def having(*condition: Predicate) -> Predicate:
        matching = select(owner).where(
            rows.c.directory_id == directory_id,
            rows.c.attribute == field.key.lower(),
            *condition,
        )
        return parent_id.in_(matching)

    column: ColumnElement[Any]
    if field.type in (AttrType.STRING, AttrType.REFERENCE, AttrType.BINARY):
        column = rows.c.text_norm
    elif field.type == AttrType.DATETIME:
        column = rows.c.time
    else:  # boolean, integer, decimal
        column = rows.c.number
    # Presence names the typed column too, so the probe runs over its (directory_id, attribute,
    # value) index rather than the primary key's directory prefix.
    present = column.is_not(None)
    if isinstance(expr, Present_):
        return having(present)
    op, value = expr.op, expr.value
    if value is None:
        return not_(having(present)) if op == Op.eq else having(present)
    if column is rows.c.text_norm:
        value = fold_text(str(value), field.case_exact)
    elif column is rows.c.number:
        value = float(value)
    if op in _SUBSTRING:
        if column is not rows.c.text_norm:
            raise invalid_filter(
                f"{op.value} compares strings; {field.key} is a {field.type.value}. "
                "Use eq, ne, gt, ge, lt or le."
            )
        return having(column.like(_like(value, op), escape="\\"))
    if op == Op.eq:
        return having(column == value)
    if op == Op.ne:
        return not_(having(column == value))
    comparisons = {
        Op.gt: column > value,
        Op.ge: column >= value,
        Op.lt: column < value,
        Op.le: column <= value,
    }
    found = comparisons.get(op)
    if found is None:  # pragma: no cover - the resolver knows no other operator
        raise invalid_filter(f"Unsupported filter operator {op.value}.")
    return having(found)
