"""A provisioning load that records what every request answered, for the crash tests.

Each client thread repeats one of three user lifecycles (by iteration number ``i % 3``):

- **kept**: POST a user, re-POST the same userName (409 ``uniqueness``), PATCH group B with that
  user *and a member that does not exist* (400: nothing of it may be applied), PATCH group A to
  add the user;
- **deleted**: POST a user, DELETE it;
- **member, then deleted**: POST a user, add it to group B, DELETE it (the membership goes with it).

Every answer goes into the :class:`Journal`. A 5xx answer is a failed request (it must have
changed nothing); any other answer the load does not expect is recorded as such. A request cut
by the server's death (any transport error) has an unknown outcome: the thread records it and
stops. What the journal knows is what the database must agree with after the restart
(``consistency.py``).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
KEPT, DELETED, MEMBER_DELETED = 0, 1, 2


def user_body(user_name: str) -> dict[str, Any]:
    """A user with the attributes the Entra preset requires and two e-mails (two rows)."""
    local = user_name.split("@", maxsplit=1)[0]
    return {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "externalId": f"ext-{user_name}",
        "displayName": f"Display {local}",
        "name": {"givenName": "Given", "familyName": f"Family {local}"},
        "emails": [
            {"value": user_name, "type": "work", "primary": True},
            {"value": f"home-{user_name}", "type": "home"},
        ],
        "active": True,
    }


def add_members(*ids: str) -> dict[str, Any]:
    """A group PATCH adding ``ids`` (Entra's shape)."""
    return {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "Add", "path": "members", "value": [{"value": i} for i in ids]}],
    }


@dataclass
class Journal:
    """What the clients were told. Sets of user ids unless said otherwise."""

    created: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> POSTed body (201)
    kind: dict[str, int] = field(default_factory=dict)  # id -> lifecycle
    added: dict[str, set[str]] = field(default_factory=lambda: {"A": set(), "B": set()})  # 204
    add_attempts: Counter[str] = field(default_factory=Counter)  # group -> PATCHes sent
    refused_adds: set[str] = field(default_factory=set)  # 400 for [user, missing member] on B
    deleted: set[str] = field(default_factory=set)  # 204
    delete_unknown: set[str] = field(default_factory=set)  # DELETE cut by the kill
    conflicts: int = 0  # 409 uniqueness for the re-POST
    failed_posts: set[str] = field(default_factory=set)  # userNames answered 5xx
    failed_adds: set[str] = field(default_factory=set)  # users whose member add got 5xx
    failed_deletes: set[str] = field(default_factory=set)  # users whose DELETE got 5xx
    unexpected: list[str] = field(default_factory=list)  # answers the load never expects
    cut: int = 0  # requests cut by the kill
    lock: threading.Lock = field(default_factory=threading.Lock)


class ServerGone(Exception):
    """The server stopped answering (it was killed)."""


@dataclass
class LoadClient:
    """One client thread's view of the tenant."""

    client: httpx.Client
    base: str  # the tenant URL
    secret: str
    groups: dict[str, str]  # "A"/"B" -> group id
    journal: Journal

    def _send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        try:
            return self.client.request(
                method,
                f"{self.base}{path}",
                json=body,
                headers={"Authorization": f"Bearer {self.secret}"},
            )
        except httpx.TransportError as exc:
            with self.journal.lock:
                self.journal.cut += 1
            raise ServerGone from exc

    def _expect(
        self,
        response: httpx.Response,
        *statuses: int,
        failed: set[str] | None = None,
        key: str = "",
    ) -> bool:
        """Whether the answer is one of ``statuses``; a 5xx is a failed request (recorded under
        ``key`` in ``failed``: it must have left nothing), anything else is unexpected."""
        if response.status_code in statuses:
            return True
        with self.journal.lock:
            if response.status_code >= 500 and failed is not None:
                failed.add(key)
                return False
            self.journal.unexpected.append(
                f"{response.request.method} {response.request.url.path}: "
                f"{response.status_code} {response.text[:300]}"
            )
        return False

    def run(self, thread: int, stop: threading.Event) -> None:
        """Run lifecycles until ``stop`` is set or the server is gone."""
        i = 0
        try:
            while not stop.is_set():
                self.lifecycle(f"t{thread}-{i}@crash.test", i % 3)
                i += 1
        except ServerGone:
            return

    def lifecycle(self, user_name: str, kind: int) -> None:
        """One user's lifecycle (see the module docstring)."""
        body = user_body(user_name)
        created = self._send("POST", "/Users", body)
        if not self._expect(created, 201, failed=self.journal.failed_posts, key=user_name):
            return
        user_id: str = created.json()["id"]
        with self.journal.lock:
            self.journal.created[user_id] = body
            self.journal.kind[user_id] = kind
        if kind == KEPT:
            again = self._send("POST", "/Users", body)
            if self._expect(again, 409):
                with self.journal.lock:
                    self.journal.conflicts += 1
            refused = self._send(
                "PATCH", f"/Groups/{self.groups['B']}", add_members(user_id, str(uuid.uuid4()))
            )
            if self._expect(refused, 400):
                with self.journal.lock:
                    self.journal.refused_adds.add(user_id)
            self._add(user_id, "A")
        elif kind == DELETED:
            self._delete(user_id)
        else:
            self._add(user_id, "B")
            self._delete(user_id)

    def _add(self, user_id: str, group: str) -> None:
        with self.journal.lock:
            self.journal.add_attempts[group] += 1
        response = self._send("PATCH", f"/Groups/{self.groups[group]}", add_members(user_id))
        if self._expect(response, 204, failed=self.journal.failed_adds, key=user_id):
            with self.journal.lock:
                self.journal.added[group].add(user_id)

    def _delete(self, user_id: str) -> None:
        try:
            response = self._send("DELETE", f"/Users/{user_id}")
        except ServerGone:
            with self.journal.lock:
                self.journal.delete_unknown.add(user_id)
            raise
        if self._expect(response, 204, failed=self.journal.failed_deletes, key=user_id):
            with self.journal.lock:
                self.journal.deleted.add(user_id)
