"""Workload 3: one group grows by Entra-shaped member PATCHes; single-member costs along the way.

Entra creates a group empty, then adds members with ``PATCH Add members`` carrying several values
(``docs/idp/entra.md`` §5.5; batches of 50 here), removes them with the
value-array form ``{"op":"Remove","path":"members","value":[{"value":id}]}`` (§5.6) and checks
membership with ``GET /Groups?excludedAttributes=members&filter=id eq "G" and members[value eq
"U"]`` (§4 table). At each checkpoint size the runner times, one request at a time on one
keep-alive connection, adding one user, removing it again and the membership check. Single
requests are latencies, not throughput, so a plain ``http.client`` loop is the client here (its
own cost is a constant few tens of microseconds per request). Growth stops at a time budget, so
a server that gets slower per PATCH as the group grows (the peer) cannot stall the run.
"""

from __future__ import annotations

import http.client
import json
import statistics
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

BATCH = 50
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class Checkpoint:
    """Latencies (ms) of the single-member operations at one group size."""

    size: int
    add_ms: list[float] = field(default_factory=list)
    remove_ms: list[float] = field(default_factory=list)
    check_ms: list[float] = field(default_factory=list)
    fill_members_per_s: float = 0.0


class ScimClient:
    """A keep-alive connection that sends SCIM requests and fails loudly on a non-2xx answer."""

    def __init__(self, port: int, base: str, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.base = base
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/scim+json; charset=utf-8",
        }

    def send(self, method: str, path: str, body: Any = None) -> tuple[float, bytes]:
        """Send one request; return its latency in ms and the response body."""
        raw = None if body is None else json.dumps(body).encode()
        started = time.perf_counter()
        self.conn.request(method, self.base + path, body=raw, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if not 200 <= response.status < 300:
            raise RuntimeError(f"{method} {path} -> {response.status}: {data[:300]!r}")
        return elapsed, data

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def members_patch(op: str, ids: list[str]) -> dict[str, Any]:
    """Entra's member PATCH: one operation, the ids as a value array."""
    values = [{"value": i} for i in ids]
    return {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": op, "path": "members", "value": values}],
    }


def remove_one(user_id: str, *, filtered: bool) -> dict[str, Any]:
    """Remove one member: Entra's default value-array form, or the RFC path-filter form.

    The filter form (``members[value eq "id"]``) is what Entra sends with the
    ``aadOptscim062020`` flag (docs/idp/entra.md §6); servers that refuse a valueful ``remove``
    of ``members`` (the peer does, 400 ``invalidValue``) get that one.
    """
    if not filtered:
        return members_patch("Remove", [user_id])
    operation = {"op": "Remove", "path": f'members[value eq "{user_id}"]'}
    return {"schemas": [PATCH_SCHEMA], "Operations": [operation]}


def check_path(group_id: str, user_id: str) -> str:
    """Entra's membership check as a request path (form-encoded like Entra sends it)."""
    query = urllib.parse.urlencode(
        {
            "excludedAttributes": "members",
            "filter": f'id eq "{group_id}" and members[value eq "{user_id}"]',
        }
    )
    return f"/Groups?{query}"


def grow_and_measure(
    client: ScimClient,
    pool: list[str],
    checkpoints: list[int],
    *,
    reps: int,
    op_budget_s: float,
    fill_budget_s: float,
    name: str,
    filtered_remove: bool = False,
) -> list[Checkpoint]:
    """Create a group, grow it to each checkpoint, and time single-member operations there.

    ``pool`` must hold more ids than the largest checkpoint: the ones past it are the users that
    are added and removed again. Checkpoints not reached within ``fill_budget_s`` are dropped.
    """
    spare = pool[max(checkpoints) :]
    if not spare:
        raise ValueError("the pool needs users beyond the largest checkpoint")
    _, data = client.send(
        "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": f"bench {name}"}
    )
    group_id: str = json.loads(data)["id"]
    results: list[Checkpoint] = []
    size = 0
    fill_spent = 0.0
    for target in sorted(checkpoints):
        started = time.perf_counter()
        while size < target and fill_spent + time.perf_counter() - started < fill_budget_s:
            chunk = pool[size : min(target, size + BATCH)]
            client.send("PATCH", f"/Groups/{group_id}", members_patch("Add", chunk))
            size += len(chunk)
        spent = time.perf_counter() - started
        fill_spent += spent
        if size < target:
            break
        grown = target - (results[-1].size if results else 0)
        point = Checkpoint(target, fill_members_per_s=grown / spent if spent else 0.0)
        deadline = time.perf_counter() + op_budget_s
        for k in range(reps):
            user = spare[k % len(spare)]
            addition = members_patch("Add", [user])
            point.add_ms.append(client.send("PATCH", f"/Groups/{group_id}", addition)[0])
            removal = remove_one(user, filtered=filtered_remove)
            point.remove_ms.append(client.send("PATCH", f"/Groups/{group_id}", removal)[0])
            point.check_ms.append(client.send("GET", check_path(group_id, pool[0]))[0])
            if time.perf_counter() > deadline:
                break
        results.append(point)
    return results


def p50(values: list[float]) -> float:
    """The median, 0 for no values."""
    return statistics.median(values) if values else 0.0


def p99(values: list[float]) -> float:
    """The 99th percentile (nearest rank), 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
