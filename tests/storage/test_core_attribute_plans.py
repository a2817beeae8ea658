"""Query plans of the filters on the core attributes that gained indexes (migration 0010).

``title``, ``userType`` and the enterprise ``costCenter``, ``organization`` and ``division`` are
columns with partial indexes (``WHERE col IS NOT NULL``); ``phoneNumbers.value`` and
``addresses.country`` are ``user_values`` rows. Each filter must probe its index on SQLite without
planner statistics, and on PostgreSQL the partial index must be usable at all (its predicate
implied by the comparison): with sequential scans disabled the plan names the index.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Select, select, text
from sqlalchemy.dialects import postgresql, sqlite

from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import USER_TYPE
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.filters import compile_user_filter
from scimdir.storage.sql.tables import users

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
_VALUES = "ix_user_values_directory_id_attribute_value_norm"

# filter -> the index its plan must name
CASES = [
    ('title eq "Engineer"', "ix_users_directory_id_title"),
    ('title sw "Eng"', "ix_users_directory_id_title"),
    ("title pr", "ix_users_directory_id_title"),
    ('userType eq "Employee"', "ix_users_directory_id_user_type"),
    (f'{ENT}:costCenter eq "CC-1"', "ix_users_directory_id_cost_center"),
    (f'{ENT}:organization eq "Contoso"', "ix_users_directory_id_organization"),
    (f'{ENT}:division eq "Cloud"', "ix_users_directory_id_division"),
    (f'{ENT}:department eq "Sales"', "ix_users_directory_id_department"),
    (f'{ENT}:employeeNumber eq "42"', "ix_users_directory_id_employee_number"),
    (f'{ENT}:manager eq "m-1"', "ix_users_directory_id_manager_id"),
    ('phoneNumbers.value eq "+1 555"', _VALUES),
    ('phoneNumbers[value sw "+1 555 42"]', _VALUES),
    ('addresses.country eq "US"', _VALUES),
]


def _statement(text_filter: str) -> Select[Any]:
    expr = parse_filter(USER_TYPE, text_filter)
    return select(users.c.id).where(users.c.directory_id == "d", compile_user_filter(expr, "d"))


@pytest.mark.parametrize(("text_filter", "index"), CASES)
def test_sqlite_filter_probes_its_index(
    sqlite_storage: SqlStorage, text_filter: str, index: str
) -> None:
    """On SQLite without statistics the filter searches its index with the directory prefix."""
    stmt = _statement(text_filter)
    sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with sqlite_storage.engine.connect() as conn:
        conn.execute(text("PRAGMA case_sensitive_like = ON"))
        rows = conn.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
    plan = "\n".join(str(r[-1]) for r in rows)
    assert f"USING INDEX {index} (directory_id=?" in plan or (
        f"USING COVERING INDEX {index} (directory_id=?" in plan
    ), plan


def test_sqlite_eq_null_on_a_partial_column_is_still_answered(sqlite_storage: SqlStorage) -> None:
    """`title eq null` cannot use the partial index; it reads the directory's rows instead."""
    stmt = _statement("title eq null")
    sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with sqlite_storage.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_users_directory_id_title" not in plan


_POPULATE = [
    "INSERT INTO directories (id, name, idp, settings, created, updated) "
    "VALUES ('plan-d', 'plans', 'generic', '{}', now(), now())",
    # 5,000 users; one in fifty has the filtered attributes, like a real directory.
    "INSERT INTO users (directory_id, id, user_name, user_name_norm, source, linked, document, "
    "version, created, last_modified, title, user_type, cost_center, organization, division, "
    "department, employee_number, manager_id) "
    "SELECT 'plan-d', 'u' || g, 'u' || g, 'u' || g, 'idp', true, '{}', 1, now(), now(), "
    "CASE WHEN g % 50 = 0 THEN 'engineer' || g END, CASE WHEN g % 50 = 0 THEN 'employee' END, "
    "CASE WHEN g % 50 = 0 THEN 'cc-' || g END, CASE WHEN g % 50 = 0 THEN 'contoso' || g END, "
    "CASE WHEN g % 50 = 0 THEN 'cloud' || g END, CASE WHEN g % 50 = 0 THEN 'sales' || g END, "
    "CASE WHEN g % 50 = 0 THEN 'e' || g END, CASE WHEN g % 50 = 0 THEN 'm' || g END "
    "FROM generate_series(1, 5000) AS g",
    "INSERT INTO user_values (directory_id, user_id, attribute, position, value_norm) "
    "SELECT 'plan-d', 'u' || g, a, 0, '+1 555 ' || g FROM generate_series(1, 5000) AS g, "
    "(VALUES ('phoneNumbers.value'), ('addresses.country')) AS v(a)",
    "ANALYZE users",
    "ANALYZE user_values",
]


@pytest.mark.postgres
@pytest.mark.parametrize(("text_filter", "index"), CASES)
def test_postgres_filter_uses_its_index(
    postgres_storage: SqlStorage, text_filter: str, index: str
) -> None:
    """On PostgreSQL, over 5,000 users of which 2% have the attribute, the plan uses the index.

    The rows live in a transaction that is rolled back, so other tests never see them.
    """
    expr = parse_filter(USER_TYPE, text_filter)
    stmt = select(users.c.id).where(
        users.c.directory_id == "plan-d", compile_user_filter(expr, "plan-d")
    )
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with postgres_storage.engine.connect() as conn:
        tx = conn.begin()
        try:
            for statement in _POPULATE:
                conn.execute(text(statement))
            plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + sql.replace("%%", "%"))))
        finally:
            tx.rollback()
    assert index in plan, plan
