"""Entra's membership check as one prepared statement.

To learn whether a user is in a group, Entra (and the SCIM validators) send
``GET /Groups?excludedAttributes=members&filter=id eq "G" and members[value eq "U"]``
(docs/idp/entra.md). The general path compiles that filter tree into a SQLAlchemy statement at
every request, which costs more Python than the database takes to answer it. A filter of exactly
that shape (``id eq`` and ``members[value eq]`` or ``members.value eq``, in either order), asked
from the first page in the default order, runs one statement prepared once, on the driver: the
group ``G`` of the directory if it has a membership row naming ``U``. The answer is the general
path's (the same rows: at most one group, so its order and total are trivially the same), which
the contract suite checks on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, select

from scimdir.scim.filter import And, Compare, Expr, Has, Op
from scimdir.service.ports import SearchQuery
from scimdir.storage.sql.driver_statements import DriverStatement
from scimdir.storage.sql.tables import groups, memberships

__all__ = ["run_membership_check"]

_HAS_MEMBER = (
    select(memberships.c.member_id)
    .where(
        memberships.c.directory_id == bindparam("d"),
        memberships.c.group_id == bindparam("g"),
        memberships.c.member_id == bindparam("m"),
    )
    .exists()
)
_GROUP_WITH_MEMBER = DriverStatement(
    select(groups).where(
        groups.c.directory_id == bindparam("d"), groups.c.id == bindparam("g"), _HAS_MEMBER
    )
)


def _equals(expr: Expr, key: str) -> str | None:
    """The string ``expr`` compares ``key`` to with ``eq``, else None."""
    if isinstance(expr, Compare) and expr.op == Op.eq and expr.field.key == key:
        return expr.value if isinstance(expr.value, str) else None
    return None


def _member(expr: Expr) -> str | None:
    """The member id of ``members[value eq "U"]`` or ``members.value eq "U"``."""
    if isinstance(expr, Has) and expr.attribute == "members":
        return _equals(expr.condition, "members.value")
    return _equals(expr, "members.value")


def membership_check(expr: Expr | None) -> tuple[str, str] | None:
    """``(group id, member id)`` when ``expr`` is the membership check's shape, else None."""
    if not isinstance(expr, And) or len(expr.terms) != 2:
        return None
    for first, second in (expr.terms, expr.terms[::-1]):
        group_id, member_id = _equals(first, "id"), _member(second)
        if group_id is not None and member_id is not None:
            return group_id, member_id
    return None


def run_membership_check(
    conn: Connection, directory_id: str, query: SearchQuery
) -> list[dict[str, Any]] | None:
    """The group rows answering ``query`` when it is a first-page membership check in the
    default order; None when the general path must answer."""
    found = membership_check(query.filter)
    if found is None or query.sort_key is not None or query.start_index > 1 or query.count <= 0:
        return None
    group_id, member_id = found
    return _GROUP_WITH_MEMBER.rows(conn, {"d": directory_id, "g": group_id, "m": member_id})
