"""A served request's log row, built by the writer from the facts the request queued
(``RequestLogger.served`` -> ``LogSink.defer_row`` -> ``_served_row``), is column for column the
entry the earlier path stored: a :class:`LogRecord` built from the same request, bounded with
``bound_record`` and appended with ``append_logs``. On both databases, with the presented
secret pasted everywhere, quirks, kept undeclared attributes and fields beyond their bounds."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.requests import Request

from scimdir.scim.dialects import dialect_for
from scimdir.service.context import ScimContext
from scimdir.service.directories import DirectoryService
from scimdir.service.directory_settings import DirectorySettings
from scimdir.service.log_bounds import bound_record
from scimdir.service.log_sink import LogSink
from scimdir.service.ports import DirectoryRecord, LogRecord, Storage
from scimdir.service.redaction import REDACTED
from scimdir.service.runtime import system_runtime, utc_now
from scimdir.web.request_log import RequestLogger, _capture, _common_of, _subject, _with_kept

NOW = datetime(2026, 12, 1, 9, 30, 15, 123000, tzinfo=UTC)


@dataclass
class Served:
    """One successful request as the SCIM pipeline hands it to ``RequestLogger.served``."""

    method: str
    path: str
    status: int
    query: bytes = b""
    agent: str | None = "Azure Active Directory SCIM Client"
    client: tuple[str, int] | None = ("10.1.2.3", 50000)
    resource_type: str | None = "User"
    resource_id: str | None = None
    request_body: Any = None
    response_body: Any = None
    quirks: list[str] = field(default_factory=list)
    effect: str | None = None
    kept: list[str] = field(default_factory=list)
    presented: str | None = "SECRET-presented-123"

    def request(self, n: int) -> Request:
        headers = [(b"host", b"scim.test")]
        if self.agent is not None:
            headers.append((b"user-agent", self.agent.encode("latin-1")))
        scope: dict[str, Any] = {
            "type": "http",
            "method": self.method,
            "path": self.path,
            "query_string": self.query,
            "headers": headers,
            "client": self.client,
            "state": {"request_id": f"req-{n}"},
        }
        return Request(scope)

    def context(self, directory: DirectoryRecord) -> ScimContext:
        return ScimContext(
            directory=directory,
            base_url="https://scim.test",
            dialect=dialect_for(directory.idp),
            settings=DirectorySettings(),
            quirks=list(self.quirks),
            effect=self.effect,
            kept_undeclared=list(self.kept),
        )


SECRET = "SECRET-presented-123"
CASES = [
    # Entra's lookup: the secret in the query and the user agent, a credential-named parameter.
    Served(
        "GET", "/scim/t/v2/Users", 200,
        query=f"filter=userName+eq+%22{SECRET}%22&access_token=abc".encode(),
        agent=f"Azure AD {SECRET} Bearer abcdefghijkl",
        response_body={"totalResults": 0, "Resources": []},
    ),
    # A create: subject from the response, repeated quirks, an effect with kept attributes.
    Served(
        "POST", "/scim/t/v2/Users", 201, resource_id="u-1",
        request_body={"userName": f"ann{SECRET}@x"},
        response_body={"id": "u-1", "userName": f"ann{SECRET}@x"},
        quirks=["entra.string-boolean", "entra.capitalised-op", "entra.string-boolean"],
        effect="created", kept=["urn:x:a", "urn:x:b", "urn:x:a"],
    ),
    # Kept attributes without an effect; subject from the request body; no secret presented.
    Served(
        "PATCH", "/scim/t/v2/Groups/g-1", 200, resource_type="Group", resource_id="g-1",
        request_body={"displayName": "Team"}, kept=["urn:x:c"], presented=None,
    ),
    # Everything beyond its bound or unstorable as sent.
    Served(
        "PUT", "/scim/t/v2/Users/" + "x" * 300, 200, resource_id="x" * 300,
        query=("q=" + "é\x00" * 1500).encode("latin-1"),
        agent="agent\x00" + "a" * 400,
        response_body={"userName": "a\x00\ud800" + "n" * 300},
        quirks=[f"quirk-{i}-" + "q" * 70 for i in range(40)],
        effect="e" * 600, kept=["urn:x:" + "k" * 100],
    ),
    # Short but unstorable as sent: NUL and a lone surrogate.
    Served(
        "GET", "/scim/t/v2/Users/u\x00", 200, resource_id="u\x00", query=b"x=\x00",
        agent="ag\x00ent", response_body={"userName": "b\x00\ud800"},
    ),
    # No bodies, no user agent, no client address.
    Served(
        "DELETE", "/scim/t/v2/Users/u-2", 204, resource_id="u-2", agent=None, client=None
    ),
]  # fmt: skip


def _old_way(case: Served, directory: DirectoryRecord, n: int, elapsed: float) -> LogRecord:
    """The entry as the request path's closure built it before rows: a LogRecord, bounded."""
    presented = case.presented
    subject = _subject(case.response_body) or _subject(case.request_body)
    ctx = case.context(directory)
    record = LogRecord(
        directory_id=directory.id,
        status=case.status,
        created=NOW,
        duration_ms=round(elapsed * 1000, 3),
        resource_type=case.resource_type,
        resource_id=case.resource_id,
        subject=subject.replace(presented, REDACTED) if subject and presented else subject,
        effect=_with_kept(ctx.effect, ctx.kept_undeclared),
        quirks=tuple(dict.fromkeys(ctx.quirks)),
        **_common_of(_capture(case.request(n).scope), presented),
    )
    return bound_record(record)


@pytest.fixture
def directory(storage: Storage) -> DirectoryRecord:
    return DirectoryService(storage, system_runtime()).create("rows", "entra").directory


def test_a_served_entry_stores_what_the_record_path_stored(
    storage: Storage, directory: DirectoryRecord
) -> None:
    """Every column of each served entry equals the earlier path's entry for the same request."""
    sink = LogSink(storage, clock=lambda: NOW)
    logger = RequestLogger(sink, DirectoryService(storage, system_runtime()), lambda: NOW)
    expected = []
    for n, case in enumerate(CASES):
        elapsed = logger.served(
            case.request(n),
            case.context(directory),
            presented=case.presented,
            resource_type=case.resource_type,
            resource_id=case.resource_id,
            status=case.status,
            started=time.perf_counter(),
            request_body=case.request_body,
            response_body=case.response_body,
        )
        expected.append(_old_way(case, directory, n, elapsed))
    assert sink.flush() == len(CASES)
    with storage.transaction(readonly=True) as tx:
        served = tx.list_log(directory.id)
    with storage.transaction() as tx:
        tx.append_logs(expected)
    with storage.transaction(readonly=True) as tx:
        before = tx.list_log(directory.id)[: len(CASES)]
    assert [replace(e, id=None) for e in served] == [replace(e, id=None) for e in before]
    assert all(SECRET not in str(e) for e in served)
    lookup = served[-1]
    assert lookup.path.endswith(f"%22{REDACTED}%22&access_token={REDACTED}")


def test_a_served_write_resolves_the_open_problem_of_its_subject(
    storage: Storage, directory: DirectoryRecord
) -> None:
    """A failed create opens a problem; the same user's later successful create, logged through
    the served path, resolves it (and ``auth`` stays resolved)."""
    sink = LogSink(storage, clock=lambda: NOW)
    logger = RequestLogger(sink, DirectoryService(storage, system_runtime()), lambda: NOW)
    create = Served(
        "POST", "/scim/t/v2/Users", 400, request_body={"userName": "Bob@X"},
    )  # fmt: skip
    for status, body in ((400, None), (201, {"id": "u-9", "userName": "Bob@X"})):
        logger.served(
            create.request(status),
            create.context(directory),
            presented=SECRET,
            resource_type="User",
            resource_id=None if body is None else "u-9",
            status=status,
            started=time.perf_counter(),
            request_body=create.request_body,
            response_body=body,
        )
        sink.flush()
        with storage.transaction(readonly=True) as tx:
            open_problems = tx.list_problems(directory.id)
        assert [p.subject_key for p in open_problems] == (
            ["User:name:bob@x"] if status == 400 else []
        )


def test_on_the_system_clock_the_entry_is_stamped_as_utc_now_would_stamp_it(
    storage: Storage, directory: DirectoryRecord
) -> None:
    """With the system clock (utc_now) the request path reads time.time_ns and the writer
    makes the datetime: the stored ``created`` is utc_now's millisecond of that instant."""
    sink = LogSink(storage, clock=utc_now)
    logger = RequestLogger(sink, DirectoryService(storage, system_runtime()), utc_now)
    case = CASES[0]
    before = utc_now()
    logger.served(
        case.request(0),
        case.context(directory),
        presented=case.presented,
        resource_type=case.resource_type,
        resource_id=None,
        status=200,
        started=time.perf_counter(),
        response_body=case.response_body,
    )
    after = utc_now()
    sink.flush()
    with storage.transaction(readonly=True) as tx:
        (entry,) = tx.list_log(directory.id)
    assert before <= entry.created <= after
    assert entry.created.tzinfo is not None and entry.created.microsecond % 1000 == 0
