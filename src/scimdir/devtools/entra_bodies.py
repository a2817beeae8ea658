"""Request bodies shaped as Microsoft Entra ID sends them, for tests and benchmarks.

Developer tool: the server never uses it. The shapes are those of ``docs/idp/entra.md``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["entra_user"]


def entra_user(name: str = "alice@contoso.com", **extra: Any) -> dict[str, Any]:
    """A user as Entra POSTs it with the recommended mappings (docs/idp/entra.md §4.2); ``extra``
    replaces or adds top-level attributes."""
    body: dict[str, Any] = {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ],
        "externalId": f"ext-{name}",
        "userName": name,
        "active": True,
        "displayName": name.split("@", maxsplit=1)[0].title(),
        "emails": [{"primary": True, "type": "work", "value": name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Alice Smith", "familyName": "Smith", "givenName": "Alice"},
        "roles": [],
    }
    body.update(extra)
    return body
