"""The provisioning log's storage on both dialects: filters, unknown-tenant entries, counts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from scimdir.service.ports import (
    LOG_ROW_COLUMNS,
    LogCount,
    LogFilter,
    LogRecord,
    Storage,
    log_row,
)
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.tables import provisioning_log

from .helpers import create_directory

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _entry(directory_id: str | None, status: int, minutes: int, **kw: object) -> LogRecord:
    return LogRecord(
        directory_id,
        "POST",
        "/Users",
        status,
        T0 + timedelta(minutes=minutes),
        2.0,
        **kw,  # type: ignore[arg-type]
    )


def test_filters_by_subject_time_failures_and_category(storage: Storage, directory_id: str) -> None:
    """list_log filters by userName (case-insensitive) or resource id, time range, failures and
    category."""
    with storage.transaction() as tx:
        tx.append_logs(
            [
                _entry(directory_id, 201, 0, subject="Ann@X", resource_id="u1"),
                _entry(directory_id, 400, 10, subject="bob@x", problem="invalid_value"),
                _entry(directory_id, 200, 20, subject="ann@x", resource_id="u1"),
                _entry(directory_id, 401, 30, category="auth", problem="wrong_secret"),
            ]
        )
    with storage.transaction(readonly=True) as tx:
        ann = tx.list_log(directory_id, where=LogFilter(subject="ann@x"))
        by_id = tx.list_log(directory_id, where=LogFilter(subject="u1"))
        recent = tx.list_log(directory_id, where=LogFilter(since=T0 + timedelta(minutes=15)))
        between = tx.list_log(
            directory_id,
            where=LogFilter(since=T0 + timedelta(minutes=5), until=T0 + timedelta(minutes=20)),
        )
        failed = tx.list_log(directory_id, where=LogFilter(failures_only=True))
        auth = tx.list_log(directory_id, where=LogFilter(category="auth"))
    assert [r.status for r in ann] == [200, 201]
    assert [r.status for r in by_id] == [200, 201]
    assert [r.status for r in recent] == [401, 200]
    assert [r.status for r in between] == [400]  # since inclusive, until exclusive
    assert [r.status for r in failed] == [401, 400]
    assert [r.problem for r in auth] == ["wrong_secret"]


def test_unknown_tenant_entries_are_kept_apart(storage: Storage, directory_id: str) -> None:
    """Entries without a directory are never listed for a directory, and list on their own."""
    marker = uuid.uuid4().hex
    with storage.transaction() as tx:
        tx.append_logs(
            [
                _entry(None, 401, 0, category="auth", request_id=marker),
                _entry(directory_id, 201, 0),
            ]
        )
    with storage.transaction(readonly=True) as tx:
        mine = tx.list_log(directory_id)
        unknown = tx.list_log(None, limit=1000)
    assert [r.status for r in mine] == [201]
    assert marker in {r.request_id for r in unknown}


def test_counts_contact_and_quirks(
    storage: Storage, new_directory: Callable[[], str], directory_id: str
) -> None:
    """count_log groups by category and kind; last_contact ignores admin entries."""
    with storage.transaction() as tx:
        tx.append_logs(
            [
                _entry(directory_id, 201, 0, quirks=("entra.string-boolean",)),
                _entry(directory_id, 400, 5, problem="invalid_value"),
                _entry(directory_id, 401, 10, category="auth", problem="wrong_secret"),
                _entry(directory_id, 200, 50, category="admin"),
            ]
        )
    with storage.transaction(readonly=True) as tx:
        counts = sorted(tx.count_log(directory_id, T0), key=lambda c: (c.category, c.kind))
        contact = tx.last_contact(directory_id)
        quirks = tx.quirks_since(directory_id, T0)
        never = tx.last_contact(new_directory())
    assert counts == [
        LogCount("admin", "ok", 1),
        LogCount("auth", "wrong_secret", 1),
        LogCount("request", "invalid_value", 1),
        LogCount("request", "ok", 1),
    ]
    assert contact == T0 + timedelta(minutes=10)
    assert quirks == {"entra.string-boolean": 1}
    assert never is None


def test_rows_store_the_values_sqlalchemy_binds_for_the_record(
    storage: Storage, new_directory: Callable[[], str]
) -> None:
    """append_log_rows writes on the driver in its own way (SQLite: multi-row INSERTs with
    NULLs sent as 0; PostgreSQL: COPY): what it stores, read raw (SQLite's ISO text for
    created, the quirks' JSON text, a REAL duration, NULL, a text "0"), is what SQLAlchemy's
    general INSERT of the same record's columns stores."""
    general, by_rows = new_directory(), new_directory()

    def entry(directory_id: str) -> LogRecord:
        return _entry(
            directory_id, 409, 7, quirks=("okta.x", "entra.y"), subject="é\u212a",
            request_id="r", user_agent="ua", explanation="e", response_body="{}", resource_id="0",
            effect="", detail="NULL",
        )  # fmt: skip

    record = entry(general)
    values = {name: getattr(record, name) for name in LOG_ROW_COLUMNS}
    with storage.transaction() as tx:
        conn = tx.conn  # type: ignore[attr-defined]
        conn.execute(provisioning_log.insert(), [{**values, "quirks": list(record.quirks)}])
        tx.append_log_rows([log_row(entry(by_rows))])
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = f"SELECT {', '.join(LOG_ROW_COLUMNS)} FROM provisioning_log WHERE directory_id = {mark}"
    with storage.transaction(readonly=True) as tx:
        conn = tx.conn  # type: ignore[attr-defined]
        (stored,) = conn.exec_driver_sql(sql, (general,)).fetchall()
        (from_row,) = conn.exec_driver_sql(sql, (by_rows,)).fetchall()
    assert tuple(from_row)[1:] == tuple(stored)[1:]
    assert [type(v) for v in from_row] == [type(v) for v in stored]
    by_name = dict(zip(LOG_ROW_COLUMNS, from_row, strict=True))
    assert (by_name["resource_id"], by_name["effect"], by_name["detail"]) == ("0", "", "NULL")
    assert by_name["scim_type"] is None and by_name["client"] is None


@pytest.mark.postgres
def test_the_log_writers_batch_commits_asynchronously_on_postgresql(
    postgres_storage: SqlStorage,
) -> None:
    """append_logs and append_log_rows set synchronous_commit off for their transaction only
    (the batch's commit does not wait for the WAL flush); other transactions keep it on."""
    directory_id = create_directory(postgres_storage)
    settings = []
    for append in ("append_logs", "append_log_rows"):
        with postgres_storage.transaction() as tx:
            entry = _entry(directory_id, 200, 0)
            getattr(tx, append)([entry] if append == "append_logs" else [log_row(entry)])
            settings.append(tx.conn.exec_driver_sql("SHOW synchronous_commit").scalar())  # type: ignore[attr-defined]
    with postgres_storage.transaction() as tx:
        tx.append_log(_entry(directory_id, 200, 0))
        settings.append(tx.conn.exec_driver_sql("SHOW synchronous_commit").scalar())  # type: ignore[attr-defined]
    assert settings == ["off", "off", "on"]


def test_cap_log_of_named_owners_touches_only_them(
    storage: Storage, new_directory: Callable[[], str]
) -> None:
    """``cap_log`` with owners keeps the newest N rows of each one named and leaves every other
    directory's rows alone, however many they hold (safe beside other tests on a shared
    database: it touches nothing it was not given)."""
    capped, untouched = new_directory(), new_directory()
    with storage.transaction() as tx:
        rows = [log_row(_entry(d, 200 + i, i)) for d in (capped, untouched) for i in range(6)]
        tx.append_log_rows(rows)
    with storage.transaction() as tx:
        assert tx.cap_log(2, [capped]) == 4
    with storage.transaction(readonly=True) as tx:
        assert [r.status for r in tx.list_log(capped)] == [205, 204]
        assert len(tx.list_log(untouched)) == 6
    with storage.transaction() as tx:
        assert tx.cap_log(2, [capped]) == 0
