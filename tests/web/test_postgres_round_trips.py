"""Round trips per SCIM request on PostgreSQL, pinned: a regression that adds a network wait to
the hot path fails here (behaviour, not timing; docs/performance.md, "PostgreSQL round trips").

Counted from libpq's trace of every connection (``scimdir.devtools.round_trips``), so the pool's
pre-ping, the driver's ``BEGIN``/``COMMIT``, savepoints and statement preparation all count. The
app runs through ``httpx.ASGITransport`` without its lifespan, so no background thread uses the
database during a window. Authentication is one statement (the directory and its live secret),
and an identity provider's matching query reads its lookup in that same statement
(``storage/sql/authentication.py``); a request is counted after a warm-up, as in production
(pooled connection, prepared statements).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from scimdir.devtools.asgi_client import InProcessClient
from scimdir.devtools.entra_bodies import entra_user
from scimdir.devtools.round_trips import RoundTrips, Window
from scimdir.settings import Settings
from scimdir.web.app import create_app

pytestmark = pytest.mark.postgres

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
AUTH = 1  # Transaction.authenticate: the directory and its live secret in one statement
LOOKUP = 1  # a matching query: the authentication reads the lookup in its statement
WARM_UP = 10  # a hot statement is prepared at its second run on a connection (pg_wire.py)


@dataclass
class Harness:
    client: InProcessClient
    counter: RoundTrips
    base: str

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, self.base + path, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def count(self, method: str, path: str, **kwargs: Any) -> Window:
        """The round trips of one request, sent after ``WARM_UP`` identical ones."""
        for _ in range(WARM_UP):
            self.send(method, path, **_fresh(kwargs))
        with self.counter.window() as trips:
            self.send(method, path, **_fresh(kwargs))
        return trips


def _fresh(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A POST body with a new userName each time (a create must not collide)."""
    body = kwargs.get("json")
    if isinstance(body, dict) and "userName" in body and body.get("externalId") == "fresh":
        name = f"u{uuid.uuid4().hex}@example.test"
        return {**kwargs, "json": entra_user(name)}
    return kwargs


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Harness]:
    """The app on PostgreSQL, an Entra directory and a round-trip counter on its engine."""
    app = create_app(Settings(database_url=postgres_url, public_url="https://scim.example.test"))
    services = app.state.services
    created = services.directories.create("round trips", "entra")
    client = InProcessClient(app, secret=created.secret)
    counter = RoundTrips.install(*services.storage.engines)
    yield Harness(client, counter, f"/scim/{created.directory.id}/v2")
    counter.close()
    client.close()
    services.storage.dispose()


def _transaction_control(trips: Window) -> list[str]:
    return [m for m in trips.messages if m.strip('"').split(" ")[0] in ("BEGIN", "COMMIT", ";")]


def test_a_lookup_is_one_round_trip(pg: Harness) -> None:
    """Entra's matching query is one statement, authentication and lookup together, with no
    pre-ping and no BEGIN/COMMIT (a one-statement read runs in autocommit); so is a group's
    match by displayName without members, and a lookup with its own page size."""
    pg.send("POST", "/Users", json=entra_user("alice@example.test"))
    pg.send("POST", "/Groups", json={"schemas": [GROUP], "displayName": "Sales"})
    lookups = [
        ("/Users", {"filter": 'userName eq "alice@example.test"'}),
        ("/Users", {"filter": 'externalId eq "nobody"', "count": "5"}),
        ("/Groups", {"filter": 'displayName eq "sales"', "excludedAttributes": "members"}),
    ]
    for path, params in lookups:
        trips = pg.count("GET", path, params=params)
        assert (trips.count, _transaction_control(trips)) == (LOOKUP, []), trips.messages


def test_a_sorted_lookup_is_authentication_plus_its_statements(pg: Harness) -> None:
    """A lookup the authentication cannot read ahead (``sortBy``) keeps its own statements."""
    pg.send("POST", "/Users", json=entra_user("amy@example.test"))
    params = {"filter": 'userName eq "amy@example.test"', "sortBy": "userName"}
    found = pg.send("GET", "/Users", params=params)
    assert [u["userName"] for u in found["Resources"]] == ["amy@example.test"]
    assert pg.count("GET", "/Users", params=params).count > LOOKUP


def test_a_get_by_id_is_one_statement_with_the_authentication(pg: Harness) -> None:
    """GET /Users/{id}: the user with its groups read by the authentication's own statement
    (``authentication.py``, a ``UserHint``); no transaction control. An unknown id costs the
    read of its own, as it did (the 404 path is not worth a second statement shape)."""
    user = pg.send("POST", "/Users", json=entra_user("bob@example.test"))
    group = pg.send("POST", "/Groups", json={"schemas": [GROUP], "displayName": "team"})["id"]
    pg.send("PATCH", f"/Groups/{group}", json=_members("Add", user["id"]))
    trips = pg.count("GET", f"/Users/{user['id']}")
    assert (trips.count, _transaction_control(trips)) == (AUTH, []), trips.messages
    shown = pg.send("GET", f"/Users/{user['id']}")
    assert [g["value"] for g in shown["groups"]] == [group]
    with pg.counter.window() as missing:
        assert pg.client.request("GET", pg.base + "/Users/no-such-user").status_code == 404
    assert (missing.count, _transaction_control(missing)) == (AUTH + 1, []), missing.messages


def test_a_create_is_one_statement_after_authentication(pg: Harness) -> None:
    """POST /Users: the user, its e-mails, the counters and the outbox event in one statement
    (no prior userName check), which runs without BEGIN and COMMIT (``pg_writes.CREATE_USER``)."""
    trips = pg.count("POST", "/Users", json=entra_user("x@example.test", externalId="fresh"))
    assert (trips.count, _transaction_control(trips)) == (AUTH + 1, []), trips.messages


def test_a_user_patch_or_put_is_one_statement_after_authentication(pg: Harness) -> None:
    """PATCH and PUT /Users/{id}: the unlocked read of the user and its groups for the response
    rides on the authentication's statement (a ``UserHint``), then the update with its e-mails,
    values and event is one statement; neither needs BEGIN, COMMIT or a savepoint
    (``storage/sql/own_transaction.py``, ``pg_writes.UPDATE_USER_WITH_EVENT``)."""
    user = pg.send("POST", "/Users", json=entra_user("carol@example.test"))
    rename = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "displayName", "value": "Carol"}],
    }
    for _ in range(WARM_UP):
        pg.send("PATCH", f"/Users/{user['id']}", json=rename)
        rename["Operations"][0]["value"] += "!"
    with pg.counter.window() as patched:
        assert pg.send("PATCH", f"/Users/{user['id']}", json=rename)["displayName"].endswith("!")
    replacement = entra_user("carol@example.test", displayName="Carol Put")
    for _ in range(WARM_UP):
        pg.send("PUT", f"/Users/{user['id']}", json=replacement)
        replacement["displayName"] += "!"
    with pg.counter.window() as put:
        pg.send("PUT", f"/Users/{user['id']}", json=replacement)
    for trips in (patched, put):
        assert (trips.count, _transaction_control(trips)) == (AUTH + 1, []), trips.messages
        assert not [m for m in trips.messages if "SAVEPOINT" in m.upper()], trips.messages


def test_entra_member_add_and_remove_write_without_reading_the_rows_first(pg: Harness) -> None:
    """Entra's PATCH adding one member: BEGIN with the locked group, the insert with its user
    check (one statement, ``group_ops._add_users``: its RETURNING names the new row for its
    event), then the group's version with the outbox event (one statement: its name and
    document stay as read, ``pg_writes.BUMP_GROUP_WITH_EVENT``) and COMMIT in one round trip
    (``pg_wire.run_and_commit``). Removing it: the same, the delete naming the removed row. No
    read of member rows before the write, no second read of the group."""
    member = pg.send("POST", "/Users", json=entra_user("frank@example.test"))["id"]
    group = pg.send("POST", "/Groups", json={"schemas": [GROUP], "displayName": "g"})["id"]

    for _ in range(WARM_UP):
        pg.send("PATCH", f"/Groups/{group}", json=_members("Add", member))
        pg.send("PATCH", f"/Groups/{group}", json=_members("Remove", member))
    with pg.counter.window() as added:
        pg.send("PATCH", f"/Groups/{group}", json=_members("Add", member))
    with pg.counter.window() as removed:
        pg.send("PATCH", f"/Groups/{group}", json=_members("Remove", member))
    assert added.count == AUTH + 3, added.messages
    assert removed.count == AUTH + 3, removed.messages
    assert not [m for m in added.messages + removed.messages if m.strip('"') == "COMMIT"]
    both = added.messages + removed.messages
    reads = [m for m in both if "FROM memberships" in m]
    assert not [m for m in reads if "SELECT" in m.split("FROM memberships")[0]], reads
    assert not [m for m in both if "SAVEPOINT" in m.upper()], both


def test_hot_statements_run_prepared(pg: Harness) -> None:
    """After a few runs every statement of a lookup is a prepared statement (``pg_wire.py``):
    no Parse per request."""
    pg.send("POST", "/Users", json=entra_user("dave@example.test"))
    trips = pg.count("GET", "/Users", params={"filter": 'userName eq "dave@example.test"'})
    assert [m.startswith("(prepared)") for m in trips.messages] == [True] * trips.count


def test_sequential_requests_reuse_one_pooled_connection(pg: Harness) -> None:
    """Requests never reconnect: the trace shows no connection start-up after the warm-up."""
    pg.send("POST", "/Users", json=entra_user("erin@example.test"))
    lookup = {"params": {"filter": 'userName eq "erin@example.test"'}}
    pg.count("GET", "/Users", **lookup)
    with pg.counter.window() as trips:
        for _ in range(20):
            pg.send("GET", "/Users", **lookup)
    assert trips.count == 20 * LOOKUP, trips.messages


def _members(op: str, member: str) -> dict[str, Any]:
    """Entra's PATCH adding or removing one member."""
    operation = {"op": op, "path": "members", "value": [{"value": member}]}
    return {"schemas": [PATCH_OP], "Operations": [operation]}


def test_a_user_delete_reads_the_user_with_the_authentication(pg: Harness) -> None:
    """DELETE /Users/{id}: the unlocked read of the user rides on the authentication's
    statement; what follows is the delete's own work: BEGIN, its containers, its locked row
    (port rule 8: containers first), the delete, the event, COMMIT."""
    ids = [pg.send("POST", "/Users", json=entra_user(f"d{n}@x.test"))["id"] for n in range(12)]
    for user_id in ids[:WARM_UP]:
        pg.send("DELETE", f"/Users/{user_id}")
    with pg.counter.window() as trips:
        pg.send("DELETE", f"/Users/{ids[-1]}")
    assert trips.count == AUTH + 6, trips.messages
