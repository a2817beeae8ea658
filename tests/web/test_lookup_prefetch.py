"""An identity provider's matching query is one statement: the authentication reads the lookup
(``web/list_params.py`` ``lookup_hint``, ``storage/sql/authentication.py``).

What is pinned here: the statement count on SQLite (PostgreSQL's round trips are pinned in
``test_postgres_round_trips.py``), the hint read from the raw query string, the answers of the
requests around it (by id, another page size, ``sortBy``, a full page) on both databases, and
that the secret is still checked on every request: a rotation made by another process refuses
the old secret on the very next lookup.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from scimdir.devtools.asgi_client import InProcessClient
from scimdir.devtools.entra_bodies import entra_user
from scimdir.service.context import Limits
from scimdir.service.ports import LookupHint
from scimdir.settings import Settings
from scimdir.storage.sql.tables import user_record_columns
from scimdir.web.app import create_app
from scimdir.web.list_params import lookup_hint
from tests.web.conftest import Tenant

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIMITS = Limits()


@pytest.mark.parametrize(
    ("resource", "query", "expected"),
    [
        ("User", {"filter": 'userName eq "a@x.io"'}, LookupHint("User", "userName", "a@x.io", 100)),
        ("User", {"filter": 'USERNAME EQ "A@x.io"'}, LookupHint("User", "USERNAME", "A@x.io", 100)),
        (
            "User",
            {"filter": 'externalId eq "q\\"\\u00e9"', "startIndex": "1", "count": "5"},
            LookupHint("User", "externalId", 'q"é', 5),
        ),
        (
            "Group",
            {"filter": 'displayName eq "Sales"', "excludedAttributes": "members"},
            LookupHint("Group", "displayName", "Sales", 100),
        ),
        (
            "User",
            {"filter": 'userName eq "a"', "count": "5000"},
            LookupHint("User", "userName", "a", 1000),
        ),
        ("User", {"filter": 'userName eq "a"', "count": "0"}, None),
        ("User", {"filter": 'userName eq "a"', "count": "-1"}, None),
        ("User", {"filter": 'userName eq "a"', "count": "x"}, None),
        ("User", {"filter": 'userName eq "a"', "startIndex": "2"}, None),
        ("User", {"filter": 'userName eq "a"', "sortBy": "userName"}, None),
        ("User", {"filter": 'name.givenName eq "a"'}, None),
        ("User", {"filter": 'userName co "a"'}, None),
        ("User", {"filter": 'userName eq "a" or userName eq "b"'}, None),
        ("User", {"filter": 'userName eq "a\\u0000"'}, None),
        ("User", {"filter": 'userName eq "\\ud800"'}, None),
        ("User", {"filter": "active eq true"}, None),
        ("User", {"filter": 'userName eq "' + "a" * 10_000 + '"'}, None),
        ("User", {}, None),
        ("Schema", {"filter": 'userName eq "a"'}, None),
    ],
)
def test_the_hint_is_read_from_the_query_string(
    resource: str, query: dict[str, str], expected: LookupHint | None
) -> None:
    """A hint for ``attr eq "value"`` on a first page in the default order, with the page size
    the search will use; none for anything else."""
    assert lookup_hint(resource, query, LIMITS) == expected


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[tuple[InProcessClient, Any, str]]:
    """The app on SQLite without its lifespan (no background thread uses the database), an
    Entra directory, and its SCIM base path."""
    app = create_app(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'scimdir.db'}",
            public_url="https://scim.example.test",
        )
    )
    services = app.state.services
    created = services.directories.create("one statement", "entra")
    client = InProcessClient(app, secret=created.secret)
    yield client, services.storage.engine, f"/scim/{created.directory.id}/v2"
    client.close()
    services.storage.dispose()


def test_a_lookup_is_one_statement_on_sqlite(
    sqlite_app: tuple[InProcessClient, Any, str],
) -> None:
    """A userName or externalId lookup, and a group's displayName lookup without members, each
    run ONE statement, and answer what was asked; a sorted lookup runs more."""
    client, engine, base = sqlite_app
    for name in ("alice@x.io", "bob@x.io"):
        assert client.request("POST", f"{base}/Users", json=entra_user(name)).status_code == 201
    group = {"schemas": [GROUP], "displayName": "Sales"}
    assert client.request("POST", f"{base}/Groups", json=group).status_code == 201
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    lookups: list[tuple[str, dict[str, str], list[str]]] = [
        ("/Users", {"filter": 'userName eq "ALICE@x.io"'}, ["alice@x.io"]),
        ("/Users", {"filter": 'externalId eq "ext-bob@x.io"', "count": "5"}, ["bob@x.io"]),
        ("/Users", {"filter": 'userName eq "nobody@x.io"'}, []),
        (
            "/Groups",
            {"filter": 'displayName eq "sales"', "excludedAttributes": "members"},
            ["Sales"],
        ),
    ]
    event.listen(engine, "before_cursor_execute", record)
    try:
        for path, params, expected in lookups:
            statements.clear()
            answer = client.request("GET", base + path, params=params)
            assert answer.status_code == 200, answer.text
            names = [r.get("userName") or r["displayName"] for r in answer.json()["Resources"]]
            assert (names, len(statements)) == (expected, 1), (path, params, statements)
        statements.clear()
        params = {"filter": 'userName eq "alice@x.io"', "sortBy": "userName"}
        assert client.request("GET", f"{base}/Users", params=params).status_code == 200
        assert len(statements) > 1
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_user_lookup_reads_only_the_columns_of_its_record(
    sqlite_app: tuple[InProcessClient, Any, str],
) -> None:
    """The matching query selects the columns a user record is built from, not the columns
    derived from its document (SQLite copies every selected column of a matched row), and its
    answer still holds what those columns held (name, department, the enterprise extension)."""
    client, engine, base = sqlite_app
    body = entra_user("carol@x.io")
    body["name"] = {"givenName": "Carol", "familyName": "Jones"}
    body[ENTERPRISE] = {"department": "Sales"}
    assert client.request("POST", f"{base}/Users", json=body).status_code == 201
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        answer = client.request(
            "GET", f"{base}/Users", params={"filter": 'userName eq "carol@x.io"'}
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    (found,) = answer.json()["Resources"]
    assert (found["name"]["givenName"], found[ENTERPRISE]["department"]) == ("Carol", "Sales")
    (statement,) = statements
    lookup = statement.split("FROM users")[0].rsplit("SELECT", 1)[1]
    selected = {part.split(" AS ")[0].strip() for part in lookup.split(",")}
    assert selected == {f"users.{c.name}" for c in user_record_columns}


def test_requests_around_the_lookup_answer_as_before(entra: Tenant) -> None:
    """A GET by id, a lookup with its own page size, a full page (total counted), a sorted
    lookup and a lookup of a value no database stores answer as they always did."""
    ids = [
        entra.post("/Users", entra_user(f"u{i}@x.io", displayName="Twin")).json()["id"]
        for i in range(3)
    ]
    assert entra.get(f"/Users/{ids[1]}").json()["userName"] == "u1@x.io"

    def names(params: dict[str, str]) -> tuple[list[str], int]:
        body = entra.get("/Users", params=params).json()
        return [r["userName"] for r in body.get("Resources", [])], body["totalResults"]

    twins = 'displayName eq "twin"'
    assert names({"filter": 'userName eq "U2@X.IO"', "count": "5"}) == (["u2@x.io"], 1)
    assert names({"filter": twins, "count": "5"}) == (["u0@x.io", "u1@x.io", "u2@x.io"], 3)
    assert names({"filter": twins, "count": "2"}) == (["u0@x.io", "u1@x.io"], 3)
    assert names({"filter": twins, "count": "0"}) == ([], 3)
    assert names({"filter": twins, "sortBy": "userName", "sortOrder": "descending"}) == (
        ["u2@x.io", "u1@x.io", "u0@x.io"],
        3,
    )
    refused = entra.get("/Users", params={"filter": 'userName eq "a\\u0000"'})
    assert (refused.status_code, refused.json()["scimType"]) == (400, "invalidFilter")


def test_a_rotation_in_another_process_refuses_the_old_secret_on_the_next_lookup(
    entra: Tenant,
) -> None:
    """Another server process (another app on the same database) rotates the secret without
    overlap: this process's very next lookup with the old secret is 401, with the new one 200."""
    entra.post("/Users", entra_user("alice@x.io"))
    lookup = {"filter": 'userName eq "alice@x.io"'}

    def found(secret: str) -> tuple[int, list[str]]:
        answer = entra.client.get(
            entra.url("/Users"), params=lookup, headers={"Authorization": f"Bearer {secret}"}
        )
        if answer.status_code != 200:
            return answer.status_code, []
        return 200, [r["userName"] for r in answer.json()["Resources"]]

    assert found(entra.secret) == (200, ["alice@x.io"])
    url = entra.services.storage.engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]
    other = create_app(Settings(database_url=url, public_url="https://scim.example.test"))
    with TestClient(other):
        new = other.state.services.directories.rotate_secret(entra.id)
    other.state.services.storage.dispose()
    assert found(entra.secret) == (401, [])
    assert found(new) == (200, ["alice@x.io"])
