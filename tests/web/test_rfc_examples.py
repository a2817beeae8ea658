"""RFC 7643 §8.3 (full enterprise user) and RFC 7644 §3.5.2 examples, end to end over the API."""

from __future__ import annotations

import copy
from typing import Any

from tests.web.conftest import Tenant
from tests.web.test_entra_conformance import patch_body

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# RFC 7643 §8.3, with the service-assigned and read-only parts (id, meta, groups) left out, as a
# client sends it, and userName, the x509 certificate and the photo URLs shortened.
RFC_USER: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
    "externalId": "701984",
    "userName": "bjensen@example.com",
    "name": {
        "formatted": "Ms. Barbara J Jensen, III",
        "familyName": "Jensen",
        "givenName": "Barbara",
        "middleName": "Jane",
        "honorificPrefix": "Ms.",
        "honorificSuffix": "III",
    },
    "displayName": "Babs Jensen",
    "nickName": "Babs",
    "profileUrl": "https://login.example.com/bjensen",
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "addresses": [
        {
            "type": "work",
            "streetAddress": "100 Universal City Plaza",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "USA",
            "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
            "primary": True,
        }
    ],
    "phoneNumbers": [
        {"value": "555-555-5555", "type": "work"},
        {"value": "555-555-4444", "type": "mobile"},
    ],
    "ims": [{"value": "someaimhandle", "type": "aim"}],
    "photos": [
        {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}
    ],
    "userType": "Employee",
    "title": "Tour Guide",
    "preferredLanguage": "en-US",
    "locale": "en-US",
    "timezone": "America/Los_Angeles",
    "active": True,
    "password": "t1meMa$heen",
    "x509Certificates": [
        {"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}
    ],
    ENTERPRISE: {
        "employeeNumber": "701984",
        "costCenter": "4130",
        "organization": "Universal Studios",
        "division": "Theme Park",
        "department": "Tour Operations",
        "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"},
    },
}


def test_full_enterprise_user_round_trips(entra: Tenant) -> None:
    """Every attribute of RFC 7643 §8.3 comes back as sent, except the write-only password and
    the manager's read-only displayName."""
    created = entra.post("/Users", RFC_USER)
    assert created.status_code == 201, created.text
    read = entra.get(f"/Users/{created.json()['id']}").json()
    expected = copy.deepcopy(RFC_USER)
    del expected["password"]
    del expected[ENTERPRISE]["manager"]["displayName"]
    assert {k: v for k, v in read.items() if k not in ("id", "meta")} == expected
    assert read["meta"]["resourceType"] == "User"


def test_rfc_7644_patch_examples(entra: Tenant) -> None:
    """RFC 7644 §3.5.2.1-3: add to a multi-valued attribute, replace a filtered value's
    sub-attribute, remove a filtered value."""
    user = entra.post("/Users", RFC_USER).json()
    path = f"/Users/{user['id']}"
    added = entra.patch(
        path,
        patch_body(
            {"op": "add", "path": "emails", "value": [{"value": "b@example.org", "type": "other"}]}
        ),
    ).json()
    assert [e["value"] for e in added["emails"]] == [
        "bjensen@example.com",
        "babs@jensen.org",
        "b@example.org",
    ]
    replaced = entra.patch(
        path,
        patch_body(
            {"op": "replace", "path": 'addresses[type eq "work"].streetAddress', "value": "1 Main"}
        ),
    ).json()
    assert replaced["addresses"][0]["streetAddress"] == "1 Main"
    assert replaced["addresses"][0]["locality"] == "Hollywood"
    removed = entra.patch(
        path, patch_body({"op": "remove", "path": 'emails[type eq "home"]'})
    ).json()
    assert [e["type"] for e in removed["emails"]] == ["work", "other"]
