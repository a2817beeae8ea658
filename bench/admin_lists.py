"""The admin's lists at scale: ``python -m bench.admin_lists [--users N] [--database-url URL]``.

Seeds one directory with ``--users`` synthetic users (default 1,000,000; ``scimdir.devtools.seed``:
``user0000000@example.test``, displayName ``User 0``), then times pages of
:class:`scimdir.service.admin_users.AdminUserService` (what ``GET /api/v1/directories/{id}/users``
and ``scimdir user list`` call): the first page, a page after 90 % of the users by cursor, and
searches matching many users, one user, none, and a displayName. Prints the median and the
maximum of 20 runs each. Without ``--database-url`` it uses a temporary SQLite file, removed at
the end; the directory it creates is deleted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from scimdir.devtools.seed import seed_directory
from scimdir.service.admin_users import AdminUserService, UserPage
from scimdir.service.browsing import encode_cursor
from scimdir.service.directories import DirectoryService
from scimdir.service.ports import BrowseCursor
from scimdir.service.runtime import Runtime
from scimdir.storage.sql import SqlStorage

_RUNS = 20


def _time(label: str, call: Callable[[], UserPage]) -> None:
    call()
    samples = []
    for _ in range(_RUNS):
        start = time.perf_counter()
        page = call()
        samples.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:48s} {statistics.median(samples):8.2f} ms {max(samples):8.2f} ms"
        f" {len(page.items):6d}"
    )


def run(url: str, users: int) -> None:
    """Seed ``users`` users at ``url`` and print the timings."""
    storage = SqlStorage(url)
    storage.migrate()
    directories = DirectoryService(storage, Runtime())
    directory_id = directories.create("admin lists bench").directory.id
    try:
        seeded = seed_directory(storage, directory_id, users=users, group_sizes=[])
        print(f"seeded {seeded.users} users in {seeded.seconds:.0f} s ({storage.dialect})")
        service = AdminUserService(storage, Runtime())
        deep = encode_cursor(BrowseCursor(0, (f"user{users * 9 // 10:07d}@example.test",)))
        print(f"{'page of 50':48s} {'median':>11s} {'max':>11s} {'items':>6s}")
        _time("first page, no search", lambda: service.browse(directory_id))
        _time("after 90 % of the users (cursor)", lambda: service.browse(directory_id, cursor=deep))
        tenth = f"user{users // 10:07d}"[:6]
        _time(
            f"search {tenth!r} (many users)",
            lambda: service.browse(directory_id, search=tenth),
        )
        one = f"user{users // 3:07d}"
        _time(
            f"search {one!r} (one user, all stages)",
            lambda: service.browse(directory_id, search=one),
        )
        _time(
            "search 'nobody' (no match, all stages)",
            lambda: service.browse(directory_id, search="nobody"),
        )
        _time(
            "search 'User 12345' (displayName stage)",
            lambda: service.browse(directory_id, search="User 12345"),
        )
    finally:
        directories.delete(directory_id)
        storage.dispose()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        run(args.database_url, args.users)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.db'}", args.users)


if __name__ == "__main__":
    main()
