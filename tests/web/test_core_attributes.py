"""Every RFC 7643 §4.1 core User attribute an IdP may send is stored, returned, replaced, patched
and projected, on SQLite and PostgreSQL; a malformed one is refused, never dropped.

Entra's ``roles`` shapes come from Microsoft Learn, "Provisioning a role to a SCIM app"
(https://learn.microsoft.com/en-us/entra/identity/app-provisioning/customize-application-attributes#provisioning-a-role-to-a-scim-app)
and the PATCH requests a customer captured
(https://learn.microsoft.com/en-za/answers/questions/671361/patch-behaviour-when-provisioning-custom-roles-wit):
an ``add`` of every assigned role, with the ones already stored sent again.
"""

from __future__ import annotations

from typing import Any

import pytest

from scimdir.devtools.entra_bodies import entra_user

from .conftest import Tenant

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _role(value: str, display: str | None = None) -> dict[str, Any]:
    """A role as Entra's AppRoleAssignmentsComplex sends it."""
    return {
        "primary": False,
        "type": "WindowsAzureActiveDirectoryRole",
        "display": display or value.title(),
        "value": value,
    }


# attribute -> (value on create, value for PUT/PATCH replace)
CASES: dict[str, tuple[Any, Any]] = {
    "roles": ([_role("role1"), _role("role2")], [_role("role3")]),
    "entitlements": (
        [{"value": "license-e5", "display": "E5", "type": "license", "primary": True}],
        [{"value": "license-e3"}],
    ),
    "phoneNumbers": (
        [{"value": "+1 555 0100", "type": "work", "primary": True}, {"value": "+1 555 0199"}],
        [{"value": "tel:+49-30-1234", "type": "mobile"}],
    ),
    "addresses": (
        [
            {
                "type": "work",
                "streetAddress": "1 Main St",
                "locality": "Seattle",
                "region": "WA",
                "postalCode": "98101",
                "country": "US",
                "formatted": "1 Main St\nSeattle, WA 98101 US",
                "primary": True,
            }
        ],
        [{"country": "DE", "locality": "Berlin", "type": "home"}],
    ),
    "ims": ([{"value": "alice_skype", "type": "skype"}], [{"value": "alice@xmpp.org"}]),
    "photos": (
        [{"value": "https://photos.example.com/alice.jpg", "type": "photo"}],
        [{"value": "https://photos.example.com/alice-t.jpg", "type": "thumbnail"}],
    ),
    "x509Certificates": (
        [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
        [{"value": "MIIB"}],
    ),
    "title": ("Tour Guide", "Senior Tour Guide"),
    "userType": ("Employee", "Contractor"),
    "preferredLanguage": ("en-US", "de-DE,de;q=0.9"),
    "locale": ("en-US", "fr-CA"),
    "timezone": ("America/Los_Angeles", "Europe/Berlin"),
    "nickName": ("Babs", "Bab"),
    "profileUrl": ("https://login.example.com/bjensen", "https://login.example.com/b"),
}
ATTRIBUTES = sorted(CASES)


def _create(tenant: Tenant, name: str, **extra: Any) -> dict[str, Any]:
    created = tenant.post("/Users", entra_user(name, **extra))
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_attribute_round_trips_through_post_get_put_patch_and_projection(
    entra: Tenant, attribute: str
) -> None:
    """POST, GET, PUT, PATCH replace/remove and attributes/excludedAttributes keep the value."""
    first, second = CASES[attribute]
    user = _create(entra, f"{attribute.lower()}@contoso.com", **{attribute: first})
    path = f"/Users/{user['id']}"
    got = entra.get(path).json()

    put_body = entra_user(f"{attribute.lower()}@contoso.com", **{attribute: second})
    put = entra.put(path, put_body).json()

    patched = entra.patch(
        path,
        {"schemas": [PATCH], "Operations": [{"op": "replace", "path": attribute, "value": first}]},
    )
    after_patch = entra.get(path).json()
    only = entra.get(path, params={"attributes": attribute}).json()
    without = entra.get(path, params={"excludedAttributes": attribute}).json()
    removed = entra.patch(
        path, {"schemas": [PATCH], "Operations": [{"op": "remove", "path": attribute}]}
    )
    after_remove = entra.get(path).json()
    assert (
        user[attribute],
        got[attribute],
        put[attribute],
        patched.status_code,
        after_patch[attribute],
        set(only) - {"schemas", "id", "meta"},
        attribute in without,
        removed.status_code,
        attribute in after_remove,
    ) == (first, first, second, 200, first, {attribute}, False, 200, False)


def test_enterprise_cost_center_organization_division_round_trip(entra: Tenant) -> None:
    """The enterprise attributes that gained indexes are stored and returned as sent."""
    ext = {"costCenter": "CC-4130", "organization": "Contoso", "division": "Cloud"}
    user = _create(entra, "ent@contoso.com", **{ENT: ext})
    got = entra.get(f"/Users/{user['id']}").json()
    assert (user[ENT], got[ENT]) == (ext, ext)


def test_entra_roles_add_resends_assigned_roles_without_duplicates(entra: Tenant) -> None:
    """Entra's `add` of every assigned role (old ones again) leaves each role once, in order."""
    user = _create(entra, "roles-add@contoso.com", roles=[_role("role1"), _role("role2")])
    op = {
        "op": "Add",
        "path": "roles",
        "value": [_role("role1"), _role("role2"), _role("role3")],
    }
    answer = entra.patch(f"/Users/{user['id']}", {"schemas": [PATCH], "Operations": [op]})
    got = entra.get(f"/Users/{user['id']}").json()
    assert (answer.status_code, got["roles"]) == (
        200,
        [_role("role1"), _role("role2"), _role("role3")],
    )


def test_entra_roles_remove_by_value_filter(entra: Tenant) -> None:
    """`remove roles[value eq "role1"]` removes only that role."""
    user = _create(entra, "roles-rm@contoso.com", roles=[_role("role1"), _role("role2")])
    op = {"op": "Remove", "path": 'roles[value eq "role1"]'}
    answer = entra.patch(f"/Users/{user['id']}", {"schemas": [PATCH], "Operations": [op]})
    got = entra.get(f"/Users/{user['id']}").json()
    assert (answer.status_code, got["roles"]) == (200, [_role("role2")])


def test_entra_assertive_roles_replace_the_whole_list(entra: Tenant) -> None:
    """AssertiveAppRoleAssignmentsComplex sends `Replace` on roles: the list becomes the value."""
    user = _create(entra, "roles-replace@contoso.com", roles=[_role("role1"), _role("role2")])
    op = {"op": "Replace", "path": "roles", "value": [_role("role9")]}
    entra.patch(f"/Users/{user['id']}", {"schemas": [PATCH], "Operations": [op]})
    got = entra.get(f"/Users/{user['id']}").json()
    assert got["roles"] == [_role("role9")]


def test_entra_role_with_a_json_string_value_is_stored_as_that_string(entra: Tenant) -> None:
    """Entra's documented role whose value is a JSON string keeps that string as the value."""
    value = '{"id":"8e4d0d3e","value":"25","displayName":"Role1234"}'
    user = _create(entra, "roles-json@contoso.com")
    op = {"op": "Add", "path": "roles", "value": [{"value": value}]}
    entra.patch(f"/Users/{user['id']}", {"schemas": [PATCH], "Operations": [op]})
    got = entra.get(f"/Users/{user['id']}").json()
    assert got["roles"] == [{"value": value}]


def test_entra_empty_roles_mean_no_roles(entra: Tenant) -> None:
    """Entra's `"roles": []` on create stores no roles (RFC 7643 §2.5: unassigned)."""
    user = _create(entra, "roles-empty@contoso.com", roles=[])
    assert "roles" not in entra.get(f"/Users/{user['id']}").json()


@pytest.mark.parametrize(
    ("attribute", "value", "detail"),
    [
        ("roles", [{"value": 25}], "roles[0].value must be a JSON string"),
        ("roles", {"value": "r"}, "roles must be a JSON array"),
        ("phoneNumbers", [{"value": "+1", "primary": "yes"}], "phoneNumbers[0].primary"),
        ("phoneNumbers", [{"number": "+1"}], "phoneNumbers[0] has no sub-attribute"),
        ("addresses", [{"country": ["US"]}], "addresses[0].country must be a JSON string"),
        ("ims", ["alice"], "ims[0] must be a JSON object of sub-attributes"),
        ("photos", [{"value": 1}], "photos[0].value must be a JSON string"),
        ("x509Certificates", [{"value": True}], "x509Certificates[0].value must be"),
        ("entitlements", [{"value": "e", "extra": 1}], "entitlements[0] has no sub-attribute"),
        ("title", 5, "title must be a JSON string"),
        ("userType", ["Employee"], "userType must be a JSON string"),
        ("preferredLanguage", {"tag": "en"}, "preferredLanguage must be a JSON string"),
        ("locale", False, "locale must be a JSON string"),
        ("timezone", 1.5, "timezone must be a JSON string"),
        ("nickName", ["x"], "nickName must be a JSON string"),
        ("profileUrl", 7, "profileUrl must be a JSON string"),
    ],
)
def test_malformed_core_attribute_is_refused_with_its_name(
    entra: Tenant, attribute: str, value: Any, detail: str
) -> None:
    """A value of the wrong type or with an unknown sub-attribute is a 400 naming the attribute."""
    answer = entra.post("/Users", entra_user("bad@contoso.com", **{attribute: value}))
    body = answer.json()
    assert (answer.status_code, body.get("scimType"), detail in body.get("detail", "")) == (
        400,
        "invalidValue",
        True,
    ), body


def test_canonical_values_are_advisory(entra: Tenant) -> None:
    """RFC 7643 §2.4: a type outside the canonical values (a "satellite" phone) is kept."""
    phones = [{"value": "+881 631 000", "type": "satellite"}]
    user = _create(entra, "sat@contoso.com", phoneNumbers=phones)
    assert entra.get(f"/Users/{user['id']}").json()["phoneNumbers"] == phones


def test_entra_default_mapping_patch_paths_fill_phones_and_address(entra: Tenant) -> None:
    """Entra's default mappings PATCH `phoneNumbers[type eq "work"].value` and
    `addresses[type eq "work"].country` (docs/idp/entra.md): they are stored and filterable."""
    user = _create(entra, "paths@contoso.com")
    ops = [
        {"op": "Add", "path": 'phoneNumbers[type eq "work"].value', "value": "+1 425 555 0100"},
        {"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 425 555 0199"},
        {"op": "Add", "path": 'addresses[type eq "work"].locality', "value": "Redmond"},
        {"op": "Add", "path": 'addresses[type eq "work"].country', "value": "US"},
        {"op": "Replace", "path": "title", "value": "Program Manager"},
    ]
    answer = entra.patch(f"/Users/{user['id']}", {"schemas": [PATCH], "Operations": ops})
    got = entra.get(f"/Users/{user['id']}").json()
    filters = [
        'phoneNumbers[value eq "+1 425 555 0199"]',
        'addresses.country eq "us"',
        'title eq "program manager"',
    ]
    found = [
        [r["id"] for r in entra.get("/Users", params={"filter": f}).json()["Resources"]]
        for f in filters
    ]
    assert (answer.status_code, got["phoneNumbers"], got["addresses"], found) == (
        200,
        [
            {"type": "work", "value": "+1 425 555 0100"},
            {"type": "mobile", "value": "+1 425 555 0199"},
        ],
        [{"type": "work", "locality": "Redmond", "country": "US"}],
        [[user["id"]], [user["id"]], [user["id"]]],
    )


FILTERS = [
    ('title eq "tour guide"', "title"),
    ('userType eq "EMPLOYEE"', "userType"),
    ('phoneNumbers.value eq "+1 555 0199"', "phoneNumbers"),
    ('phoneNumbers[value sw "+1 555"]', "phoneNumbers"),
    ('addresses.country eq "us"', "addresses"),
    (f'{ENT}:costCenter eq "cc-4130"', ENT),
    (f'{ENT}:organization sw "cont"', ENT),
    (f"{ENT}:division pr", ENT),
]


@pytest.mark.parametrize(("text_filter", "attribute"), FILTERS)
def test_new_filters_find_the_user_that_has_the_value(
    entra: Tenant, text_filter: str, attribute: str
) -> None:
    """GET /Users?filter= on each newly indexed attribute finds the user holding it, only it."""
    values = {**{a: CASES[a][0] for a in CASES}}
    values[ENT] = {"costCenter": "CC-4130", "organization": "Contoso", "division": "Cloud"}
    holder = _create(entra, "holder@contoso.com", **{attribute: values[attribute]})
    _create(entra, "other@contoso.com")
    page = entra.get("/Users", params={"filter": text_filter}).json()
    assert (page["totalResults"], [r["id"] for r in page["Resources"]]) == (1, [holder["id"]])


@pytest.mark.parametrize(
    "text_filter",
    ['nickName eq "Babs"', 'addresses.locality eq "Seattle"', 'phoneNumbers.type eq "work"'],
)
def test_unindexed_attributes_are_refused_with_the_filterable_list(
    entra: Tenant, text_filter: str
) -> None:
    """A filter on an attribute without an index is a 400 invalidFilter naming the indexed ones."""
    answer = entra.get("/Users", params={"filter": text_filter})
    body = answer.json()
    detail = body.get("detail", "")
    assert (
        answer.status_code,
        body.get("scimType"),
        "is not supported" in detail,
        all(key in detail for key in ("title", "phoneNumbers.value", "addresses.country")),
    ) == (400, "invalidFilter", True, True), body
