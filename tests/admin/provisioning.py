"""Test helpers: provision users and groups through the real SCIM API of an in-process console."""

from __future__ import annotations

from typing import Any

from scimdir.service.directories import CreatedDirectory
from tests.admin.conftest import Console

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def new_directory(console: Console, name: str = "Acme") -> CreatedDirectory:
    """A new Entra directory with its secret."""
    return console.services.directories.create(name, "entra")


def scim(
    console: Console, created: CreatedDirectory, method: str, path: str, body: object = None
) -> Any:
    """One SCIM request with the directory's secret; the response (log flushed after it)."""
    response = console.client.request(
        method,
        f"/scim/{created.directory.id}/v2{path}",
        json=body,
        headers={"Authorization": f"Bearer {created.secret}"},
    )
    console.services.log_sink.flush()
    return response


def provision_user(
    console: Console, created: CreatedDirectory, user_name: str, **extra: object
) -> str:
    """POST a user (with an e-mail unless ``emails`` is given); its id."""
    body: dict[str, object] = {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "displayName": user_name.split("@", maxsplit=1)[0].title(),
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        **extra,
    }
    response = scim(console, created, "POST", "/Users", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def provision_group(
    console: Console, created: CreatedDirectory, name: str, members: list[str]
) -> str:
    """POST a group with these user ids as members; its id."""
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": m} for m in members],
    }
    response = scim(console, created, "POST", "/Groups", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
