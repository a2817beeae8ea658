"""SQLite query plans of filters on declared extension attributes, without planner statistics.

Port rule 12: a filter on ``urn:...:name`` is an index probe over ``(directory_id, attribute,
value)``, never a scan of the directory's users or of the value table.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scimdir.scim.extensions import directory_schema
from scimdir.scim.filter import parse_filter
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.filters import compile_user_filter
from scimdir.storage.sql.tables import users

from .test_sqlite_plans import _plan

URN = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
TYPES = directory_schema(
    [
        {
            "urn": URN,
            "attributes": [
                {"name": "costCenter"},
                {"name": "level", "type": "integer"},
                {"name": "hired", "type": "dateTime"},
            ],
        }
    ]
)


@pytest.mark.parametrize(
    ("text", "index"),
    [
        (f'{URN}:costCenter eq "x"', "ix_user_extension_values_directory_id_attribute_text_norm"),
        (f'{URN}:costCenter sw "x"', "ix_user_extension_values_directory_id_attribute_text_norm"),
        (f"{URN}:level gt 3", "ix_user_extension_values_directory_id_attribute_number"),
        (
            f'{URN}:hired lt "2026-01-01T00:00:00Z"',
            "ix_user_extension_values_directory_id_attribute_time",
        ),
    ],
)
def test_extension_filter_searches_the_value_index(
    sqlite_storage: SqlStorage, text: str, index: str
) -> None:
    """Each comparison searches its typed index by directory, attribute and value."""
    expr = parse_filter(TYPES.user_type, text)
    stmt = select(users).where(users.c.directory_id == "d", compile_user_filter(expr, "d"))
    plan = _plan(sqlite_storage, stmt)
    assert f"USING INDEX {index} (directory_id=? AND attribute=? AND" in plan or (
        f"USING COVERING INDEX {index} (directory_id=? AND attribute=? AND" in plan
    ), plan
    assert "SCAN users" not in plan and "SCAN user_extension_values" not in plan, plan


def test_extension_presence_probes_the_attribute_prefix(sqlite_storage: SqlStorage) -> None:
    """``pr`` reads the rows of one attribute in one directory, not the whole table."""
    expr = parse_filter(TYPES.user_type, f"{URN}:costCenter pr")
    stmt = select(users).where(users.c.directory_id == "d", compile_user_filter(expr, "d"))
    plan = _plan(sqlite_storage, stmt)
    index = "ix_user_extension_values_directory_id_attribute_text_norm"
    assert f"{index} (directory_id=? AND attribute=? AND text_norm>?)" in plan, plan
    assert "SCAN users" not in plan and "SCAN user_extension_values" not in plan, plan
