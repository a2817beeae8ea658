"""What the users table's secondary indexes cost a write: ``python -m bench.write_indexes``.

Four SQLite databases in one process, identical but for the indexes on ``users`` and how an
update sets its columns:

- ``before``: the index set of migration 0009 (every filter column indexed whole), and an update
  that sets every column (the code before migration 0010);
- ``partial``: migration 0010's index set (``employee_number``, ``department``, ``manager_id``
  partial, and the five new filter columns partial: ``WHERE col IS NOT NULL``), every column set;
- ``after``: migration 0010's index set, and an update that sets only the columns that changed
  (``storage/sql/user_ops.py``), which is what the server does now;
- ``floor``: only the primary key and the unique ``userName`` index (changed columns only), to
  show what all the other indexes cost together.

Each runs the storage port's own writes (``insert_user``; then, as a PATCH does, ``get_user``
for update and ``update_user`` of ``displayName``; one transaction and commit each) for three
user shapes: ``okta`` (no enterprise attributes),
``entra`` (Entra's recommended mappings: department and employeeNumber, no manager) and ``full``
(every core attribute, phone numbers and addresses included). Rounds alternate the order of the
databases so machine noise hits all alike; the figures are CPU time (``time.process_time``) per
write, median over rounds, and their ratio to ``before``. Ratios, not absolute numbers: the
machine this runs on is shared.

Options: ``--users N`` writes per shape per round (default 400), ``--rounds R`` (default 5).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA
from scimdir.service.ports import DirectoryRecord, UserRecord
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.tables import PARTIAL_USER_COLUMNS

# Indexes of ``users`` other than the primary key and the unique userName index.
_ALWAYS = (
    "ix_users_directory_id_created_id",
    "ix_users_directory_id_linked_created_id",
    "ix_users_directory_id_last_modified",
    "ix_users_directory_id_external_id",
    "ix_users_directory_id_display_name_norm",
    "ix_users_directory_id_active_linked",
    "ix_users_directory_id_given_name",
    "ix_users_directory_id_family_name",
)
_WHOLE_BEFORE = ("employee_number", "department", "manager_id")
LAYOUTS = ("before", "partial", "after", "floor")
_ALL_COLUMNS = ("before", "partial")
SHAPES = ("okta", "entra", "full")


def _document(shape: str, name: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "userName": name,
        "active": True,
        "displayName": name.split("@", maxsplit=1)[0],
        "name": {"givenName": "Given", "familyName": "Family"},
        "emails": [{"primary": True, "type": "work", "value": name}],
    }
    if shape == "okta":
        return doc
    doc["externalId"] = f"ext-{name}"
    doc[ENTERPRISE_USER_SCHEMA] = {"department": "Sales", "employeeNumber": name[:8]}
    if shape == "full":
        doc[ENTERPRISE_USER_SCHEMA] |= {
            "costCenter": "CC-1",
            "organization": "Contoso",
            "division": "Cloud",
            "manager": {"value": "mgr"},
        }
        doc |= {
            "title": "Engineer",
            "userType": "Employee",
            "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
            "addresses": [{"country": "US", "type": "work"}],
            "roles": [{"value": "role1", "type": "WindowsAzureActiveDirectoryRole"}],
        }
    return doc


def _layout(storage: SqlStorage, layout: str) -> None:
    """Turn the migrated (``after``) index set into ``layout``'s."""
    if layout in ("after", "partial"):
        return
    with storage.engine.begin() as conn:
        for column in PARTIAL_USER_COLUMNS:
            conn.execute(text(f"DROP INDEX ix_users_directory_id_{column}"))
        if layout == "before":
            for column in _WHOLE_BEFORE:
                conn.execute(
                    text(
                        f"CREATE INDEX ix_users_directory_id_{column} "
                        f"ON users (directory_id, {column})"
                    )
                )
        else:
            for name in _ALWAYS:
                conn.execute(text(f"DROP INDEX {name}"))


def _open(root: Path, layout: str) -> tuple[SqlStorage, str]:
    storage = SqlStorage(f"sqlite:///{root / (layout + '.db')}")
    storage.migrate()
    _layout(storage, layout)
    directory_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    with storage.transaction() as tx:
        tx.insert_directory(DirectoryRecord(directory_id, "bench", "entra", {}, now, now))
    return storage, directory_id


def _cpu(work: Callable[[], None]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def _round(
    storage: SqlStorage, directory_id: str, shape: str, users: int, every_column: bool
) -> tuple[float, float]:
    """CPU seconds per insert and per update of ``users`` users of ``shape``."""
    now = datetime.now(UTC)
    records = [
        UserRecord(
            str(uuid.uuid4()),
            directory_id,
            name := f"{shape}-{uuid.uuid4().hex[:12]}@example.com",
            _document(shape, name),
            1,
            now,
            now,
            "idp",
            True,
        )
        for _ in range(users)
    ]

    def insert() -> None:
        for record in records:
            with storage.transaction() as tx:
                tx.insert_user(record)

    def update() -> None:
        later = now + timedelta(seconds=1)
        for record in records:
            with storage.transaction() as tx:
                current = tx.get_user(directory_id, record.id, for_update=True)
                assert current is not None
                current.document = {**current.document, "displayName": "Renamed"}
                current.last_modified = later
                if every_column:  # forget the row read, so every column is set
                    tx._read_rows().clear()  # type: ignore[attr-defined]
                tx.update_user(current, expected_version=current.version)

    return _cpu(insert) / users, _cpu(update) / users


def main(users: int = 400, rounds: int = 5) -> dict[tuple[str, str, str], float]:
    """Run the benchmark, print a table and return median µs per write by (layout, shape, op)."""
    samples: dict[tuple[str, str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        opened = {layout: _open(Path(tmp), layout) for layout in LAYOUTS}
        for r in range(rounds):
            order = LAYOUTS[r % 4 :] + LAYOUTS[: r % 4]
            for shape in SHAPES:
                for layout in order:
                    storage, directory_id = opened[layout]
                    ins, upd = _round(storage, directory_id, shape, users, layout in _ALL_COLUMNS)
                    samples.setdefault((layout, shape, "insert"), []).append(ins * 1e6)
                    samples.setdefault((layout, shape, "update"), []).append(upd * 1e6)
        for storage, _ in opened.values():
            storage.dispose()
    medians = {key: statistics.median(values) for key, values in samples.items()}
    print(f"SQLite, {users} writes per shape per round, {rounds} rounds; CPU µs per write")
    print("| shape | op | before | partial | after | floor | partial/before | after/before |")
    print("|---|---|---|---|---|---|---|---|")
    for shape in SHAPES:
        for op in ("insert", "update"):
            b, p, a, f = (medians[(layout, shape, op)] for layout in LAYOUTS)
            print(
                f"| {shape} | {op} | {b:.0f} | {p:.0f} | {a:.0f} | {f:.0f} | {p / b:.2f} "
                f"| {a / b:.2f} |"
            )
    return medians


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    main(args.users, args.rounds)
    sys.exit(0)
