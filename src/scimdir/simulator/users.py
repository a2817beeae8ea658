"""The user part of a cycle: match, create, update, disable, delete, then references.

Per docs/idp/entra.md §3: for each user in scope Entra queries the endpoint with the matching
attributes in precedence order (default ``userName``), first match wins, no match means POST; a
matched or known user is read by id, compared, and PATCHed with only what changed. Disabled or
unassigned users are never created; a soft-deleted user gets ``Replace active "False"`` (§4.7)
and a hard-deleted one ``DELETE`` (§4.8). Reference attributes (``manager``) are written in a
later pass, once every referenced object exists (§3 "Updates", §4.9), as the bare-string
``Add`` of current tenants.
"""

from __future__ import annotations

from typing import Any

from scimdir.mapping.context import EvalContext
from scimdir.mapping.mappings import AttributeMapping, build_payload, matching_targets
from scimdir.simulator.client import EntraClient, Reply
from scimdir.simulator.diff import MANAGER, Change, changes, current_value, desired_values
from scimdir.simulator.report import Entry, Outcome
from scimdir.simulator.sources import SourceUser
from scimdir.simulator.state import JobState

__all__ = ["UserSync"]

USER = "User"


class UserSync:
    """Provisions source users through an :class:`EntraClient`, recording into a JobState."""

    def __init__(
        self,
        client: EntraClient,
        mappings: list[AttributeMapping],
        state: JobState,
        context: EvalContext | None = None,
    ) -> None:
        self.client = client
        self.mappings = mappings
        self.state = state
        self.context = context
        self.matching = matching_targets(mappings)
        self._current_manager: dict[str, Any] = {}

    def _entry(
        self,
        phase: str,
        user: SourceUser,
        action: str,
        reply: Reply | None = None,
        *,
        outcome: Outcome | None = None,
        detail: str | None = None,
        target_id: str | None = None,
    ) -> Entry:
        if outcome is None:
            outcome = Outcome.SUCCESS if reply is None or reply.ok else Outcome.FAILURE
        return Entry(
            phase,
            USER,
            user.label,
            action,
            outcome,
            status=reply.status if reply else None,
            target_id=target_id or self.state.user_ids.get(user.key),
            detail=detail if detail is not None else (reply.detail if reply else None),
        )

    def _payload(self, user: SourceUser, *, creating: bool) -> tuple[dict[str, Any], str | None]:
        payload, errors = build_payload(
            self.mappings, user.attributes, creating=creating, context=self.context
        )
        if errors:
            problems = "; ".join(f"{t}: {e.message}" for t, e in errors.items())
            return payload, f"The attribute mappings could not be evaluated ({problems})."
        return payload, None

    # --- matching and creation ---------------------------------------------------------------

    def provision(self, user: SourceUser, phase: str) -> list[Entry]:
        """A user not known to the job yet: match, then create or update."""
        self.state.remember_user(user)
        payload, error = self._payload(user, creating=True)
        if error:
            return [self._entry(phase, user, "Create", outcome=Outcome.FAILURE, detail=error)]
        desired = desired_values(payload)
        for attribute in self.matching:
            value = desired.get(attribute)
            if not isinstance(value, str) or not value:
                continue
            reply = self.client.find_users(attribute, value)
            if not reply.ok:
                return [self._entry(phase, user, "Match", reply)]
            if reply.resources:
                found = reply.resources[0].get("id")
                if isinstance(found, str):
                    self.state.user_ids[user.key] = found
                    return self.update(user, phase)
        if user.soft_deleted or user.hard_deleted:
            return [
                self._entry(
                    phase,
                    user,
                    "Create",
                    outcome=Outcome.SKIPPED,
                    detail="Not created: Entra never creates a disabled, unassigned or deleted "
                    "user.",
                )
            ]
        _drop_manager(payload)
        reply = self.client.create_user(payload)
        if reply.ok and isinstance(reply.body, dict) and isinstance(reply.body.get("id"), str):
            self.state.user_ids[user.key] = reply.body["id"]
            self._current_manager[user.key] = None
        return [self._entry(phase, user, "Create", reply)]

    # --- known users -------------------------------------------------------------------------

    def update(self, user: SourceUser, phase: str) -> list[Entry]:
        """A user the job knows the id of: delete, disable or patch what changed."""
        self.state.remember_user(user)
        user_id = self.state.user_ids.get(user.key)
        if user_id is None:
            return self.provision(user, phase)
        if user.hard_deleted:
            reply = self.client.delete_user(user_id)
            entry = self._entry(phase, user, "Delete", reply, target_id=user_id)
            if reply.ok or reply.status == 404:
                self.state.forget_user(user.key)
            return [entry]
        read = self.client.get_user(user_id)
        if not read.ok or not isinstance(read.body, dict):
            return [self._entry(phase, user, "Update", read)]
        resource: dict[str, Any] = read.body
        self._current_manager[user.key] = current_value(resource, MANAGER)
        if user.soft_deleted:
            found: list[Change] = (
                [] if resource.get("active") is False else [("Replace", "active", False)]
            )
        else:
            payload, error = self._payload(user, creating=False)
            if error:
                return [self._entry(phase, user, "Update", outcome=Outcome.FAILURE, detail=error)]
            desired = desired_values(payload)
            desired.pop(MANAGER, None)
            found = changes(desired, resource)
        action = _action(found)
        if not found:
            return [
                self._entry(
                    phase,
                    user,
                    action,
                    outcome=Outcome.SKIPPED,
                    detail="No change: the endpoint already holds these values.",
                )
            ]
        reply = self.client.patch_user(user_id, self.client.operations(found))
        changed = ", ".join(path for _, path, _ in found)
        detail = f"Changed: {changed}." if reply.ok else None
        return [self._entry(phase, user, action, reply, detail=detail)]

    # --- references --------------------------------------------------------------------------

    def references(self, user: SourceUser, phase: str) -> list[Entry]:
        """Write the manager reference once both users exist (bare-string ``Add``, §4.9)."""
        user_id = self.state.user_ids.get(user.key)
        if user_id is None or user.hard_deleted or user.soft_deleted:
            return []
        payload, error = self._payload(user, creating=False)
        reference = desired_values(payload).get(MANAGER)
        if error or not isinstance(reference, str) or not reference:
            return []
        manager_key = self.state.index.resolve(reference)
        manager_id = self.state.user_ids.get(manager_key) if manager_key else None
        if manager_id is None:
            return [
                self._entry(
                    phase,
                    user,
                    "Update manager",
                    outcome=Outcome.SKIPPED,
                    detail=f"Reference not written: the manager {reference!r} is not provisioned "
                    "to this application (assign the manager too).",
                )
            ]
        if self._current_manager.get(user.key) == manager_id:
            return []
        reply = self.client.patch_user(user_id, [self.client.op("Add", MANAGER, manager_id)])
        if reply.ok:
            self._current_manager[user.key] = manager_id
        return [self._entry(phase, user, "Update manager", reply)]


def _drop_manager(payload: dict[str, Any]) -> None:
    schema, _, name = MANAGER.rpartition(":")
    extension = payload.get(schema)
    if isinstance(extension, dict):
        extension.pop(name, None)
        if not extension:
            del payload[schema]


def _action(found: list[Change]) -> str:
    for _, path, value in found:
        if path == "active" and value is False:
            return "Disable"
        if path == "active" and value is True:
            return "Enable"
    return "Update"
