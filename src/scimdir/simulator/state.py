"""What the simulated provisioning job remembers between requests and cycles.

Entra caches the endpoint's ``id`` of every object it created or matched and uses it for every
later operation (docs/idp/entra.md §3 "Matching"), and it never reads group members back
(§5.9), so it keeps its own idea of each group's membership. This is that memory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from scimdir.simulator.sources import MemberIndex, SourceGroup, SourceUser

__all__ = ["JobState"]


@dataclass
class JobState:
    """Target ids by source key, the users and groups in scope, and the memberships sent.

    Worker threads write distinct keys; the lock guards the membership sets.
    """

    index: MemberIndex = field(default_factory=lambda: MemberIndex(()))
    users: dict[str, SourceUser] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    groups: dict[str, SourceGroup] = field(default_factory=dict)
    group_ids: dict[str, str] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def remember_user(self, user: SourceUser) -> None:
        """Put ``user`` in scope (or update its attributes)."""
        self.users[user.key] = user
        self.index.add(user)

    def label(self, user_key: str) -> str:
        """The report label of a source user."""
        user = self.users.get(user_key)
        return user.label if user else user_key

    def forget_user(self, user_key: str) -> None:
        """After a hard delete: the endpoint dropped the user and its memberships."""
        self.user_ids.pop(user_key, None)
        with self.lock:
            for members in self.members.values():
                members.discard(user_key)
