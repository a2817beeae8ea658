"""A simulated provisioning job: Test Connection, the initial cycle, an incremental cycle.

The order follows docs/idp/entra.md §3: Test Connection queries a random GUID (§4.1) for users and,
when groups are in scope, for groups; the initial cycle evaluates every user in scope, then writes
references (manager), then groups and their memberships, since a membership needs the endpoint's
id of both objects; an incremental cycle does the same for the objects a changes file names
(Entra's delta watermark). Objects are processed by a thread pool of ``concurrency`` workers
(Entra itself has no client-side rate limiter for non-gallery apps, §2 "Load"); the report keeps
the source order whatever the completion order.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from scimdir.mapping.context import EvalContext
from scimdir.mapping.mappings import AttributeMapping
from scimdir.simulator.client import EntraClient
from scimdir.simulator.groups import GroupSync
from scimdir.simulator.report import Entry, Outcome, Report
from scimdir.simulator.sources import Changes, SourceGroup, SourceUser
from scimdir.simulator.state import JobState
from scimdir.simulator.users import UserSync

__all__ = ["INCREMENTAL", "INITIAL", "TEST_CONNECTION", "Simulator"]

TEST_CONNECTION = "Test connection"
INITIAL = "Initial cycle"
INCREMENTAL = "Incremental cycle"
T = TypeVar("T")


class Simulator:
    """Plays Entra's provisioning service against one SCIM endpoint.

    :param progress: called with the number of objects just finished (from worker threads,
        serialised by a lock), for a progress bar.
    :param new_guid: the random GUID of Test Connection (injectable for tests).
    """

    def __init__(
        self,
        client: EntraClient,
        mappings: list[AttributeMapping],
        *,
        context: EvalContext | None = None,
        concurrency: int = 1,
        batch_size: int = 50,
        progress: Callable[[int], None] | None = None,
        new_guid: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.client = client
        self.state = JobState()
        self.users = UserSync(client, mappings, self.state, context)
        self.groups = GroupSync(client, self.state, batch_size)
        self.concurrency = max(1, concurrency)
        self._progress = progress
        self._progress_lock = threading.Lock()
        self._new_guid = new_guid

    @staticmethod
    def workload(users: int, groups: int, changes: Changes | None) -> int:
        """How many objects a run processes (the progress bar's length)."""
        extra = len(changes.users) + len(changes.groups) if changes else 0
        return users + groups + extra

    def run(
        self,
        users: Sequence[SourceUser],
        groups: Sequence[SourceGroup] = (),
        changes: Changes | None = None,
    ) -> Report:
        """Test Connection, then the initial cycle, then the incremental one if ``changes``."""
        report = Report(self.client.base)
        report.entries += self.test_connection(with_groups=bool(groups))
        if not report.ok:
            return report
        report.entries += self.cycle(users, groups, INITIAL)
        if changes is not None:
            report.entries += self.cycle(changes.users, changes.groups, INCREMENTAL)
        return report

    def test_connection(self, *, with_groups: bool) -> list[Entry]:
        """``GET /Users?filter=userName eq "<guid>"`` (and the groups query): 200 + empty list."""
        guid = self._new_guid()
        checks = [("User", self.client.find_users("userName", guid))]
        if with_groups:
            checks.append(("Group", self.client.find_group(guid)))
        entries: list[Entry] = []
        for object_type, reply in checks:
            outcome, detail = Outcome.SUCCESS, None
            if not reply.ok:
                outcome, detail = Outcome.FAILURE, _connection_problem(reply.status, reply.detail)
            elif not isinstance(reply.body, dict) or reply.body.get("totalResults") != 0:
                outcome = Outcome.FAILURE
                detail = (
                    f"A query for a random GUID must answer an empty ListResponse "
                    f"(totalResults 0); the endpoint answered {str(reply.body)[:200]}."
                )
            entries.append(
                Entry(
                    TEST_CONNECTION,
                    object_type,
                    f"{reply.method} {reply.path}",
                    "Test connection",
                    outcome,
                    reply.status,
                    None,
                    detail,
                )
            )
        return entries

    def cycle(
        self, users: Sequence[SourceUser], groups: Sequence[SourceGroup], phase: str
    ) -> list[Entry]:
        """One cycle over ``users`` and ``groups``: users, references, groups."""
        incremental = phase == INCREMENTAL
        for user in users:
            self.state.remember_user(user)
        sync_user = self.users.update if incremental else self.users.provision
        entries = self._map(lambda user: sync_user(user, phase), users, count=True)
        entries += self._map(lambda user: self.users.references(user, phase), users, count=False)
        sync_group = self.groups.change if incremental else self.groups.provision
        entries += self._map(lambda group: sync_group(group, phase), groups, count=True)
        return entries

    def _map(
        self, work: Callable[[T], list[Entry]], items: Sequence[T], *, count: bool
    ) -> list[Entry]:
        def step(item: T) -> list[Entry]:
            result = work(item)
            if count and self._progress is not None:
                with self._progress_lock:
                    self._progress(1)
            return result

        if self.concurrency == 1 or len(items) < 2:
            results = [step(item) for item in items]
        else:
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                results = list(pool.map(step, items))
        return [entry for entries in results for entry in entries]


def _connection_problem(status: int | None, detail: str | None) -> str:
    if status == 401:
        return f"Invalid credentials: check the Secret Token. ({detail})"
    if status == 404:
        return (
            f"The tenant URL does not point at a SCIM endpoint (404; Entra reports a SCIM "
            f"compliance issue and may quarantine the job). ({detail})"
        )
    return detail or "The endpoint could not be reached."
