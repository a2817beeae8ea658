"""Open problems: one row per subject and failure kind, counted, resolved by a later success."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from scimdir.service.log_sink import LogSink
from scimdir.service.ports import DirectoryRecord, LogRecord, Storage
from scimdir.service.problems import problem_changes

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _post(
    directory_id: str, status: int, at: datetime, user: str = "svc@x", **kw: object
) -> LogRecord:
    problem = "missing_required_attribute" if status >= 400 else None
    return LogRecord(
        directory_id,
        "POST",
        "/Users",
        status,
        at,
        1.0,
        resource_type="User",
        subject=user,
        problem=problem,
        **kw,  # type: ignore[arg-type]
    )


def _directory(storage: Storage) -> str:
    did = uuid.uuid4().hex
    with storage.transaction() as tx:
        tx.insert_directory(DirectoryRecord(did, "D", "entra", {}, T0, T0))
    return did


def test_a_failure_followed_by_a_success_in_one_batch_leaves_no_problem() -> None:
    """Within a batch, a success resolves the failures of its subject before it."""
    changes = problem_changes([_post("d", 400, T0), _post("d", 201, T0, resource_id="u1")])
    assert changes.hits == []
    assert "User:name:svc@x" in changes.resolved["d"]


def test_reads_and_unknown_tenants_make_no_problems() -> None:
    """A failed GET and an unknown-tenant refusal are logged but are not problems."""
    get = LogRecord("d", "GET", "/Users/x", 404, T0, 1.0, resource_type="User", problem="not_found")
    unknown = LogRecord(
        None, "GET", "/Users", 401, T0, 1.0, category="auth", problem="unknown_tenant"
    )
    assert problem_changes([get, unknown]).hits == []


def test_the_same_user_failing_every_cycle_is_one_counted_problem(storage: Storage) -> None:
    """Three cycles of the same failure are one open problem with count 3, first and last seen."""
    did = _directory(storage)
    sink = LogSink(storage, clock=lambda: T0)
    for cycle in range(3):
        sink.record(_post(did, 400, T0 + timedelta(minutes=40 * cycle)))
        sink.flush()
    sink.record(_post(did, 400, T0, user="other@x"))
    sink.flush()
    with storage.transaction(readonly=True) as tx:
        problems = {p.subject: p for p in tx.list_problems(did)}
    svc = problems["svc@x"]
    assert (svc.count, svc.first_seen, svc.last_seen) == (3, T0, T0 + timedelta(minutes=80))
    assert svc.kind == "missing_required_attribute" and svc.resolved is None
    assert problems["other@x"].count == 1


def test_a_later_success_resolves_and_a_recurrence_reopens(storage: Storage) -> None:
    """A successful create resolves the problem; the same failure later reopens it at count 1."""
    did = _directory(storage)
    sink = LogSink(storage, clock=lambda: T0 + timedelta(hours=2))
    sink.record(_post(did, 400, T0))
    sink.flush()
    sink.record(_post(did, 400, T0 + timedelta(minutes=40)))
    sink.flush()
    sink.record(_post(did, 201, T0 + timedelta(minutes=80), resource_id="u1"))
    sink.flush()
    with storage.transaction(readonly=True) as tx:
        assert tx.list_problems(did) == []
        (closed,) = tx.list_problems(did, open_only=False)
    assert (closed.count, closed.resolved) == (2, T0 + timedelta(hours=2))
    sink.record(_post(did, 400, T0 + timedelta(minutes=120)))
    sink.flush()
    with storage.transaction(readonly=True) as tx:
        (reopened,) = tx.list_problems(did)
    assert (reopened.count, reopened.first_seen) == (1, T0 + timedelta(minutes=120))


def test_a_failure_by_id_is_resolved_by_a_success_on_that_id(storage: Storage) -> None:
    """A failing PATCH of /Users/{id} is resolved by a later successful write of that id."""
    did = _directory(storage)
    sink = LogSink(storage, clock=lambda: T0)
    patch = LogRecord(
        did,
        "PATCH",
        "/Users/u7",
        400,
        T0,
        1.0,
        resource_type="User",
        resource_id="u7",
        problem="invalid_value",
    )
    sink.record(patch)
    sink.flush()
    with storage.transaction(readonly=True) as tx:
        assert [p.subject_key for p in tx.list_problems(did)] == ["User:id:u7"]
    ok = LogRecord(did, "PATCH", "/Users/u7", 200, T0, 1.0, resource_type="User", resource_id="u7")
    sink.record(ok)
    sink.flush()
    with storage.transaction(readonly=True) as tx:
        assert tx.list_problems(did) == []
