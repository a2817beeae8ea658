"""Where SQLite requests run (web/db_threads.py): index probes on the loop, writes on one writer
thread, reads that may scan off the loop under a time limit."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event
from starlette.datastructures import QueryParams

from scimdir.scim.fast_filter import is_membership_check
from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import GROUP_TYPE
from scimdir.service.users import UserService
from scimdir.settings import Settings
from scimdir.storage.sql.membership_check import membership_check
from scimdir.web.app import create_app
from scimdir.web.db_threads import WRITER_THREAD_NAME, DatabaseThreads, may_scan
from tests.web.conftest import served


def _user(name: str) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "externalId": f"ext-{name}",
        "active": True,
        "displayName": name,
        "emails": [{"primary": True, "type": "work", "value": name}],
        "name": {"givenName": "Given", "familyName": "Family"},
    }


def _app(tmp_path: Path, **settings: Any) -> Any:
    return create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", **settings))


@contextmanager
def _recorded_writes(engine: Any) -> Iterator[set[tuple[int, str]]]:
    """The (thread id, thread name) of every INSERT/UPDATE/DELETE sent inside the block."""
    writers: set[tuple[int, str]] = set()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writers.add((threading.get_ident(), threading.current_thread().name))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield writers
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _holding_the_writer(storage: Any, until: Callable[[], object]) -> threading.Thread:
    """A thread in a write transaction (so holding the writer lock) until ``until()`` returns;
    started and holding when this returns."""
    holding = threading.Event()

    def hold() -> None:
        with storage.transaction():
            holding.set()
            until()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    return holder


_RENAME = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "replace", "path": "displayName", "value": "N"}],
}


def test_user_writes_run_on_the_loop_and_group_writes_on_the_one_writer(tmp_path: Path) -> None:
    """With the writer lock free and checkpoints on their own thread, concurrent user POSTs, a
    PATCH and a DELETE write from the event loop's thread; a group's writes from the one writer
    thread; nothing from the pool."""

    async def main() -> None:
        app = _app(tmp_path, log_enabled=False)
        engine = app.state.services.storage.engine
        async with served(app, "threads") as (client, base):
            with _recorded_writes(engine) as user_writes:
                answers = await asyncio.gather(
                    *(client.post(f"{base}/Users", json=_user(f"u{i}@x.io")) for i in range(12))
                )
                assert [a.status_code for a in answers] == [201] * 12
                user_id = answers[0].json()["id"]
                answer = await client.patch(f"{base}/Users/{user_id}", json=_RENAME)
                assert answer.status_code == 200
                assert (await client.delete(f"{base}/Users/{user_id}")).status_code == 204
            with _recorded_writes(engine) as group_writes:
                group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}
                made = await client.post(f"{base}/Groups", json={**group, "displayName": "G"})
                assert made.status_code == 201
                gone = await client.delete(f"{base}/Groups/{made.json()['id']}")
                assert gone.status_code == 204
        assert user_writes == {(threading.get_ident(), threading.current_thread().name)}
        ((ident, name),) = group_writes  # the group's create and delete
        assert name.startswith(WRITER_THREAD_NAME)
        assert ident != threading.get_ident()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("operations", "query", "on_loop"),
    [
        ([{"op": "add", "path": "members", "value": [{"value": "U"}]}], "", True),
        ([{"op": "Remove", "path": "members", "value": [{"value": "U"}]}], "", True),
        ([{"op": "remove", "path": 'members[value eq "U"]'}], "", True),
        ([{"op": "remove", "path": "members"}], "", False),  # every member
        ([{"op": "replace", "path": "members", "value": []}], "", False),
        (
            [{"op": "add", "path": "members", "value": [{"value": "U"}]}],
            "attributes=members",
            False,
        ),
        ([{"op": "replace", "path": "displayName", "value": "H"}], "", False),
    ],
)
def test_member_patches_that_name_their_members_run_on_the_loop(
    tmp_path: Path, operations: list[dict[str, Any]], query: str, on_loop: bool
) -> None:
    """Entra's member PATCHes (add or remove the members they name) run on the loop; a PATCH
    that may touch every member, or asks for the group back, on the writer thread."""

    async def main() -> None:
        app = _app(tmp_path, log_enabled=False)
        engine = app.state.services.storage.engine
        async with served(app, "members") as (client, base):
            user_id = (await client.post(f"{base}/Users", json=_user("m@x.io"))).json()["id"]
            group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"}
            group_id = (await client.post(f"{base}/Groups", json=group)).json()["id"]
            added = {"op": "add", "path": "members", "value": [{"value": user_id}]}
            patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
            await client.patch(f"{base}/Groups/{group_id}", json={**patch, "Operations": [added]})
            text = json.dumps(operations).replace('"U"', json.dumps(user_id))
            with _recorded_writes(engine) as writes:
                url = f"{base}/Groups/{group_id}" + (f"?{query}" if query else "")
                answer = await client.patch(url, json={**patch, "Operations": json.loads(text)})
                assert answer.status_code in (200, 204)
        ((ident, name),) = writes
        assert (ident == threading.get_ident()) is on_loop
        assert name.startswith(WRITER_THREAD_NAME) is not on_loop

    asyncio.run(main())


def test_a_user_write_that_would_wait_goes_to_the_writer_thread(tmp_path: Path) -> None:
    """While another thread holds the writer lock, a user PATCH does not block the loop: it
    waits on the writer thread, a lookup is answered meanwhile, and the PATCH completes once
    the lock is released. Without the checkpoint thread, user writes go there too."""

    async def main() -> None:
        app = _app(tmp_path, log_enabled=False)
        storage = app.state.services.storage
        engine = storage.engine
        async with served(app, "waits") as (client, base):
            made = await client.post(f"{base}/Users", json=_user("w@x.io"))
            user_id = made.json()["id"]
            release = threading.Event()
            holder = _holding_the_writer(storage, lambda: release.wait(10))
            try:
                with _recorded_writes(engine) as writes:
                    patch = asyncio.ensure_future(
                        client.patch(f"{base}/Users/{user_id}", json=_RENAME)
                    )
                    await asyncio.sleep(0.3)  # the PATCH is under way, waiting for the lock
                    query = {"filter": 'userName eq "w@x.io"'}
                    lookup = await client.get(f"{base}/Users", params=query)
                    assert lookup.status_code == 200 and not patch.done()
                    release.set()
                    assert (await patch).status_code == 200
                    assert writes  # the PATCH wrote
                    storage.stop_background()
                    other = {**_RENAME, "Operations": [{**_RENAME["Operations"][0], "value": "M"}]}
                    again = await client.patch(f"{base}/Users/{user_id}", json=other)
                    assert again.status_code == 200
            finally:
                release.set()
                holder.join(10)
        assert {name.split("_")[0] for _, name in writes} == {WRITER_THREAD_NAME}

    asyncio.run(main())


def test_a_user_write_waits_on_the_loop_for_a_short_hold(tmp_path: Path) -> None:
    """A writer lock held for a moment (the log writer's batch) does not send a user write to
    the writer thread: the loop tries again and runs it itself once the lock is free."""

    async def main() -> None:
        app = _app(tmp_path, log_enabled=False)
        storage = app.state.services.storage
        engine = storage.engine
        async with served(app, "short") as (client, base):
            user_id = (await client.post(f"{base}/Users", json=_user("s@x.io"))).json()["id"]
            holder = _holding_the_writer(storage, lambda: time.sleep(0.02))
            try:
                with _recorded_writes(engine) as writes:
                    answer = await client.patch(f"{base}/Users/{user_id}", json=_RENAME)
                    assert answer.status_code == 200
            finally:
                holder.join(10)
        assert writes == {(threading.get_ident(), threading.current_thread().name)}

    asyncio.run(main())


def test_a_scanning_read_does_not_block_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a `co` search is held in its thread, a userName lookup is served on the loop."""
    gate, entered = threading.Event(), threading.Event()
    search = UserService.search

    def held_search(self: UserService, ctx: Any, params: Any) -> Any:
        if params.filter and " co " in params.filter:
            entered.set()
            assert gate.wait(10)
        return search(self, ctx, params)

    monkeypatch.setattr(UserService, "search", held_search)

    async def main() -> None:
        async with served(_app(tmp_path), "threads") as (client, base):
            try:
                assert (await client.post(f"{base}/Users", json=_user("a@x.io"))).status_code == 201
                scan = asyncio.create_task(
                    client.get(f"{base}/Users", params={"filter": 'userName co "x"'})
                )
                while not entered.is_set():
                    await asyncio.sleep(0.01)
                lookup = await client.get(
                    f"{base}/Users", params={"filter": 'userName eq "a@x.io"'}
                )
                assert lookup.json()["totalResults"] == 1
                assert not scan.done()
                gate.set()
                assert (await scan).json()["totalResults"] == 1
            finally:
                gate.set()

    asyncio.run(main())


def test_a_scanning_read_past_its_time_limit_gets_503(tmp_path: Path) -> None:
    """A read that may scan is interrupted by SQLite past its time limit: 503, Retry-After,
    a detail naming the limit; an index-probe lookup is unaffected."""

    async def main() -> None:
        app = _app(tmp_path)
        async with served(app, "threads") as (client, base):
            for i in range(40):
                body = _user(f"user{i}@x.io")
                assert (await client.post(f"{base}/Users", json=body)).status_code == 201
            app.state.scim_threads.read_time_limit = 0.0  # already past when the scan starts
            scan = await client.get(f"{base}/Users", params={"filter": 'userName co "user"'})
            assert scan.status_code == 503
            assert int(scan.headers["retry-after"]) > 0
            assert "time limit" in scan.json()["detail"]
            query = quote('userName eq "user1@x.io"')
            lookup = await client.get(f"{base}/Users?filter={query}")
            assert lookup.json()["totalResults"] == 1

    asyncio.run(main())


_CHECK = "excludedAttributes=members&filter="  # Entra's membership check follows


@pytest.mark.parametrize(
    ("resource", "has_id", "query", "scans"),
    [
        ("User", False, 'filter=userName eq "a"', False),
        ("User", True, "", False),
        ("User", False, "count=100", False),
        ("Group", True, "excludedAttributes=members", False),
        ("User", False, 'filter=userName co "a"', True),
        ("User", False, 'filter=userName sw "a"', True),
        ("User", False, "count=1000", True),
        ("User", False, "startIndex=40000", True),
        ("User", False, "sortBy=displayName", True),
        ("Group", True, "", True),
        ("Group", False, 'filter=displayName eq "g"', True),
        ("Group", False, _CHECK + 'id eq "g" and members[value eq "u"]', False),
        ("Group", False, _CHECK + 'members.value eq "u" and id eq "g"', False),
        ("Group", False, 'filter=id eq "g" and members[value eq "u"]', True),  # with members
        ("Group", False, _CHECK + 'id eq "g" and members[value eq "u"] and id pr', True),
        ("Group", False, _CHECK + 'id eq "g" or members[value eq "u"]', True),
    ],
)
def test_which_gets_may_scan(resource: str, has_id: bool, query: str, scans: bool) -> None:
    """Only index probes stay on the loop (a lookup, a read by id, Entra's membership check):
    substring filters, large or deep pages, sorting and groups with their members go to the
    thread pool."""
    assert may_scan(resource, has_id, QueryParams(query)) is scans


_SPACES = st.sampled_from(["", " ", "  ", "\t"])
_WORD = st.text(alphabet="abcXYZ019-", min_size=1, max_size=8)


@given(
    group=_WORD,
    member=_WORD,
    form=st.sampled_from(["members[{s}value eq {s}{v}{s}]", "members.value eq {s}{v}"]),
    first=st.booleans(),
    case=st.sampled_from([str.lower, str.upper, str.title]),
    space=_SPACES,
)
def test_a_membership_check_on_the_loop_is_the_one_the_storage_answers(
    group: str, member: str, form: str, first: bool, case: Any, space: str
) -> None:
    """Whenever the text-level check keeps a filter on the loop, the parsed filter is the shape
    the storage answers with its two index probes, for that group and member."""
    id_eq = f'{case("id")} {case("eq")} "{group}"'
    member_eq = case(form.split("{v}", maxsplit=1)[0].format(s=space)) + f'"{member}"'
    member_eq += form.split("{v}")[1].format(s=space)
    parts = [id_eq, member_eq] if first else [member_eq, id_eq]
    text = f" {case('and')} ".join(parts)
    assert is_membership_check(text), text
    assert membership_check(parse_filter(GROUP_TYPE, text)) == (group, member)


def test_a_cancelled_write_never_runs_if_queued_and_finishes_if_running() -> None:
    """Cancelling a request (its deadline) drops a write still queued behind the writer thread;
    a write already running keeps the request until it has finished."""
    threads = DatabaseThreads(single_writer=True, read_time_limit=None)
    gate = threading.Event()
    ran: list[int] = []

    async def main() -> None:
        running = asyncio.create_task(threads.write(gate.wait, 10))
        await asyncio.sleep(0.05)
        queued = asyncio.create_task(threads.write(ran.append, 1))
        await asyncio.sleep(0.05)
        queued.cancel()
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        await asyncio.sleep(0.05)
        assert not running.done()  # still waiting for its write to end
        gate.set()
        with pytest.raises(asyncio.CancelledError):
            await running

    try:
        asyncio.run(main())
    finally:
        threads.close()
    assert ran == []
