"""Set up scimdir's side of a run: a database, directories with their secrets, seeded users.

Users are written through the storage port in large transactions (``Storage.transaction`` and
``Transaction.insert_user``), not over HTTP, so that seeding 100,000 users takes seconds and is
not part of any measurement. Documents are built by the same parser the API uses
(``scimdir.scim.resource.parse_resource``), so a seeded user is the user an Entra POST would
have stored. Names follow ``scimdir.devtools.seed`` (``user{i:07d}@example.test``,
``ext-{i:07d}``); when that module exists it does the seeding instead of this fallback.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scimdir.scim.resource import parse_resource
from scimdir.scim.schema import USER_TYPE
from scimdir.service.ports import UserRecord
from scimdir.settings import Settings
from scimdir.web.app import Services, build_services

BATCH = 2000


@dataclass(frozen=True)
class Directory:
    """A seeded directory: where its SCIM API lives, its secret, and its users' ids in order."""

    id: str
    secret: str
    user_ids: list[str]

    @property
    def base_path(self) -> str:
        """The SCIM base path (the tenant URL without scheme and host)."""
        return f"/scim/{self.id}/v2"


def user_body(i: int) -> dict[str, Any]:
    """The seeded user ``i`` as an Entra POST body would carry it."""
    name = f"user{i:07d}@example.test"
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "externalId": f"ext-{i:07d}",
        "displayName": f"User {i}",
        "active": True,
        "emails": [{"value": name, "type": "work", "primary": True}],
        "name": {"givenName": "User", "familyName": f"{i:07d}"},
    }


def _batches(total: int) -> Iterator[range]:
    for start in range(0, total, BATCH):
        yield range(start, min(total, start + BATCH))


def _seed_users(services: Services, directory_id: str, users: int) -> list[str]:
    ids: list[str] = []
    for batch in _batches(users):
        with services.storage.transaction() as tx:
            for i in batch:
                now = services.runtime.clock()
                record = UserRecord(
                    id=services.runtime.new_id(),
                    directory_id=directory_id,
                    user_name=f"user{i:07d}@example.test",
                    document=dict(parse_resource(USER_TYPE, user_body(i)).document),
                    version=1,
                    created=now,
                    last_modified=now,
                )
                tx.insert_user(record)
                ids.append(record.id)
    return ids


def _ids_in_order(services: Services, directory_id: str, users: int) -> list[str]:
    """The ids of ``user0000000`` .. ``user{users-1}`` (after seeding by another module)."""
    ids: list[str] = []
    with services.storage.transaction() as tx:
        for i in range(users):
            found = tx.find_user_by_user_name(directory_id, f"user{i:07d}@example.test")
            if found is None:
                raise RuntimeError(f"seeded user {i} is missing from directory {directory_id}")
            ids.append(found.id)
    return ids


def seed_users(services: Services, directory_id: str, users: int) -> list[str]:
    """Seed ``users`` users into ``directory_id`` and return their ids, in index order."""
    try:
        module = importlib.import_module("scimdir.devtools.seed")
    except ModuleNotFoundError:
        return _seed_users(services, directory_id, users)
    module.seed_directory(services.storage, directory_id, users=users, group_sizes=[])
    return _ids_in_order(services, directory_id, users)


def prepare(database_url: str, sizes: dict[str, int]) -> dict[str, Directory]:
    """Migrate ``database_url`` and create one seeded directory per ``name: users`` entry."""
    services = build_services(Settings(database_url=database_url))
    try:
        services.storage.migrate()
        directories: dict[str, Directory] = {}
        for name, users in sizes.items():
            created = services.directories.create(f"bench {name}", "entra")
            directory_id = created.directory.id
            ids = seed_users(services, directory_id, users) if users else []
            directories[name] = Directory(directory_id, created.secret, ids)
        return directories
    finally:
        services.storage.dispose()
