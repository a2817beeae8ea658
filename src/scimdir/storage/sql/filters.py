"""Compile the resolved filter tree of :mod:`scimdir.scim.filter` to SQLAlchemy expressions.

RFC 7644 §3.4.2.2, port rule 5: every ``Field.key`` the resolver publishes maps to an indexed
column (or, for multi-valued attributes, ``id IN`` the matching rows of their table); a key
missing from the maps below raises ``invalidFilter``: nothing is ever dropped or widened.

Semantics, chosen once and checked by the contract suite:

- caseExact=false strings compare the folded value against the folded column (``userName`` with
  :func:`~scimdir.service.ports.normalize_user_name`, others ``str.casefold``), in Python on both
  sides so SQLite's ASCII-only ``lower()`` never disagrees with PostgreSQL's. Resource ids
  (``id``, ``groups.value``, ``members.value``) are caseExact (RFC 7643 §3.1).
- ``eq null`` means absent and ``ne null`` present; ``pr`` is "not null and not empty" (empty
  strings are stored as NULL). ``ne "x"`` includes resources where the attribute is absent.
- ``not`` coalesces its operand to false first, so SQL's three-valued logic never hides rows whose
  column is NULL (``not (title eq "x")`` includes users without a title).
- A flattened multi-valued key (``emails.value eq "x"``) matches when one value matches; a value
  path (``emails[type eq "work" and value co "@x"]``) needs one value to match all conditions.
- ``co``/``sw``/``ew`` become ``LIKE`` with ``%``, ``_`` and ``\\`` escaped; SQLite runs with
  ``case_sensitive_like`` so caseExact attributes stay exact. On a dateTime they are refused.

Hand-written because the filter tree is ours (resolved against our schema and columns); the
generic SCIM-to-SQL transpilers widen unsupported filters silently (docs/architecture.md, rule 5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, false, func, not_, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from scimdir.scim.errors import invalid_filter
from scimdir.scim.filter import SORTABLE_KEYS, And, Compare, Expr, Has, Negate, Op, Or, Present_
from scimdir.scim.schema import AttrType
from scimdir.service.ports import normalize_user_name
from scimdir.storage.sql.extension_filters import extension_predicate
from scimdir.storage.sql.lookups import PreparedLookups
from scimdir.storage.sql.tables import (
    groups,
    memberships,
    user_emails,
    user_record_columns,
    user_values,
    users,
)

__all__ = [
    "GROUP_LOOKUPS",
    "GROUP_SORT_KEYS",
    "USER_LOOKUPS",
    "USER_SORT_KEYS",
    "compile_group_filter",
    "compile_user_filter",
    "fold",
]

Fold = Callable[[str], str] | None
Predicate = ColumnElement[bool]


def fold(value: str) -> str:
    """The comparison form of a caseExact=false string (other than userName)."""
    return value.casefold()


@dataclass(frozen=True)
class _Col:
    column: ColumnElement[Any]
    fold: Fold = None


# A multi-valued attribute's rows: (directory column, parent-id column, sub-attribute columns).
_Rows = tuple[ColumnElement[Any], ColumnElement[Any], dict[str, _Col]]


@dataclass(frozen=True)
class _Child:
    """The rows of a multi-valued attribute, as a fresh alias per use, and the parent's id."""

    build: Callable[[], _Rows]
    parent_id: ColumnElement[Any]


def _emails() -> _Rows:
    e = user_emails.alias()
    cols = {
        "emails.value": _Col(e.c.value_norm, fold),
        "emails.type": _Col(e.c.type, fold),
        "emails.primary": _Col(e.c.primary),
    }
    return e.c.directory_id, e.c.user_id, cols


def _user_values(key: str) -> Callable[[], _Rows]:
    """The ``user_values`` rows of one filter key (``phoneNumbers.value``, ...), as a subquery
    that both planners flatten into a probe of ``(directory_id, attribute, value_norm)``."""

    def build() -> _Rows:
        v = select(user_values).where(user_values.c.attribute == key).subquery()
        return v.c.directory_id, v.c.user_id, {key: _Col(v.c.value_norm, fold)}

    return build


def _user_groups() -> _Rows:
    m = memberships.alias()
    return m.c.directory_id, m.c.member_id, {"groups.value": _Col(m.c.group_id)}


def _members() -> _Rows:
    m = memberships.alias()
    return m.c.directory_id, m.c.group_id, {"members.value": _Col(m.c.member_id)}


_USER_SCALARS: dict[str, _Col] = {
    "id": _Col(users.c.id),
    "externalId": _Col(users.c.external_id),
    "userName": _Col(users.c.user_name_norm, normalize_user_name),
    "displayName": _Col(users.c.display_name_norm, fold),
    "active": _Col(users.c.active),
    "name.givenName": _Col(users.c.given_name, fold),
    "name.familyName": _Col(users.c.family_name, fold),
    "meta.created": _Col(users.c.created),
    "meta.lastModified": _Col(users.c.last_modified),
    "enterprise.employeeNumber": _Col(users.c.employee_number, fold),
    "enterprise.department": _Col(users.c.department, fold),
    "enterprise.manager.value": _Col(users.c.manager_id, fold),
    "title": _Col(users.c.title, fold),
    "userType": _Col(users.c.user_type, fold),
    "enterprise.costCenter": _Col(users.c.cost_center, fold),
    "enterprise.organization": _Col(users.c.organization, fold),
    "enterprise.division": _Col(users.c.division, fold),
}
_USER_CHILDREN = {
    "emails": _Child(_emails, users.c.id),
    "phoneNumbers": _Child(_user_values("phoneNumbers.value"), users.c.id),
    "addresses": _Child(_user_values("addresses.country"), users.c.id),
    "groups": _Child(_user_groups, users.c.id),
}

_GROUP_SCALARS: dict[str, _Col] = {
    "id": _Col(groups.c.id),
    "externalId": _Col(groups.c.external_id),
    "displayName": _Col(groups.c.display_name_norm, fold),
    "meta.created": _Col(groups.c.created),
    "meta.lastModified": _Col(groups.c.last_modified),
}
_GROUP_CHILDREN = {"members": _Child(_members, groups.c.id)}

USER_LOOKUPS = PreparedLookups(
    users,
    {k: (c.column, c.fold) for k, c in _USER_SCALARS.items() if k != "active"},
    linked_column=users.c.linked,
    returning=user_record_columns,
)
"""Prepared ``eq`` lookups over the users' scalar columns (Entra's matching queries)."""
GROUP_LOOKUPS = PreparedLookups(groups, {k: (c.column, c.fold) for k, c in _GROUP_SCALARS.items()})
"""Prepared ``eq`` lookups over the groups' scalar columns (Entra's group matching)."""

USER_SORT_KEYS = {k: _USER_SCALARS[k].column for k in SORTABLE_KEYS}
GROUP_SORT_KEYS = {k: c.column for k, c in _GROUP_SCALARS.items()}


def compile_user_filter(expr: Expr, directory_id: str) -> Predicate:
    """The WHERE clause (over ``users`` of ``directory_id``) for a resolved User filter."""
    return _Compiler(_USER_SCALARS, _USER_CHILDREN, directory_id, "User").visit(expr)


def compile_group_filter(expr: Expr, directory_id: str) -> Predicate:
    """The WHERE clause (over ``groups`` of ``directory_id``) for a resolved Group filter."""
    return _Compiler(_GROUP_SCALARS, _GROUP_CHILDREN, directory_id, "Group").visit(expr)


def _like(value: str, op: Op) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if op == Op.co:
        return f"%{escaped}%"
    if op == Op.sw:
        return f"{escaped}%"
    return f"%{escaped}"


def _unsupported(key: str) -> Exception:
    return invalid_filter(
        f"Filtering on {key} is not supported by this server; filter on an indexed attribute "
        "such as userName, externalId, displayName, emails.value or members.value."
    )


class _Compiler:
    def __init__(
        self,
        scalars: dict[str, _Col],
        children: dict[str, _Child],
        directory_id: str,
        kind: str = "User",
    ) -> None:
        self.scalars = scalars
        self.children = children
        self.directory_id = directory_id
        self.kind = kind

    def matching(self, child: _Child, build: _Rows, condition: Predicate) -> Predicate:
        """``parent.id IN (ids of rows in this directory satisfying condition)``.

        Uncorrelated on purpose: SQLite evaluates it once over the child's
        ``(directory_id, value)`` index and probes the parent's primary key, instead of running
        a correlated EXISTS once per row of the directory.
        """
        directory, parent_id, _ = build
        rows = select(parent_id).where(directory == self.directory_id, condition)
        return child.parent_id.in_(rows)

    def visit(self, expr: Expr) -> Predicate:
        if isinstance(expr, And):
            return and_(true(), *(self.visit(t) for t in expr.terms))
        if isinstance(expr, Or):
            return or_(false(), *(self.visit(t) for t in expr.terms))
        if isinstance(expr, Negate):
            return not_(func.coalesce(self.visit(expr.expr), false()))
        if isinstance(expr, Has):
            child = self.children.get(expr.attribute)
            if child is None:
                raise _unsupported(expr.attribute)
            rows = child.build()
            inner = _Compiler(rows[2], {}, self.directory_id).visit(expr.condition)
            return self.matching(child, rows, inner)
        key = expr.field.key
        col = self.scalars.get(key)
        if col is not None:
            return _leaf(col, expr)
        if key.startswith("urn:"):
            return extension_predicate(self.kind, self.directory_id, expr)
        child = self.children.get(key.split(".", 1)[0])
        if child is None:
            raise _unsupported(key)
        rows = child.build()
        sub = rows[2].get(key)
        if sub is None:
            raise _unsupported(key)
        if isinstance(expr, Compare) and expr.value is None:
            present = self.matching(child, rows, sub.column.is_not(None))
            return not_(present) if expr.op == Op.eq else present
        return self.matching(child, rows, _leaf(sub, expr))


def _leaf(col: _Col, expr: Compare | Present_) -> Predicate:
    c = col.column
    if isinstance(expr, Present_):
        return c.is_not(None)
    op, value = expr.op, expr.value
    if value is None:
        return c.is_(None) if op == Op.eq else c.is_not(None)
    if isinstance(value, str) and col.fold is not None:
        value = col.fold(value)
    pred: Predicate
    if op == Op.eq:
        pred = c == value
    elif op == Op.ne:
        pred = or_(c.is_(None), c != value)
    elif op in (Op.co, Op.sw, Op.ew):
        if expr.field.type == AttrType.DATETIME or not isinstance(value, str):
            raise invalid_filter(
                f"{op.value} compares strings; {expr.field.key} is a {expr.field.type.value}. "
                "Use eq, gt, ge, lt or le with an ISO 8601 dateTime."
            )
        pred = c.like(_like(value, op), escape="\\")
    elif op == Op.gt:
        pred = c > value
    elif op == Op.ge:
        pred = c >= value
    elif op == Op.lt:
        pred = c < value
    elif op == Op.le:
        pred = c <= value
    else:  # pragma: no cover - the resolver knows no other operator
        raise invalid_filter(f"Unsupported filter operator {op.value}.")
    return pred
