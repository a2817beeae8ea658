"""Measurements of ``bench.scale``: median latencies of single SCIM requests over real HTTP.

Every figure is the median of ``repeat`` sequential requests on one keep-alive connection (one
client, no concurrency: this measures cost per request, not throughput), each request a
different user so no cache of one row flatters the result.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass(frozen=True)
class Tenant:
    """A seeded directory as the benchmark addresses it."""

    id: str
    secret: str
    users: int
    big_group: str | None
    small_group: str
    user_id: Callable[[int], str]


def median_ms(repeat: int, call: Callable[[int], httpx.Response], expect: int = 200) -> float:
    """The median wall time of ``call(k)`` for ``k`` in ``range(repeat)``, in milliseconds."""
    times: list[float] = []
    for k in range(repeat):
        started = time.perf_counter()
        response = call(k)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != expect:
            raise RuntimeError(f"{response.request.url} -> {response.status_code}: {response.text}")
    return statistics.median(times)


class Client:
    """Requests to one server for one tenant."""

    def __init__(self, http: httpx.Client, base_url: str, tenant: Tenant) -> None:
        self.http = http
        self.base = f"{base_url}/scim/{tenant.id}/v2"
        self.headers = {"Authorization": f"Bearer {tenant.secret}"}
        self.tenant = tenant
        self.rng = random.Random(7)

    def get(self, path: str, **params: str | int) -> httpx.Response:
        return self.http.get(self.base + path, params=params, headers=self.headers)

    def patch_members(self, group_id: str, op: str, user_id: str) -> httpx.Response:
        body = {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": op, "path": "members", "value": [{"value": user_id}]}],
        }
        return self.http.patch(f"{self.base}/Groups/{group_id}", json=body, headers=self.headers)

    def some_user(self) -> int:
        return self.rng.randrange(self.tenant.users)

    def by_user_name(self, _k: int) -> httpx.Response:
        return self.get("/Users", filter=f'userName eq "user{self.some_user():07d}@example.test"')

    def by_external_id(self, _k: int) -> httpx.Response:
        return self.get("/Users", filter=f'externalId eq "ext-{self.some_user():07d}"')

    def membership_check(self, group_id: str) -> Callable[[int], httpx.Response]:
        """Entra's check: ``id eq G and members[value eq U]`` (docs/idp/entra.md §5)."""

        def call(_k: int) -> httpx.Response:
            user = self.tenant.user_id(self.some_user())
            return self.get(
                "/Groups",
                filter=f'id eq "{group_id}" and members[value eq "{user}"]',
                excludedAttributes="members",
            )

        return call


def add_remove(
    client: Client, groups: tuple[str, str], outsiders: tuple[range, range], repeat: int
) -> tuple[float, float, float, float]:
    """Median ms of adding a non-member to each group, then removing it again.

    Big and small group alternate request by request (which one goes first alternates too),
    after ``repeat // 5`` unmeasured warm-up rounds: both see the same cache warmth, so the
    ratio measures the work each change does, not which group ran first on a cold cache.
    Returns ``(big add, small add, big remove, small remove)``.
    """
    times: list[list[float]] = [[], [], [], []]
    warmup = max(1, repeat // 5)
    for k in range(warmup + repeat):
        order = [0, 1] if k % 2 else [1, 0]
        for g in order:
            user = client.tenant.user_id(client.rng.choice(outsiders[g]))
            for slot, op in ((g, "add"), (2 + g, "remove")):
                started = time.perf_counter()
                response = client.patch_members(groups[g], op, user)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 204:
                    raise RuntimeError(f"PATCH {op} -> {response.status_code}: {response.text}")
                if k >= warmup:
                    times[slot].append(elapsed)
    big_add, small_add, big_rm, small_rm = (statistics.median(t) for t in times)
    return big_add, small_add, big_rm, small_rm


def sequential_pages(client: Client, start: int, pages: int, count: int = 100) -> float:
    """Median ms of ``pages`` consecutive pages after the one at ``start`` (Okta's import).

    The page at ``start`` itself is requested first and not measured; each measured page
    continues where the previous one ended, as an import does.
    """
    client.get("/Users", startIndex=start, count=count)
    return median_ms(
        pages, lambda k: client.get("/Users", startIndex=start + count * (k + 1), count=count)
    )
