"""POST /Bulk (RFC 7644 §3.7) through the real app, on SQLite and PostgreSQL: bulkId references,
partial failures, failOnErrors, the published limits, and the same policies, quirks, events and
provisioning-log entries as single requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from starlette.testclient import TestClient

from scimdir.composition import Services
from scimdir.devtools.entra_bodies import entra_user
from scimdir.service.ports import LogRecord
from scimdir.settings import Settings
from scimdir.web.app import create_app
from scimdir.web.rate_limit import RateLimiter
from tests.web.conftest import Tenant, make_tenant

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def bulk(*operations: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"schemas": [BULK], "Operations": list(operations), **extra}


def post_user(bulk_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "method": "POST",
        "path": "/Users",
        "bulkId": bulk_id,
        "data": entra_user(name, **extra),
    }


def post_group(bulk_id: str, name: str, *members: str) -> dict[str, Any]:
    data = {"schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in members]}
    return {"method": "POST", "path": "/Groups", "bulkId": bulk_id, "data": data}


def run(t: Tenant, body: Any, **kw: Any) -> list[dict[str, Any]]:
    response = t.post("/Bulk", body, **kw)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    answer = response.json()
    assert answer["schemas"] == [BULK_RESPONSE]
    operations: list[dict[str, Any]] = answer["Operations"]
    return operations


def statuses(operations: list[dict[str, Any]]) -> list[str]:
    return [op["status"] for op in operations]


def entries(t: Tenant) -> list[LogRecord]:
    t.services.log_sink.flush()
    return t.services.log.query(t.id, limit=200).entries


def user_id(t: Tenant, name: str) -> str | None:
    found = t.get("/Users", params={"filter": f'userName eq "{name}"'}).json()["Resources"]
    return found[0]["id"] if found else None


def test_a_group_references_a_user_created_in_the_same_request(entra: Tenant) -> None:
    """POST user (bulkId u) then POST group with member bulkId:u: the group holds the user's id,
    and each result has location, method, bulkId, version and status as a string."""
    ops = run(
        entra,
        bulk(post_user("u", "ann@contoso.com"), post_group("g", "Staff", "bulkId:u")),
    )
    ann = user_id(entra, "ann@contoso.com")
    assert ann is not None
    assert [(op["method"], op["bulkId"], op["status"]) for op in ops] == [
        ("POST", "u", "201"),
        ("POST", "g", "201"),
    ]
    assert ops[0]["location"] == f"https://scim.example.test{entra.base}/Users/{ann}"
    assert ops[0]["version"] == 'W/"1"' and "response" not in ops[0]
    group = entra.get(ops[1]["location"].removeprefix("https://scim.example.test" + entra.base))
    assert [m["value"] for m in group.json()["members"]] == [ann]
    assert group.headers["etag"] == ops[1]["version"]


def test_a_forward_reference_waits_for_the_post_that_defines_it(entra: Tenant) -> None:
    """A group naming bulkId:u before the POST of u is run after it (RFC 7644 §3.7.2)."""
    ops = run(entra, bulk(post_group("g", "Early", "bulkId:u"), post_user("u", "fw@contoso.com")))
    assert statuses(ops) == ["201", "201"]
    group_path = ops[0]["location"].split("/v2", 1)[1]
    members = entra.get(group_path).json()["members"]
    assert [m["value"] for m in members] == [user_id(entra, "fw@contoso.com")]


def test_references_resolve_in_paths_and_patch_values(entra: Tenant) -> None:
    """``/Users/bulkId:u`` as a path and ``bulkId:u`` inside a PATCH value both become the id."""
    add_member = {
        "method": "PATCH",
        "path": "/Groups/bulkId:g",
        "data": {
            "schemas": [PATCH],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": "bulkId:u"}]}],
        },
    }
    rename = {
        "method": "PATCH",
        "path": "/Users/bulkId:u",
        "data": {
            "schemas": [PATCH],
            "Operations": [{"op": "replace", "path": "displayName", "value": "Renamed"}],
        },
    }
    ops = run(
        entra,
        bulk(post_group("g", "Later"), post_user("u", "pv@contoso.com"), add_member, rename),
    )
    assert statuses(ops) == ["201", "201", "204", "200"]
    uid = user_id(entra, "pv@contoso.com")
    assert ops[3]["location"].endswith(f"/Users/{uid}")
    assert entra.get(f"/Users/{uid}").json()["displayName"] == "Renamed"
    group = entra.get(ops[2]["location"].split("/v2", 1)[1]).json()
    assert [m["value"] for m in group["members"]] == [uid]


def test_an_entra_bare_string_manager_references_a_user_of_the_request(entra: Tenant) -> None:
    """Entra's ``"manager": "bulkId:boss"`` is resolved, then normalised by the Entra dialect."""
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    ops = run(
        entra,
        bulk(
            post_user("boss", "boss@contoso.com"),
            post_user("e", "emp@contoso.com", **{enterprise: {"manager": "bulkId:boss"}}),
        ),
    )
    assert statuses(ops) == ["201", "201"]
    employee = entra.get(ops[1]["location"].split("/v2", 1)[1]).json()
    assert employee[enterprise]["manager"]["value"] == user_id(entra, "boss@contoso.com")


def test_circular_group_references_are_resolved(entra: Tenant) -> None:
    """Groups A and B naming each other by bulkId (RFC 7644 §3.7.1's example): both 201, each
    a member of the other, and the results report their final versions."""
    ops = run(entra, bulk(post_group("a", "A", "bulkId:b"), post_group("b", "B", "bulkId:a")))
    assert statuses(ops) == ["201", "201"]
    a_path, b_path = (op["location"].split("/v2", 1)[1] for op in ops)
    a, b = entra.get(a_path), entra.get(b_path)
    assert [m["value"] for m in a.json()["members"]] == [b.json()["id"]]
    assert [m["value"] for m in b.json()["members"]] == [a.json()["id"]]
    assert (ops[0]["version"], ops[1]["version"]) == (a.headers["etag"], b.headers["etag"])


def test_a_circle_outside_members_is_409_for_each_operation(entra: Tenant) -> None:
    """Two users naming each other as manager cannot be created one before the other: each
    gets 409 saying so (RFC 7644 §3.7.1 allows it) and neither is created."""
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    ops = run(
        entra,
        bulk(
            post_user("u1", "m1@contoso.com", **{enterprise: {"manager": {"value": "bulkId:u2"}}}),
            post_user("u2", "m2@contoso.com", **{enterprise: {"manager": {"value": "bulkId:u1"}}}),
        ),
    )
    assert statuses(ops) == ["409", "409"]
    assert "circle of bulkId references" in ops[0]["response"]["detail"]
    assert user_id(entra, "m1@contoso.com") is None


def test_a_post_naming_its_own_bulk_id_is_400(entra: Tenant) -> None:
    """A group listing itself by its own bulkId is refused before anything is created."""
    ops = run(entra, bulk(post_group("g", "Self", "bulkId:g")))
    assert statuses(ops) == ["400"]
    assert "references its own bulkId" in ops[0]["response"]["detail"]
    assert entra.get("/Groups").json()["totalResults"] == 0


def test_a_broken_circle_whose_other_post_fails_says_the_members_are_missing(
    entra: Tenant,
) -> None:
    """A is created to break the circle, B fails (its name is taken): A's result is 409 with
    A's location and a detail saying its members could not be added, and B's is B's error."""
    entra.post("/Groups", {"schemas": [GROUP], "displayName": "Taken"})
    ops = run(entra, bulk(post_group("a", "A", "bulkId:b"), post_group("b", "Taken", "bulkId:a")))
    assert statuses(ops) == ["409", "409"]
    assert ops[0]["location"].startswith(f"https://scim.example.test{entra.base}/Groups/")
    assert "could not add the members" in ops[0]["response"]["detail"]
    assert ops[1]["response"]["scimType"] == "uniqueness" and "location" not in ops[1]
    a = entra.get(ops[0]["location"].split("/v2", 1)[1]).json()
    assert a["displayName"] == "A" and a.get("members", []) == []


def test_a_failing_operation_in_the_middle_leaves_the_others_applied(entra: Tenant) -> None:
    """POST ok, POST of a taken userName (409), POST ok: both others exist; the failure carries
    its SCIM error in ``response`` and no location (a failed POST has none)."""
    entra.post("/Users", entra_user("taken@contoso.com"))
    ops = run(
        entra,
        bulk(
            post_user("a", "first@contoso.com"),
            post_user("b", "taken@contoso.com"),
            post_user("c", "third@contoso.com"),
        ),
    )
    assert statuses(ops) == ["201", "409", "201"]
    assert "location" not in ops[1]
    assert ops[1]["response"]["schemas"] == [ERROR]
    assert ops[1]["response"]["scimType"] == "uniqueness"
    assert user_id(entra, "first@contoso.com") and user_id(entra, "third@contoso.com")


def test_fail_on_errors_stops_after_that_many_errors(entra: Tenant) -> None:
    """failOnErrors 2: after the second error nothing more runs, and only the operations that
    ran are in the response (RFC 7644 §3.7.3)."""
    invalid = post_user("x", "x@contoso.com", userName=None)
    ops = run(
        entra,
        bulk(
            post_user("a", "ok1@contoso.com"),
            {**invalid, "bulkId": "bad1"},
            {**invalid, "bulkId": "bad2"},
            post_user("d", "never@contoso.com"),
            failOnErrors=2,
        ),
    )
    assert [(op["bulkId"], op["status"]) for op in ops] == [
        ("a", "201"),
        ("bad1", "400"),
        ("bad2", "400"),
    ]
    assert user_id(entra, "never@contoso.com") is None


def test_without_fail_on_errors_every_operation_runs(entra: Tenant) -> None:
    """No failOnErrors: errors do not stop the request."""
    invalid = post_user("x", "x@contoso.com", userName=None)
    ops = run(entra, bulk({**invalid, "bulkId": "b1"}, {**invalid, "bulkId": "b2"},
                          post_user("c", "last@contoso.com")))  # fmt: skip
    assert statuses(ops) == ["400", "400", "201"]


def test_an_unknown_bulk_id_is_a_clear_400_for_that_operation(entra: Tenant) -> None:
    """A reference no POST of the request defines: 400 invalidValue naming it; others run."""
    ops = run(entra, bulk(post_group("g", "Orphans", "bulkId:nobody"), post_user("u", "k@c.com")))
    assert statuses(ops) == ["400", "201"]
    error = ops[0]["response"]
    assert error["scimType"] == "invalidValue"
    assert "bulkId:'nobody'" in error["detail"] and "Operations[0]" in error["detail"]
    assert entra.get("/Groups").json()["totalResults"] == 0


def test_a_reference_to_a_failed_post_is_not_run(entra: Tenant) -> None:
    """The group naming bulkId:u of a POST that failed gets 409 saying so, and is not created."""
    ops = run(
        entra,
        bulk(post_user("u", "bad@contoso.com", userName=None), post_group("g", "G", "bulkId:u")),
    )
    assert statuses(ops) == ["400", "409"]
    assert "Operations[0]" in ops[1]["response"]["detail"]
    assert entra.get("/Groups").json()["totalResults"] == 0


@pytest.mark.parametrize(
    ("operation", "status", "words"),
    [
        ({"method": "GET", "path": "/Users"}, "400", "not a bulk method"),
        ({"method": "post", "path": "/Users", "bulkId": "a", "data": {}}, "400", "not a bulk"),
        ({"path": "/Users"}, "400", "needs a method"),
        ({"method": "DELETE", "path": "/Bulk/1"}, "400", "is not one of /Users"),
        ({"method": "DELETE", "path": "Users/1"}, "400", "is not one of /Users"),
        ({"method": "DELETE", "path": 7}, "400", "needs a path"),
        ({"method": "DELETE", "path": "/Users"}, "405", "needs the resource's id"),
        ({"method": "POST", "path": "/Users/1", "bulkId": "a", "data": {}}, "405", "POST creates"),
        ({"method": "POST", "path": "/Users", "data": {}}, "400", "needs a bulkId"),
        ({"method": "PUT", "path": "/Users/1"}, "400", "needs data"),
        ({"method": "DELETE", "path": "/Users/1", "version": 3}, "400", "version must be"),
        ("not an object", "400", "must be an object"),
    ],
)
def test_a_malformed_operation_is_a_clear_error_never_a_500(
    entra: Tenant, operation: Any, status: str, words: str
) -> None:
    """A bad method, path, bulkId, version or data is that operation's 4xx naming the fix."""
    ops = run(entra, bulk(operation, post_user("ok", "fine@contoso.com")))
    assert statuses(ops) == [status, "201"]
    assert words in ops[0]["response"]["detail"]
    assert ops[0]["response"]["detail"].startswith("Operations[0]")


def test_a_duplicate_bulk_id_is_refused_for_the_second_post(entra: Tenant) -> None:
    """Two POSTs with the same bulkId: the second is 400; the first is created."""
    ops = run(entra, bulk(post_user("same", "one@contoso.com"), post_user("same", "two@c.com")))
    assert statuses(ops) == ["201", "400"]
    assert "already used by Operations[0]" in ops[1]["response"]["detail"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ([], "JSON object"),
        ({"Operations": []}, "must list"),
        ({"schemas": [BULK]}, "must carry Operations"),
        ({"schemas": [BULK], "Operations": [], "failOnErrors": 0}, "positive integer"),
        ({"schemas": [BULK], "Operations": [], "failOnErrors": "1"}, "positive integer"),
    ],
)
def test_a_body_that_is_not_a_bulk_request_is_400(entra: Tenant, body: Any, words: str) -> None:
    """The envelope is checked first: 400 with a detail naming what is wrong."""
    response = entra.post("/Bulk", body)
    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_version_is_the_if_match_of_an_operation(entra: Tenant) -> None:
    """An operation's ``version`` is checked as If-Match: a stale one gets 412, the right one
    applies and the result carries the new version."""
    user = entra.post("/Users", entra_user("v@contoso.com")).json()
    path = f"/Users/{user['id']}"
    body = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "X"}]}
    stale = {"method": "PATCH", "path": path, "version": 'W/"9"', "data": body}
    fresh = {"method": "PATCH", "path": path, "version": user["meta"]["version"], "data": body}
    ops = run(entra, bulk(stale, fresh))
    assert statuses(ops) == ["412", "200"]
    assert ops[1]["version"] == entra.get(path).headers["etag"] != user["meta"]["version"]


def test_put_and_delete_work_as_single_requests(entra: Tenant) -> None:
    """PUT answers 200 with the version, DELETE 204; the user is gone afterwards."""
    user = entra.post("/Users", entra_user("pd@contoso.com")).json()
    path = f"/Users/{user['id']}"
    put = {"method": "PUT", "path": path, "data": entra_user("pd@contoso.com", title="Boss")}
    ops = run(entra, bulk(put, {"method": "DELETE", "path": path}))
    assert statuses(ops) == ["200", "204"]
    assert ops[0]["version"] == 'W/"2"' and "version" not in ops[1]
    assert entra.get(path).status_code == 404


def test_each_operation_writes_its_events(entra: Tenant) -> None:
    """The outbox holds the events of each operation, as single requests would write them."""
    run(entra, bulk(post_user("u", "ev@contoso.com"), post_group("g", "Evts", "bulkId:u")))
    events = entra.services.events.read_once(entra.id).events
    uid = user_id(entra, "ev@contoso.com")
    kinds = [(e.type, e.resource_type) for e in events]
    assert kinds[0] == ("user.created", "User") and events[0].resource_id == uid
    assert ("group.created", "Group") in kinds
    assert any(e.type.startswith("group.member") for e in events)


def test_each_operation_gets_a_log_entry_with_the_bulk_request_id(entra: Tenant) -> None:
    """One entry per operation (method, path, status, subject, effect; a failure with its
    explanation), plus the bulk request's own, all with the bulk request's X-Request-Id."""
    response = entra.post(
        "/Bulk",
        bulk(post_user("u", "log@contoso.com"), post_user("v", "nolog@c.com", userName=None)),
    )
    request_id = response.headers["x-request-id"]
    logged = [e for e in entries(entra) if e.request_id == request_id]
    by_status = {e.status: e for e in logged}
    assert sorted(by_status) == [200, 201, 400]
    assert (by_status[200].path, by_status[200].effect) == (
        f"{entra.base}/Bulk",
        "bulk: 2 operations, 1 failed",
    )
    created = by_status[201]
    assert (created.method, created.path, created.subject) == (
        "POST",
        f"{entra.base}/Users",
        "log@contoso.com",
    )
    assert (created.effect, created.resource_type) == ("created", "User")
    assert created.resource_id == user_id(entra, "log@contoso.com")
    refused = by_status[400]
    assert refused.scim_type == "invalidValue" and refused.explanation
    assert refused.request_body is not None and "nolog" not in (refused.subject or "")


def test_dialect_quirks_and_policies_apply_to_operations(entra: Tenant) -> None:
    """An Entra PATCH inside a bulk ('Replace', "False") is normalised as a single request's,
    the quirk is recorded on that operation's log entry, and required attributes are enforced."""
    user = entra.post("/Users", entra_user("q@contoso.com")).json()
    entra_patch = {
        "schemas": [PATCH],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }
    no_email = entra_user("noemail@contoso.com")
    del no_email["emails"]
    ops = run(
        entra,
        bulk(
            {"method": "PATCH", "path": f"/Users/{user['id']}", "data": entra_patch},
            {"method": "POST", "path": "/Users", "bulkId": "n", "data": no_email},
        ),
    )
    assert statuses(ops) == ["200", "400"]
    assert entra.get(f"/Users/{user['id']}").json()["active"] is False
    assert "email" in ops[1]["response"]["detail"]
    patched = next(e for e in entries(entra) if e.method == "PATCH")
    assert any(q.startswith("entra.") for q in patched.quirks)


def test_a_reader_key_gets_403_for_bulk(entra: Tenant) -> None:
    """/Bulk writes: a reader API key is refused 403 and nothing is created."""
    key = entra.services.api_keys.create("reports", "reader", entra.id).key
    response = entra.post(
        "/Bulk", bulk(post_user("u", "r@contoso.com")), headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 403
    assert response.json()["schemas"] == [ERROR]
    assert user_id(entra, "r@contoso.com") is None


def test_bulk_needs_credentials_and_only_post(entra: Tenant) -> None:
    """No secret: 401; GET /Bulk: 405 with Allow: POST."""
    anonymous = entra.client.post(entra.url("/Bulk"), json=bulk())
    assert anonymous.status_code == 401
    read = entra.get("/Bulk")
    assert read.status_code == 405 and read.headers["allow"] == "POST"


def test_discovery_publishes_bulk_support_and_the_default_limits(entra: Tenant) -> None:
    """/ServiceProviderConfig: bulk supported with maxOperations 1000 and 1 MiB."""
    spc = entra.get("/ServiceProviderConfig").json()
    assert spc["bulk"] == {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def small(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tenant]:
    """A directory on a server whose bulk limits are 2 operations and 2,000 bytes."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'scimdir.db'}"
    settings = Settings(
        database_url=url,
        public_url="https://scim.example.test",
        db_pool_size=2,
        bulk_max_operations=2,
        bulk_max_payload_bytes=2000,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        services: Services = app.state.services
        yield make_tenant(client, services, "entra")
    app.state.services.storage.dispose()


def test_discovery_publishes_the_configured_limits(small: Tenant) -> None:
    """The limits published are the settings'."""
    spc = small.get("/ServiceProviderConfig").json()
    assert spc["bulk"] == {"supported": True, "maxOperations": 2, "maxPayloadSize": 2000}


def test_too_many_operations_get_413_naming_max_operations(small: Tenant) -> None:
    """Three operations where two are published: 413, detail names maxOperations (§3.7.4);
    nothing is run."""
    ops = [post_user(f"u{i}", f"u{i}@c.com") for i in range(3)]
    response = small.post("/Bulk", bulk(*ops))
    assert response.status_code == 413
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == "413"
    assert "maxOperations (2)" in body["detail"]
    assert small.get("/Users").json()["totalResults"] == 0


def test_a_payload_over_max_payload_size_gets_413(small: Tenant) -> None:
    """A body over the published maxPayloadSize: 413 naming it, nothing run."""
    big = post_user("u", "big@contoso.com", title="x" * 2500)
    response = small.post("/Bulk", bulk(big))
    assert response.status_code == 413
    assert "maxPayloadSize (2000)" in response.json()["detail"]
    assert small.get("/Users").json()["totalResults"] == 0


def test_a_chunked_payload_over_max_payload_size_gets_413(small: Tenant) -> None:
    """Sent without Content-Length (chunked), the body is measured by its JSON size."""
    body = json.dumps(bulk(post_user("u", "chunk@contoso.com", title="x" * 2500))).encode()
    response = small.client.post(
        small.url("/Bulk"),
        content=iter([body[:1000], body[1000:]]),
        headers={"Authorization": f"Bearer {small.secret}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "maxPayloadSize (2000)" in response.json()["detail"]


def test_max_payload_size_is_never_above_the_body_cap(tmp_path: Path) -> None:
    """bulk_max_payload_bytes above max_body_bytes publishes (and enforces) the body cap."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        max_body_bytes=4096,
        bulk_max_payload_bytes=10_000,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        t = make_tenant(client, app.state.services, "generic")
        assert t.get("/ServiceProviderConfig").json()["bulk"]["maxPayloadSize"] == 4096
    app.state.services.storage.dispose()


def test_max_operations_is_never_above_the_patch_limit(tmp_path: Path) -> None:
    """authentik chunks PATCH operations by bulk.maxOperations: it never exceeds max_operations,
    so an authentik PATCH chunk is never refused for its size."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}", max_operations=50, bulk_max_operations=500
    )
    app = create_app(settings)
    with TestClient(app) as client:
        t = make_tenant(client, app.state.services, "authentik")
        assert t.get("/ServiceProviderConfig").json()["bulk"]["maxOperations"] == 50
        ops = [{"method": "DELETE", "path": f"/Users/{i}"} for i in range(51)]
        assert "maxOperations (50)" in t.post("/Bulk", bulk(*ops)).json()["detail"]
    app.state.services.storage.dispose()


def test_an_operation_in_a_generic_directory(app_services: tuple[TestClient, Services]) -> None:
    """A strict RFC 7644 directory runs the RFC's own bulk example shape (§3.7.3)."""
    t = make_tenant(*app_services, idp="generic")
    data = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "Alice",
    }
    ops = run(t, bulk({"method": "POST", "path": "/Users", "bulkId": "qwerty", "data": data},
                      failOnErrors=1))  # fmt: skip
    assert [(o["method"], o["bulkId"], o["status"]) for o in ops] == [("POST", "qwerty", "201")]


def test_each_operation_counts_against_the_rate_limit(tmp_path: Path) -> None:
    """With rate_limit 25 (burst 25) and a clock that never advances, the bulk request takes
    one token and its first 24 operations the rest: the other 6 get 429, nothing of theirs is
    written, and the detail names the setting."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}")
    app = create_app(settings, rate_limiter=RateLimiter(clock=lambda: 0.0))
    with TestClient(app) as client:
        t = make_tenant(client, app.state.services, "entra")
        t.set("rate_limit", 25)
        t.set("rate_limit_burst", 25)
        ops = run(t, bulk(*(post_user(f"u{i}", f"u{i}@contoso.com") for i in range(30))))
        assert statuses(ops) == ["201"] * 24 + ["429"] * 6
        assert "rate_limit" in ops[-1]["response"]["detail"]
    app.state.services.storage.dispose()


def _count(method: str, resource: str, status: str) -> float:
    labels = {"method": method, "resource": resource, "status": status}
    return REGISTRY.get_sample_value("scimdir_scim_requests_total", labels) or 0.0


def test_metrics_count_the_bulk_once_and_each_operation_as_its_request(entra: Tenant) -> None:
    """Two user POSTs in a bulk: POST/User/201 grows by 2, POST/Bulk/200 by 1."""
    users, bulks = _count("POST", "User", "201"), _count("POST", "Bulk", "200")
    run(entra, bulk(post_user("a", "m1@contoso.com"), post_user("b", "m2@contoso.com")))
    assert _count("POST", "User", "201") - users == 2
    assert _count("POST", "Bulk", "200") - bulks == 1


def test_a_forward_reference_runs_as_soon_as_its_post_has(entra: Tenant) -> None:
    """PATCH g (add bulkId:u), POST u, DELETE bulkId:u: the PATCH runs right after the POST, so
    the DELETE finds the user in the group and removes it from it (the client's order)."""
    group = entra.post("/Groups", {"schemas": [GROUP], "displayName": "Order"}).json()
    add = {
        "method": "PATCH",
        "path": f"/Groups/{group['id']}",
        "data": {
            "schemas": [PATCH],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": "bulkId:u"}]}],
        },
    }
    delete = {"method": "DELETE", "path": "/Users/bulkId:u"}
    ops = run(entra, bulk(add, post_user("u", "order@contoso.com"), delete))
    assert statuses(ops) == ["204", "201", "204"]
    kinds = [e.type for e in entra.services.events.read_once(entra.id).events]
    assert kinds.index("group.member_added") < kinds.index("user.deleted")
