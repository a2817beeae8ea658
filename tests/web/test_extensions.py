"""Declared schema extensions through the SCIM API, on SQLite and PostgreSQL (docs/extensions.md).

Entra's custom attribute forms (docs/idp/entra.md §9): the extension object in POST and PUT,
PATCH paths ``urn:...:User:attr`` and path-less values with ``urn:...:User:attr`` keys.
"""

from __future__ import annotations

from typing import Any

import pytest

from scimdir.devtools.entra_bodies import entra_user
from tests.web.conftest import Tenant, make_tenant

ACME = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
ACME_GROUP = "urn:ietf:params:scim:schemas:extension:acme:2.0:Group"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def declare(tenant: Tenant) -> None:
    tenant.services.extension_schemas.add(
        tenant.id,
        {
            "urn": ACME,
            "attributes": [
                {"name": "costCenter"},
                {"name": "badge", "caseExact": True},
                {"name": "level", "type": "integer"},
                {"name": "score", "type": "decimal"},
                {"name": "remote", "type": "boolean"},
                {"name": "hired", "type": "dateTime"},
                {"name": "skills", "multiValued": True},
                {"name": "employeeId", "uniqueness": "server"},
            ],
        },
    )


def acme_user(name: str, **acme: Any) -> dict[str, Any]:
    body = entra_user(name)
    body["schemas"] = [*body["schemas"], ACME]
    body[ACME] = acme
    return body


def ids(tenant: Tenant, flt: str) -> set[str]:
    resp = tenant.get("/Users", params={"filter": flt})
    assert resp.status_code == 200, resp.text
    return {r["userName"] for r in resp.json()["Resources"]}


def patch(tenant: Tenant, user_id: str, *ops: dict[str, Any]) -> Any:
    return tenant.patch(f"/Users/{user_id}", {"schemas": [PATCH_OP], "Operations": list(ops)})


@pytest.fixture
def acme(entra: Tenant) -> Tenant:
    declare(entra)
    return entra


def test_declared_extension_is_published_for_this_directory_only(
    acme: Tenant, okta: Tenant
) -> None:
    """/Schemas and /ResourceTypes list the declared extension; another directory's do not."""
    schemas = {s["id"]: s for s in acme.get("/Schemas").json()["Resources"]}
    names = [a["name"] for a in schemas[ACME]["attributes"]]
    assert names[:3] == ["costCenter", "badge", "level"]
    level = next(a for a in schemas[ACME]["attributes"] if a["name"] == "level")
    assert level["type"] == "integer" and level["multiValued"] is False
    user_type = acme.get("/ResourceTypes/User").json()
    assert {"schema": ACME, "required": False} in user_type["schemaExtensions"]
    assert acme.get(f"/Schemas/{ACME}").status_code == 200
    other = {s["id"] for s in okta.get("/Schemas").json()["Resources"]}
    assert ACME not in other
    assert okta.get(f"/Schemas/{ACME}").status_code == 404
    okta_type = okta.get("/ResourceTypes/User").json()
    assert ACME not in {e["schema"] for e in okta_type["schemaExtensions"]}


def test_entra_post_with_extension_object_is_stored_and_returned(acme: Tenant) -> None:
    """The extension object of a POST comes back from POST and GET, URN in schemas."""
    resp = acme.post("/Users", acme_user("a@x.com", costCenter="CC-1", level=3, remote=True))
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body[ACME] == {"costCenter": "CC-1", "level": 3, "remote": True}
    assert ACME in body["schemas"]
    got = acme.get(f"/Users/{body['id']}").json()
    assert got[ACME] == {"costCenter": "CC-1", "level": 3, "remote": True}


def test_wrong_type_is_refused_naming_the_attribute(acme: Tenant) -> None:
    """A string for an integer attribute is 400 invalidValue naming urn:...:level."""
    resp = acme.post("/Users", acme_user("a@x.com", level="three"))
    assert resp.status_code == 400
    err = resp.json()
    assert err["scimType"] == "invalidValue"
    assert f"{ACME}:level" in err["detail"] and "integer" in err["detail"]


def test_unknown_attribute_of_declared_extension_is_refused(acme: Tenant) -> None:
    """An attribute the declaration does not have is refused with the declared names."""
    resp = acme.post("/Users", acme_user("a@x.com", nope="x"))
    assert resp.status_code == 400
    assert "costCenter" in resp.json()["detail"]


def test_patch_with_urn_path_and_pathless_urn_keys(acme: Tenant) -> None:
    """Entra's PATCH forms change extension attributes; an event carries the new document."""
    user = acme.post("/Users", acme_user("a@x.com", costCenter="CC-1")).json()
    resp = patch(
        acme,
        user["id"],
        {"op": "Replace", "path": f"{ACME}:costCenter", "value": "CC-2"},
        {"op": "Add", "value": {f"{ACME}:level": 7, f"{ACME}:skills": ["go", "sql"]}},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()[ACME] == {"costCenter": "CC-2", "level": 7, "skills": ["go", "sql"]}
    resp = patch(acme, user["id"], {"op": "Remove", "path": f"{ACME}:level"})
    assert resp.json()[ACME] == {"costCenter": "CC-2", "skills": ["go", "sql"]}
    events = acme.services.events.read_once(acme.id, limit=100).events
    last = [e for e in events if e.type == "user.updated"][-1]
    assert last.data[ACME] == {"costCenter": "CC-2", "skills": ["go", "sql"]}


def test_put_replaces_the_extension(acme: Tenant) -> None:
    """A PUT without the extension removes its values (and their index rows)."""
    user = acme.post("/Users", acme_user("a@x.com", costCenter="CC-1")).json()
    resp = acme.put(f"/Users/{user['id']}", entra_user("a@x.com"))
    assert resp.status_code == 200
    assert ACME not in resp.json() and ACME not in resp.json()["schemas"]
    assert ids(acme, f'{ACME}:costCenter eq "cc-1"') == set()


def test_filters_over_extension_attributes(acme: Tenant) -> None:
    """eq (case-insensitive unless caseExact), pr, sw, gt/le, booleans, dateTimes, multi."""
    acme.post(
        "/Users",
        acme_user(
            "a@x.com",
            costCenter="Sales-1",
            badge="AbC",
            level=3,
            score=1.5,
            remote=True,
            hired="2024-01-02T00:00:00Z",
            skills=["Go", "SQL"],
        ),
    )
    acme.post("/Users", acme_user("b@x.com", costCenter="Eng-2", badge="abc", level=9))
    acme.post("/Users", entra_user("c@x.com"))
    assert ids(acme, f'{ACME}:costCenter eq "SALES-1"') == {"a@x.com"}
    assert ids(acme, f'{ACME}:badge eq "abc"') == {"b@x.com"}
    assert ids(acme, f"{ACME}:costCenter pr") == {"a@x.com", "b@x.com"}
    assert ids(acme, f'{ACME}:costCenter sw "eng"') == {"b@x.com"}
    assert ids(acme, f"{ACME}:level gt 3") == {"b@x.com"}
    assert ids(acme, f"{ACME}:level le 3") == {"a@x.com"}
    assert ids(acme, f"{ACME}:score ge 1.5") == {"a@x.com"}
    assert ids(acme, f"{ACME}:remote eq true") == {"a@x.com"}
    assert ids(acme, f'{ACME}:hired gt "2023-12-31T00:00:00Z"') == {"a@x.com"}
    assert ids(acme, f'{ACME}:skills eq "sql"') == {"a@x.com"}
    assert ids(acme, f'{ACME}:costCenter ne "sales-1"') == {"b@x.com", "c@x.com"}
    assert ids(acme, f"not ({ACME}:level pr)") == {"c@x.com"}
    assert ids(acme, f'{ACME}:level gt 1 and userName eq "b@x.com"') == {"b@x.com"}


def test_bad_extension_filters_are_refused(acme: Tenant) -> None:
    """A quoted number or a substring operator on a number is invalidFilter."""
    for flt in (f'{ACME}:level eq "3"', f'{ACME}:level sw "3"', f"{ACME}:remote gt true"):
        resp = acme.get("/Users", params={"filter": flt})
        assert resp.status_code == 400, flt
        assert resp.json()["scimType"] == "invalidFilter"


def test_projection_of_extension_attributes(acme: Tenant) -> None:
    """attributes= and excludedAttributes= name extension attributes by URN path."""
    user = acme.post("/Users", acme_user("a@x.com", costCenter="CC", level=2)).json()
    got = acme.get(f"/Users/{user['id']}", params={"attributes": f"{ACME}:level"}).json()
    assert got[ACME] == {"level": 2} and "displayName" not in got
    got = acme.get(f"/Users/{user['id']}", params={"excludedAttributes": ACME}).json()
    assert ACME not in got


def test_unique_extension_attribute_is_enforced(acme: Tenant) -> None:
    """A second user with the same value of a unique attribute is 409 naming it."""
    assert acme.post("/Users", acme_user("a@x.com", employeeId="E1")).status_code == 201
    resp = acme.post("/Users", acme_user("b@x.com", employeeId="e1"))
    assert resp.status_code == 409
    assert f"{ACME}:employeeId" in resp.json()["detail"]


def test_string_longer_than_the_index_takes_is_refused(acme: Tenant) -> None:
    """Values beyond the indexed length are refused with the limit, never truncated."""
    resp = acme.post("/Users", acme_user("a@x.com", costCenter="x" * 600))
    assert resp.status_code == 400
    assert "512" in resp.json()["detail"]


def test_group_extension(acme: Tenant) -> None:
    """A Group extension is stored, returned and filterable."""
    acme.services.extension_schemas.add(
        acme.id, {"urn": ACME_GROUP, "resourceType": "Group", "attributes": [{"name": "site"}]}
    )
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", ACME_GROUP],
        "displayName": "G1",
        ACME_GROUP: {"site": "Paris"},
    }
    resp = acme.post("/Groups", body)
    assert resp.status_code == 201, resp.text
    assert resp.json()[ACME_GROUP] == {"site": "Paris"}
    found = acme.get("/Groups", params={"filter": f'{ACME_GROUP}:site eq "paris"'}).json()
    assert [g["displayName"] for g in found["Resources"]] == ["G1"]


def test_refuse_names_how_to_declare(entra: Tenant) -> None:
    """At a refuse directory an undeclared URN is 400 naming the CLI command and the API."""
    entra.set("undeclared_attributes", "refuse")
    resp = entra.post("/Users", acme_user("a@x.com", costCenter="CC"))
    assert resp.status_code == 400
    detail = resp.json()["detail"]
    assert "scimdir schema add" in detail and f"/api/v1/directories/{entra.id}/schemas" in detail
    user = entra.post("/Users", entra_user("a@x.com")).json()
    resp = patch(entra, user["id"], {"op": "add", "path": f"{ACME}:costCenter", "value": "x"})
    assert resp.status_code == 400
    assert resp.json()["scimType"] == "invalidPath"
    assert "undeclared_attributes keep" in resp.json()["detail"]


def test_keep_stores_undeclared_as_sent_and_logs_it(entra: Tenant) -> None:
    """The Entra preset keeps undeclared extensions: stored, returned, unfilterable, logged."""
    resp = entra.post("/Users", acme_user("a@x.com", costCenter="CC", Nested={"a": 1}))
    assert resp.status_code == 201, resp.text
    user = resp.json()
    assert user[ACME] == {"costCenter": "CC", "Nested": {"a": 1}}
    assert ACME in user["schemas"]
    resp = patch(
        entra,
        user["id"],
        {"op": "Replace", "path": f"{ACME}:costCenter", "value": "CC2"},
        {"op": "Add", "value": {f"{ACME}:extra": True, "displayName": "Al"}},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()[ACME] == {"costCenter": "CC2", "Nested": {"a": 1}, "extra": True}
    assert resp.json()["displayName"] == "Al"
    resp = entra.get("/Users", params={"filter": f'{ACME}:costCenter eq "CC2"'})
    assert resp.status_code == 400 and resp.json()["scimType"] == "invalidFilter"
    entra.services.log_sink.flush()
    entries = entra.services.log.query(entra.id, limit=10).entries
    kept = [e for e in entries if e.effect and "kept undeclared" in e.effect]
    assert any(f"{ACME}:costCenter" in (e.effect or "") for e in kept)


def test_declaring_later_indexes_values_kept_before(entra: Tenant) -> None:
    """Values kept while undeclared become filterable once the URN is declared."""
    entra.post("/Users", acme_user("a@x.com", costCenter="CC"))
    declare(entra)
    assert ids(entra, f'{ACME}:costCenter eq "cc"') == {"a@x.com"}


def test_removing_a_declaration_stops_filters(acme: Tenant) -> None:
    """After removal the filter is refused and the stored value is still returned."""
    user = acme.post("/Users", acme_user("a@x.com", costCenter="CC")).json()
    acme.services.extension_schemas.remove(acme.id, ACME)
    resp = acme.get("/Users", params={"filter": f'{ACME}:costCenter eq "cc"'})
    assert resp.status_code == 400
    assert acme.get(f"/Users/{user['id']}").json()[ACME] == {"costCenter": "CC"}


def test_other_directory_does_not_see_values(app_services: Any) -> None:
    """Index rows are per directory: the same filter in another directory finds nothing."""
    one = make_tenant(*app_services)
    two = make_tenant(*app_services)
    declare(one)
    declare(two)
    one.post("/Users", acme_user("a@x.com", costCenter="CC"))
    assert ids(two, f'{ACME}:costCenter eq "cc"') == set()
    assert ids(one, f'{ACME}:costCenter eq "cc"') == {"a@x.com"}
