"""Set up scimdir's side of a run: a database, directories with their secrets, seeded users.

Users are written by ``scimdir.devtools.seed`` (bulk inserts, documents built by the same parser
the API uses), not over HTTP, so that seeding 100,000 users takes seconds and is not part of any
measurement. Names: ``user{i:07d}@example.test``, ``ext-{i:07d}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from scimdir.composition import Services, build_services
from scimdir.devtools.seed import seed_directory
from scimdir.settings import Settings


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


def seed_users(services: Services, directory_id: str, users: int) -> list[str]:
    """Seed ``users`` users into ``directory_id`` and return their ids, in index order."""
    result = seed_directory(services.storage, directory_id, users=users, group_sizes=[])
    return [result.user_id(i) for i in range(users)]


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
