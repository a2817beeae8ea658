"""The request shapes Entra sends (docs/idp/entra.md §2, §4-§6), checked on the wire."""

from __future__ import annotations

import json
from typing import Any

import httpx

from scimdir.simulator import EntraClient

BASE = "https://scim.example.test/scim/t1/v2"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Recorder:
    """An httpx transport that records requests and answers 200 with an empty list."""

    def __init__(self, status: int = 200, body: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.status = status
        self.body = body if body is not None else {"totalResults": 0, "Resources": []}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json=self.body)

    @property
    def last_json(self) -> Any:
        return json.loads(self.requests[-1].content)


def client(recorder: Recorder, url: str = BASE, *, rfc_flag: bool = False) -> EntraClient:
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    return EntraClient(http, url, "s3cret", rfc_flag=rfc_flag)


def test_user_filter_is_form_encoded() -> None:
    """The matching query encodes spaces as +, quotes as %22 and @ as %40."""
    recorder = Recorder()
    client(recorder).find_users("userName", "alice@contoso.com")
    assert recorder.requests[0].url.raw_path == (
        b"/scim/t1/v2/Users?filter=userName+eq+%22alice%40contoso.com%22"
    )


def test_group_lookup_excludes_members_first() -> None:
    """The group query carries excludedAttributes=members before the displayName filter."""
    recorder = Recorder()
    client(recorder).find_group("Sales Team")
    assert recorder.requests[0].url.raw_path == (
        b"/scim/t1/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales+Team%22"
    )


def test_requests_carry_bearer_and_scim_json() -> None:
    """Bodies go as application/scim+json; charset=utf-8 with the bearer secret."""
    recorder = Recorder(201, {"id": "u1"})
    client(recorder).create_user({"schemas": [], "userName": "a"})
    request = recorder.requests[0]
    assert request.headers["authorization"] == "Bearer s3cret"
    assert request.headers["content-type"] == "application/scim+json; charset=utf-8"


def test_create_user_sends_string_active_meta_and_roles() -> None:
    """POST /Users: enterprise URN listed, active "True", client meta, empty roles."""
    recorder = Recorder(201, {"id": "u1"})
    client(recorder).create_user(
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "active": True}
    )
    assert recorder.last_json == {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ],
        "userName": "a",
        "active": "True",
        "meta": {"resourceType": "User"},
        "roles": [],
    }


def test_create_group_has_microsoft_urn_and_no_members() -> None:
    """POST /Groups carries Microsoft's group URN and a client meta, never members."""
    recorder = Recorder(201, {"id": "g1"})
    client(recorder).create_group("Sales", "oid-1")
    assert recorder.last_json == {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
        ],
        "externalId": "oid-1",
        "displayName": "Sales",
        "meta": {"resourceType": "Group"},
    }


def test_default_disable_is_capitalised_replace_of_string_false() -> None:
    """Without the flag a disable is {"op": "Replace", "path": "active", "value": "False"}."""
    recorder = Recorder(204)
    entra = client(recorder)
    entra.patch_user("u1", entra.operations([("Replace", "active", False)]))
    assert recorder.last_json == {
        "schemas": [PATCH],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }


def test_flagged_disable_is_lower_case_boolean() -> None:
    """With the flag a disable is {"op": "replace", "path": "active", "value": false}."""
    recorder = Recorder(204)
    entra = client(recorder, rfc_flag=True)
    entra.patch_user("u1", entra.operations([("Replace", "active", False)]))
    assert recorder.last_json["Operations"] == [{"op": "replace", "path": "active", "value": False}]


def test_flag_in_the_tenant_url_switches_the_mode() -> None:
    """aadOptscim062020 in the tenant URL's query turns the flag on and is not echoed."""
    recorder = Recorder()
    entra = client(recorder, BASE + "?aadOptscim062020")
    entra.find_users("userName", "x")
    assert entra.rfc_flag is True
    assert recorder.requests[0].url.raw_path == b"/scim/t1/v2/Users?filter=userName+eq+%22x%22"


def test_default_update_sends_one_op_per_path() -> None:
    """Without the flag every changed attribute is its own capitalised op."""
    entra = client(Recorder())
    ops = entra.operations(
        [
            ("Replace", 'emails[type eq "work"].value', "a@b.c"),
            ("Replace", "name.familyName", "X"),
            ("Add", "title", "CTO"),
        ]
    )
    assert ops == [
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "a@b.c"},
        {"op": "Replace", "path": "name.familyName", "value": "X"},
        {"op": "Add", "path": "title", "value": "CTO"},
    ]


def test_flagged_update_merges_plain_replaces_into_a_pathless_op() -> None:
    """With the flag, filtered paths stay path-ful and plain replaces merge with dotted keys."""
    entra = client(Recorder(), rfc_flag=True)
    ops = entra.operations(
        [
            ("Replace", "displayName", "Bjfe"),
            ("Replace", 'emails[type eq "work"].value', "t@m.com"),
            ("Replace", "name.givenName", "Kkom"),
        ]
    )
    assert ops == [
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "t@m.com"},
        {"op": "replace", "value": {"displayName": "Bjfe", "name.givenName": "Kkom"}},
    ]


def test_add_members_has_null_refs() -> None:
    """Add members: one op with a value array of {"$ref": null, "value": id}."""
    entra = client(Recorder())
    assert entra.add_members(["u1", "u2"]) == {
        "op": "Add",
        "path": "members",
        "value": [{"$ref": None, "value": "u1"}, {"$ref": None, "value": "u2"}],
    }


def test_default_member_removal_uses_the_value_array() -> None:
    """Without the flag removal is Remove + path members + value array."""
    entra = client(Recorder())
    assert entra.remove_members(["u1"]) == [
        {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": "u1"}]}
    ]


def test_flagged_member_removal_uses_value_filters() -> None:
    """With the flag each removal is remove + members[value eq "id"]."""
    entra = client(Recorder(), rfc_flag=True)
    assert entra.remove_members(["u1", "u2"]) == [
        {"op": "remove", "path": 'members[value eq "u1"]'},
        {"op": "remove", "path": 'members[value eq "u2"]'},
    ]


def test_error_detail_and_scim_type_are_kept() -> None:
    """A SCIM error body's detail and scimType become the reply's detail."""
    recorder = Recorder(409, {"status": "409", "scimType": "uniqueness", "detail": "Taken."})
    reply = client(recorder).create_user({"userName": "a"})
    assert (reply.ok, reply.status, reply.detail) == (False, 409, "Taken. (scimType uniqueness)")


def test_unreachable_endpoint_is_a_reply_without_status() -> None:
    """A transport error becomes a failed reply with no status and a plain detail."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    entra = EntraClient(httpx.Client(transport=httpx.MockTransport(refuse)), BASE, "s")
    reply = entra.get_user("u1")
    assert (reply.status, reply.detail) == (
        None,
        "The endpoint could not be reached: connection refused.",
    )
