"""Microsoft's documented Entra request/response catalogue, replayed end to end.

Source: `docs/idp/entra.md` §4-§6 (the Microsoft Learn tutorial and known-issues page,
verbatim bodies). Each test follows one step of an Entra provisioning cycle in order.
"""

from __future__ import annotations

from typing import Any

from scimdir.devtools.entra_bodies import entra_user
from tests.web.conftest import Tenant

SCIM_JSON = "application/scim+json"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MS_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"


def patch_body(*ops: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": list(ops)}


def create_user(t: Tenant, name: str = "alice@contoso.com", **extra: Any) -> dict[str, Any]:
    response = t.post("/Users", entra_user(name, **extra))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def create_group(t: Tenant, name: str = "Engineering") -> str:
    response = t.post(
        "/Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", MS_GROUP],
            "externalId": f"ext-{name}",
            "displayName": name,
            "meta": {"resourceType": "Group"},
        },
    )
    assert response.status_code == 201, response.text
    group_id: str = response.json()["id"]
    return group_id


def test_test_connection_gets_an_empty_list_response(entra: Tenant) -> None:
    """Test Connection: a userName filter on a random GUID answers 200 and an empty list."""
    response = entra.client.get(
        entra.url("/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22"),
        headers={"Authorization": f"Bearer {entra.secret}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(SCIM_JSON)
    assert response.json() == {
        "schemas": [LIST],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }


def test_test_connection_for_groups_gets_an_empty_list(entra: Tenant) -> None:
    """The group half of Test Connection answers an empty ListResponse too."""
    response = entra.get('/Groups?excludedAttributes=members&filter=displayName eq "x-guid"')
    assert response.status_code == 200
    assert response.json()["totalResults"] == 0


def test_wrong_secret_gets_401_with_scim_error(entra: Tenant) -> None:
    """Bad credentials answer 401 with the SCIM error schema and a detail that says what to send."""
    response = entra.client.get(entra.url("/Users"), headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == "401"
    assert "Secret Token" in body["detail"]


def test_create_user_answers_201_with_id_location_and_string_active(entra: Tenant) -> None:
    """POST /Users with Entra's body (string "True", meta, roles []) answers 201 with the user."""
    body = entra_user("bob@contoso.com", active="True")
    response = entra.post("/Users", body)
    assert response.status_code == 201
    user = response.json()
    assert user["active"] is True
    assert user["userName"] == "bob@contoso.com"
    assert response.headers["location"] == user["meta"]["location"]
    assert user["meta"]["location"].endswith(f"/Users/{user['id']}")
    assert "roles" not in user
    assert user["emails"] == [{"primary": True, "type": "work", "value": "bob@contoso.com"}]


def test_match_user_by_username_is_case_insensitive(entra: Tenant) -> None:
    """Entra's matching lookup finds the user whatever the case of userName (caseExact=false)."""
    user = create_user(entra, "Carol@Contoso.com")
    response = entra.get('/Users?filter=userName eq "carol@contoso.COM"')
    found = response.json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["id"] == user["id"]


def test_match_user_by_external_id(entra: Tenant) -> None:
    """Matching on externalId (caseExact) finds exactly the user."""
    user = create_user(entra, "dave@contoso.com")
    found = entra.get('/Users?filter=externalId eq "ext-dave@contoso.com"').json()
    assert [r["id"] for r in found["Resources"]] == [user["id"]]
    assert (
        entra.get('/Users?filter=externalId eq "EXT-dave@contoso.com"').json()["totalResults"] == 0
    )


def test_duplicate_username_gets_409_uniqueness(entra: Tenant) -> None:
    """A second POST with the same userName (other case) answers 409 uniqueness with a detail."""
    create_user(entra, "erin@contoso.com")
    response = entra.post("/Users", entra_user("ERIN@contoso.com"))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert "erin@contoso.com" in response.json()["detail"].lower()


def test_patch_multi_valued_and_single_valued_replace(entra: Tenant) -> None:
    """§4.5: Replace of emails[type eq "work"].value and name.familyName updates in place."""
    user = create_user(entra, "fay@contoso.com")
    response = entra.patch(
        f"/Users/{user['id']}",
        patch_body(
            {
                "op": "Replace",
                "path": 'emails[type eq "work"].value',
                "value": "updatedEmail@microsoft.com",
            },
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        ),
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["emails"] == [
        {"primary": True, "type": "work", "value": "updatedEmail@microsoft.com"}
    ]
    assert updated["name"]["familyName"] == "updatedFamilyName"


def test_disable_user_with_string_false_keeps_it_findable(entra: Tenant) -> None:
    """§4.7: Replace active "False" deactivates; the user is still returned by id and filter."""
    user = create_user(entra, "gil@contoso.com")
    response = entra.patch(
        f"/Users/{user['id']}", patch_body({"op": "Replace", "path": "active", "value": "False"})
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert entra.get(f"/Users/{user['id']}").json()["active"] is False
    found = entra.get('/Users?filter=userName eq "gil@contoso.com"').json()
    assert found["Resources"][0]["active"] is False


def test_flagged_multi_attribute_patch_with_dotted_and_urn_keys(entra: Tenant) -> None:
    """§6 with aadOptscim062020: a path-less replace with dotted and URN keys sets each one."""
    user = create_user(entra, "hal@contoso.com")
    response = entra.patch(
        f"/Users/{user['id']}",
        patch_body(
            {
                "op": "replace",
                "path": 'emails[type eq "work"].value',
                "value": "TestMhvaes@test.microsoft.com",
            },
            {
                "op": "replace",
                "value": {
                    "displayName": "Bjfe",
                    "name.givenName": "Kkom",
                    "name.familyName": "Unua",
                    f"{ENTERPRISE}:employeeNumber": "Aklq",
                },
            },
        ),
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["displayName"] == "Bjfe"
    assert updated["name"]["givenName"] == "Kkom"
    assert updated["name"]["familyName"] == "Unua"
    assert updated["name"]["formatted"] == "Alice Smith"
    assert updated[ENTERPRISE]["employeeNumber"] == "Aklq"
    assert ENTERPRISE in updated["schemas"]


def test_manager_bare_string_is_read_back_as_complex(entra: Tenant) -> None:
    """§4.9: manager sent as a bare id string is returned as {"value": id}."""
    boss = create_user(entra, "boss@contoso.com")
    user = create_user(entra, "ian@contoso.com")
    response = entra.patch(
        f"/Users/{user['id']}",
        patch_body({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]}),
    )
    assert response.status_code == 200, response.text
    assert response.json()[ENTERPRISE]["manager"]["value"] == boss["id"]


def test_address_sub_attribute_adds_fill_one_record(entra: Tenant) -> None:
    """§4.10: three adds on addresses[type eq "work"] sub-attributes make one work address."""
    user = create_user(entra, "jo@contoso.com")
    response = entra.patch(
        f"/Users/{user['id']}",
        patch_body(
            {"op": "add", "path": 'addresses[type eq "work"].formatted', "value": "USZ"},
            {"op": "add", "path": 'addresses[type eq "work"].locality', "value": "OSG"},
            {"op": "add", "path": 'addresses[type eq "work"].region', "value": "YMV"},
        ),
    )
    assert response.status_code == 200, response.text
    assert response.json()["addresses"] == [
        {"type": "work", "formatted": "USZ", "locality": "OSG", "region": "YMV"}
    ]


def test_delete_user_then_404_everywhere(entra: Tenant) -> None:
    """§4.8: DELETE answers 204, then GET is 404 and the lookup finds nothing."""
    user = create_user(entra, "kim@contoso.com")
    assert entra.delete(f"/Users/{user['id']}").status_code == 204
    missing = entra.get(f"/Users/{user['id']}")
    assert missing.status_code == 404
    assert missing.json()["status"] == "404"
    assert entra.get('/Users?filter=userName eq "kim@contoso.com"').json()["totalResults"] == 0
    assert entra.delete(f"/Users/{user['id']}").status_code == 404


def test_group_lifecycle_with_membership_batches(entra: Tenant) -> None:
    """§5: create (Microsoft URN), add members in a batch, check, remove by value array, delete."""
    a = create_user(entra, "a@contoso.com")["id"]
    b = create_user(entra, "b@contoso.com")["id"]
    c = create_user(entra, "c@contoso.com")["id"]
    group = create_group(entra, "Engineering")

    added = entra.patch(
        f"/Groups/{group}",
        patch_body(
            {
                "op": "Add",
                "path": "members",
                "value": [{"$ref": None, "value": a}, {"$ref": None, "value": b}, {"value": c}],
            }
        ),
    )
    assert added.status_code == 204

    check = f'/Groups?excludedAttributes=members&filter=id eq "{group}" and members[value eq "{a}"]'
    found = entra.get(check).json()
    assert found["totalResults"] == 1
    assert "members" not in found["Resources"][0]

    removed = entra.patch(
        f"/Groups/{group}",
        patch_body({"op": "Remove", "path": "members", "value": [{"$ref": None, "value": a}]}),
    )
    assert removed.status_code == 204
    assert entra.get(check).json()["totalResults"] == 0
    members = entra.get(f"/Groups/{group}").json()["members"]
    assert sorted(m["value"] for m in members) == sorted([b, c])

    entra.patch(
        f"/Groups/{group}", patch_body({"op": "remove", "path": f'members[value eq "{b}"]'})
    )
    old_form = entra.get(f'/Groups?filter=id eq "{group}" and members eq "{c}"').json()
    assert old_form["totalResults"] == 1
    assert [m["value"] for m in entra.get(f"/Groups/{group}").json()["members"]] == [c]

    assert entra.delete(f"/Groups/{group}").status_code == 204
    assert entra.get(f"/Groups/{group}").status_code == 404


def test_get_group_excluding_members_and_rename(entra: Tenant) -> None:
    """§5.2/§5.4: GET with excludedAttributes=members has no members; Replace displayName → 204."""
    group = create_group(entra, "Sales")
    user = create_user(entra, "s@contoso.com")["id"]
    entra.patch(
        f"/Groups/{group}", patch_body({"op": "Add", "path": "members", "value": [{"value": user}]})
    )
    read = entra.get(f"/Groups/{group}?excludedAttributes=members").json()
    assert "members" not in read
    assert read["displayName"] == "Sales"
    renamed = entra.patch(
        f"/Groups/{group}",
        patch_body({"op": "Replace", "path": "displayName", "value": "Sales EMEA"}),
    )
    assert renamed.status_code == 204
    after = entra.get(f"/Groups/{group}").json()
    assert after["displayName"] == "Sales EMEA"
    assert [m["value"] for m in after["members"]] == [user]


def test_match_group_by_display_name(entra: Tenant) -> None:
    """§5.3: the group lookup by displayName returns the group without members."""
    group = create_group(entra, "Finance")
    found = entra.get('/Groups?excludedAttributes=members&filter=displayName eq "Finance"').json()
    assert [r["id"] for r in found["Resources"]] == [group]


def test_duplicate_group_name_gets_409(entra: Tenant) -> None:
    """Group displayName is unique per directory (Entra matches groups on it)."""
    create_group(entra, "Ops")
    response = entra.post(
        "/Groups",
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "ops"},
    )
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"


def test_unknown_member_is_refused_and_nothing_applied(entra: Tenant) -> None:
    """A member id that does not exist gets 400 invalidValue naming it; valid ones are not added."""
    group = create_group(entra, "Legal")
    user = create_user(entra, "l@contoso.com")["id"]
    response = entra.patch(
        f"/Groups/{group}",
        patch_body(
            {"op": "Add", "path": "members", "value": [{"value": user}, {"value": "ghost"}]}
        ),
    )
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert "ghost" in response.json()["detail"]
    assert entra.get(f"/Groups/{group}").json()["members"] == []


def test_paging_honours_start_index_and_count(entra: Tenant) -> None:
    """Reference-code Postman check: startIndex=1&count=2 answers itemsPerPage 2."""
    for i in range(3):
        create_user(entra, f"p{i}@contoso.com")
    page = entra.get("/Users?startIndex=1&count=2").json()
    assert page["itemsPerPage"] == 2
    assert page["totalResults"] == 3
    assert page["startIndex"] == 1
    rest = entra.get("/Users?startIndex=3&count=2").json()
    assert [r["userName"] for r in rest["Resources"]] == ["p2@contoso.com"]


def test_replace_username_and_collision(entra: Tenant) -> None:
    """§4.6: Replace userName renames; renaming onto another user's name answers 409."""
    user = create_user(entra, "old.name@contoso.com")
    create_user(entra, "taken.name@contoso.com")
    renamed = entra.patch(
        f"/Users/{user['id']}",
        patch_body({"op": "Replace", "path": "userName", "value": "new.name@contoso.com"}),
    )
    assert renamed.status_code == 200
    assert entra.get('/Users?filter=userName eq "new.name@contoso.com"').json()["totalResults"] == 1
    assert entra.get('/Users?filter=userName eq "old.name@contoso.com"').json()["totalResults"] == 0
    clash = entra.patch(
        f"/Users/{user['id']}",
        patch_body({"op": "Replace", "path": "userName", "value": "Taken.Name@contoso.com"}),
    )
    assert clash.status_code == 409
    assert clash.json()["scimType"] == "uniqueness"


def test_reactivate_with_string_true(entra: Tenant) -> None:
    """Entra's periodic Replace active "True" reactivates a disabled user (sentry-docs#16258)."""
    user = create_user(entra, "back@contoso.com")
    entra.patch(
        f"/Users/{user['id']}", patch_body({"op": "Replace", "path": "active", "value": "False"})
    )
    again = entra.patch(
        f"/Users/{user['id']}", patch_body({"op": "Replace", "path": "active", "value": "True"})
    )
    assert again.json()["active"] is True
