"""Property: no accepted extension attribute value is dropped on a round trip (docs/extensions.md).

Random declarations (every declarable type, single- and multi-valued) and random values of those
types are POSTed to a SQLite-backed app; whatever the server accepts comes back from GET exactly
as sent (``null`` and duplicate multi-values aside, which RFC 7643 §2.5 makes "unassigned"), and
each stored single-valued string is found again by an ``eq`` filter over the index.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from scimdir.devtools.entra_bodies import entra_user
from scimdir.settings import Settings
from scimdir.web.app import create_app

from .conftest import Tenant, make_tenant

URN = "urn:ietf:params:scim:schemas:extension:prop:2.0:User"
TYPES = ("string", "boolean", "integer", "decimal", "dateTime", "reference")
_counter = itertools.count()

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co")), min_size=1, max_size=40
)
values_of: dict[str, st.SearchStrategy[Any]] = {
    "string": text,
    "reference": text,
    "boolean": st.booleans(),
    "integer": st.integers(min_value=-(2**53), max_value=2**53),
    "decimal": st.floats(
        allow_nan=False, allow_infinity=False, width=64, min_value=-1e15, max_value=1e15
    ),
    "dateTime": st.datetimes(timezones=st.just(UTC)).map(
        lambda d: d.isoformat().replace("+00:00", "Z")
    ),
}


@st.composite
def declared_values(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Attributes (name, type, multiValued) and a value for each."""
    count = draw(st.integers(min_value=1, max_value=5))
    attributes: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    for i in range(count):
        kind = draw(st.sampled_from(TYPES))
        multi = draw(st.booleans())
        name = f"a{i}{kind}"
        attributes.append({"name": name, "type": kind, "multiValued": multi})
        if multi:
            values[name] = draw(st.lists(values_of[kind], min_size=1, max_size=4, unique=True))
        else:
            values[name] = draw(values_of[kind])
    return attributes, values


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    path: Path = tmp_path_factory.mktemp("prop") / "scimdir.db"
    app = create_app(Settings(database_url=f"sqlite:///{path}", public_url="https://x.test"))
    with TestClient(app) as client:
        yield client, app.state.services
    app.state.services.storage.dispose()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=declared_values())
def test_accepted_extension_values_round_trip(
    app_client: tuple[TestClient, Any], data: tuple[list[dict[str, Any]], dict[str, Any]]
) -> None:
    """GET returns every value POST accepted; a stored single-valued string is filterable."""
    attributes, values = data
    tenant: Tenant = make_tenant(*app_client)
    tenant.services.extension_schemas.add(tenant.id, {"urn": URN, "attributes": attributes})
    body = entra_user(f"u{next(_counter)}@x.com")
    body["schemas"].append(URN)
    body[URN] = values
    created = tenant.post("/Users", body)
    assert created.status_code == 201, created.text
    got = tenant.get(f"/Users/{created.json()['id']}").json()
    assert got[URN] == values
    for attribute in attributes:
        value = values[attribute["name"]]
        if attribute["type"] == "string" and not attribute["multiValued"]:
            quoted = value.replace("\\", "\\\\").replace('"', '\\"')
            found = tenant.get(
                "/Users", params={"filter": f'{URN}:{attribute["name"]} eq "{quoted}"'}
            )
            assert found.status_code == 200, found.text
            assert [u["id"] for u in found.json()["Resources"]] == [got["id"]]
