"""User provisioning use cases: create (with linking), read, search, replace, patch, delete.

Each write runs in one storage transaction with its outbox event, appended after its other writes
(port rule 8), and is run again when the database rolled it back (``unit_of_work.write``).
Updates read the user locked (port rule 4); a PUT or PATCH that changes nothing keeps the version
and writes no event (Okta re-sends unchanged users every cycle). Policies come from the
directory's settings: required attributes, user linking on creation, deletion behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from scimdir.scim.errors import SCIMException, not_found, shorten, uniqueness
from scimdir.scim.limits import check_patch_size, check_resource_size
from scimdir.scim.patch import apply_patch, parse_patch_request
from scimdir.scim.projection import parse_attribute_list, project, wants_attribute
from scimdir.scim.resource import parse_resource
from scimdir.service.context import (
    Limits,
    ListParams,
    ScimContext,
    build_search,
    dialect_filter,
)
from scimdir.service.dialect_guard import refuse_foreign_shape
from scimdir.service.effects import document_change
from scimdir.service.event_data import changed_attributes, user_data
from scimdir.service.extension_writes import (
    extension_uniqueness,
    finish_document,
    finish_patch,
    has_operations,
    prepare_patch,
    prepare_resource,
)
from scimdir.service.policies import check_required, collision_refusal
from scimdir.service.ports import (
    Storage,
    Transaction,
    UniquenessViolation,
    UserRecord,
)
from scimdir.service.render import add_groups, etag, list_response, render_user
from scimdir.service.runtime import Runtime
from scimdir.service.unit_of_work import transaction
from scimdir.service.versions import check_if_match, write_optimistically, write_with_retry

T = TypeVar("T")


def user_not_found(user_id: str) -> SCIMException:
    """404 for a user id this directory does not have (RFC 7644 §3.12)."""
    return not_found(f"User {shorten(user_id)} not found in this directory.")


class UserService:
    """The User endpoint's use cases."""

    def __init__(self, storage: Storage, runtime: Runtime, limits: Limits) -> None:
        self.storage = storage
        self.runtime = runtime
        self.limits = limits

    # --- helpers -----------------------------------------------------------------------------

    def _write(self, if_match: str | None, work: Callable[[Transaction], T]) -> T:
        return write_with_retry(self.storage, if_match, work)

    def _normalize(self, ctx: ScimContext, body: Any) -> dict[str, Any]:
        check_resource_size(body, self.limits)
        rt = ctx.user_type
        body, fired = ctx.dialect.normalize_resource(rt, body)
        ctx.quirks.extend(fired)
        body, kept = prepare_resource(ctx, rt, body)
        parsed = parse_resource(rt, body)
        document = dict(parsed.document)
        document.setdefault("active", True)
        document = finish_document(ctx, "User", document, kept)
        refusal = check_required(document, ctx.settings.required_attributes, idp=ctx.directory.idp)
        if refusal is not None:
            raise refusal
        return document

    def _render(
        self,
        tx: Transaction,
        ctx: ScimContext,
        record: UserRecord,
        *,
        with_groups: bool,
        rendered: dict[str, Any] | None = None,
        groups: list[tuple[str, str]] | None = None,
    ) -> dict[str, Any]:
        """The SCIM User for ``record``; ``rendered``: its render without groups already made
        for the change event (:meth:`_event`), reused rather than rendered again; ``groups``:
        the user's groups when already read (:meth:`Transaction.get_user_with_groups`)."""
        if with_groups and groups is None:
            groups = tx.groups_of_user(ctx.directory_id, record.id)
        elif not with_groups:
            groups = None
        if rendered is None:
            return render_user(record, ctx.base_url, groups)
        return rendered if groups is None else add_groups(rendered, record, ctx.base_url, groups)

    def _event(
        self,
        tx: Transaction,
        ctx: ScimContext,
        kind: str,
        record: UserRecord,
        before: UserRecord | None = None,
    ) -> dict[str, Any]:
        """The outbox event of a change to ``record`` (docs/events.md); ``before`` names the
        changed attributes of an update. Returns the event's ``data``: the user rendered
        without groups (its id alone once deleted)."""
        changed = None if before is None else changed_attributes(before.document, record.document)
        data = user_data(kind, record, ctx.base_url)
        tx.append_event(
            ctx.directory_id,
            kind,
            "User",
            record.id,
            data,
            self.runtime.clock(),
            changed=changed,
        )
        return data

    # --- use cases ---------------------------------------------------------------------------

    def create(self, ctx: ScimContext, body: Any) -> dict[str, Any]:
        """POST /Users (RFC 7644 §3.3), with user linking on creation when the directory has it.

        A collision with an account the IdP does not manage yet is linked (201 with that account,
        updated from the request) when ``user_linking`` is on, else answered 409 ``uniqueness``
        with a detail saying linking would resolve it. An account already linked is never taken
        over.
        """
        document = self._normalize(ctx, body)
        user_name: str = document["userName"]
        now = self.runtime.clock()
        new_id = self.runtime.new_id()

        def work(tx: Transaction) -> dict[str, Any]:
            # Without linking, a collision can only be refused: insert first and look the
            # holder up only when the database refuses the userName (one statement less on
            # the usual path; the refusal and its detail are the same).
            existing = self._collision(tx, ctx, document) if ctx.settings.user_linking else None
            rendered: dict[str, Any] | None = None
            if existing is None:
                record = UserRecord(
                    id=new_id,
                    directory_id=ctx.directory_id,
                    user_name=user_name,
                    document=document,
                    version=1,
                    created=now,
                    last_modified=now,
                )
                # The user and its event in one write (docs/events.md), the unit's last.
                data = user_data("user.created", record, ctx.base_url)
                try:
                    tx.insert_user_with_event(record, "user.created", data, self.runtime.clock())
                except UniquenessViolation as exc:
                    existing = tx.find_user_by_user_name(ctx.directory_id, user_name)
                    if exc.field != "userName" or existing is None:
                        raise
                else:
                    rendered = data
                    ctx.effect = "created"
            if existing is not None:
                record, rendered = self._link_or_refuse(tx, ctx, existing, document)
            return self._render(
                tx, ctx, record, with_groups=existing is not None, rendered=rendered
            )

        try:
            # Linking updates the account found by the lookup; a concurrent change of it is a
            # lost race, run again (never a 500, never a 412 without If-Match).
            return self._write(None, work)
        except UniquenessViolation as exc:
            refused = extension_uniqueness(exc, "User", ctx)
            if refused is not None:
                raise refused from exc
            raise uniqueness(
                f"A user with userName {shorten(user_name)} already exists in this directory "
                "(userName is compared case-insensitively)."
            ) from exc

    def _collision(
        self, tx: Transaction, ctx: ScimContext, document: dict[str, Any]
    ) -> UserRecord | None:
        external_id = document.get("externalId")
        if ctx.settings.user_linking and isinstance(external_id, str):
            by_external = tx.find_user_by_external_id(ctx.directory_id, external_id)
            if by_external is not None and not by_external.linked:
                return by_external
        return tx.find_user_by_user_name(ctx.directory_id, document["userName"])

    def _link_or_refuse(
        self, tx: Transaction, ctx: ScimContext, existing: UserRecord, document: dict[str, Any]
    ) -> tuple[UserRecord, dict[str, Any]]:
        """The linked account and its event's ``data``, or the 409 refusing the link."""
        name = document["userName"]
        if existing.linked or not ctx.settings.user_linking:
            raise collision_refusal(
                name, existing.id, linked=existing.linked, directory_id=ctx.directory_id
            )
        linked = replace(
            existing,
            user_name=name,
            document=document,
            linked=True,
            version=existing.version + 1,
            last_modified=self.runtime.clock(),
        )
        tx.update_user(linked, existing.version)
        rendered = self._event(tx, ctx, "user.linked", linked, existing)
        ctx.effect = "linked to an existing account"
        return linked, rendered

    def get(
        self, ctx: ScimContext, user_id: str, attributes: str | None, excluded: str | None
    ) -> tuple[dict[str, Any], str]:
        """GET /Users/{id} (RFC 7644 §3.4.1); returns the projected resource and its ETag."""
        rt = ctx.user_type
        attrs = parse_attribute_list(rt, attributes)
        excl = parse_attribute_list(rt, excluded)
        with_groups = wants_attribute(rt, "groups", attrs, excl)
        with transaction(self.storage, readonly=True) as tx:
            ctx.adopt_read_ahead(tx, user_id)
            groups: list[tuple[str, str]] | None = None
            if with_groups:
                found = tx.get_user_with_groups(ctx.directory_id, user_id)
                record, groups = (None, None) if found is None else found
            else:
                record = tx.get_user(ctx.directory_id, user_id)
            if record is None or not record.linked:
                raise user_not_found(user_id)
            resource = self._render(tx, ctx, record, with_groups=with_groups, groups=groups)
        return project(rt, resource, attrs, excl), etag(record.version)

    def search(self, ctx: ScimContext, params: ListParams) -> dict[str, Any]:
        """GET /Users (RFC 7644 §3.4.2). ``groups`` is listed only when asked for by name, so a
        page costs one query whatever its size (published in the README)."""
        rt = ctx.user_type
        attrs = parse_attribute_list(rt, params.attributes)
        excl = parse_attribute_list(rt, params.excluded_attributes)
        query = build_search(rt, self.limits, dialect_filter(ctx, params))
        with_groups = attrs is not None and wants_attribute(rt, "groups", attrs, excl)
        with transaction(self.storage, readonly=True) as tx:
            if with_groups:
                tx.pin_snapshot()  # the page and its users' groups agree
            page = tx.search_users(ctx.directory_id, query)
            resources = [
                project(rt, self._render(tx, ctx, rec, with_groups=with_groups), attrs, excl)
                for rec in page.items
            ]
        return list_response(resources, page.total, query.start_index)

    def replace(
        self, ctx: ScimContext, user_id: str, body: Any, if_match: str | None
    ) -> tuple[dict[str, Any], str]:
        """PUT /Users/{id} (RFC 7644 §3.5.1): the request replaces every writable attribute.

        readOnly attributes echoed by the client (Okta's ``id``, ``meta``, ``groups: []``) are
        ignored; memberships are never touched by a PUT of a user.
        """
        document = self._normalize(ctx, body)

        def work(tx: Transaction, lock: bool) -> tuple[dict[str, Any], str]:
            ctx.adopt_read_ahead(tx, user_id)
            found = tx.get_user_with_groups(ctx.directory_id, user_id, for_update=lock)
            if found is None or not found[0].linked:
                raise user_not_found(user_id)
            current, groups = found
            check_if_match(if_match, current.version)
            if document == current.document:  # nothing changes: same version, no event
                ctx.effect = "no change"
                resource = self._render(tx, ctx, current, with_groups=True, groups=groups)
                return resource, etag(current.version)
            updated = self._updated(current, document)
            rendered = self._update_with_event(tx, ctx, updated, current)
            resource = self._render(
                tx, ctx, updated, with_groups=True, rendered=rendered, groups=groups
            )
            return resource, etag(updated.version)

        return self._unique(
            document["userName"],
            lambda: write_optimistically(self.storage, if_match, work),
            ctx,
        )

    def patch(
        self, ctx: ScimContext, user_id: str, body: Any, if_match: str | None
    ) -> tuple[dict[str, Any], str]:
        """PATCH /Users/{id} (RFC 7644 §3.5.2), after the dialect's normalisations; the whole
        request applies or nothing does, and the result must still meet the required attributes."""
        check_patch_size(body, self.limits)
        rt = ctx.user_type
        body, fired = ctx.dialect.normalize_patch(rt, body)
        ctx.quirks.extend(fired)
        refuse_foreign_shape(ctx, body)
        body, kept = prepare_patch(ctx, rt, body)
        core = has_operations(body) or not kept.operations
        operations = parse_patch_request(body, self.limits) if core else []

        def work(tx: Transaction, lock: bool) -> tuple[dict[str, Any], str]:
            ctx.adopt_read_ahead(tx, user_id)
            found = tx.get_user_with_groups(ctx.directory_id, user_id, for_update=lock)
            if found is None or not found[0].linked:
                raise user_not_found(user_id)
            current, groups = found
            check_if_match(if_match, current.version)
            result = apply_patch(rt, current.document, operations, self.limits)
            patched = finish_patch(ctx, "User", result.document, kept)
            refusal = check_required(
                patched, ctx.settings.required_attributes, idp=ctx.directory.idp
            )
            if refusal is not None:
                raise refusal
            if patched == current.document:
                ctx.effect = "no change"
                resource = self._render(tx, ctx, current, with_groups=True, groups=groups)
                return resource, etag(current.version)
            updated = self._updated(current, patched)
            rendered = self._update_with_event(tx, ctx, updated, current)
            resource = self._render(
                tx, ctx, updated, with_groups=True, rendered=rendered, groups=groups
            )
            return resource, etag(updated.version)

        return self._unique(None, lambda: write_optimistically(self.storage, if_match, work), ctx)

    def delete(self, ctx: ScimContext, user_id: str, if_match: str | None) -> None:
        """DELETE /Users/{id} (RFC 7644 §3.6): removes the user, or with the directory's
        ``deletion=deactivate`` setting only sets ``active`` false (the user stays findable).

        A deletion reads the user unlocked: the storage locks the groups it is in before it
        (port rule 8) and deletes it only at the version read (else a lost race, run again)."""
        deactivate = ctx.settings.deletion == "deactivate"

        def work(tx: Transaction) -> None:
            ctx.adopt_read_ahead(tx, user_id)
            current = tx.get_user(ctx.directory_id, user_id, for_update=deactivate)
            if current is None or not current.linked:
                raise user_not_found(user_id)
            check_if_match(if_match, current.version)
            if deactivate:
                ctx.effect = "no change (already deactivated)"
                if current.document.get("active") is not False:
                    updated = self._updated(current, {**current.document, "active": False})
                    tx.update_user(updated, current.version)
                    self._event(tx, ctx, "user.deactivated", updated, current)
                    ctx.effect = "deactivated (the directory's deletion setting)"
                return
            modified = self.runtime.clock()
            if not tx.delete_user(
                ctx.directory_id, user_id, expected_version=current.version, modified=modified
            ):
                raise user_not_found(user_id)
            self._event(tx, ctx, "user.deleted", current)
            ctx.effect = "deleted"

        self._write(if_match, work)

    def _update_with_event(
        self, tx: Transaction, ctx: ScimContext, updated: UserRecord, current: UserRecord
    ) -> dict[str, Any]:
        """Write ``updated`` over ``current`` (at its version) with its change event, the unit of
        work's last write (:meth:`Transaction.update_user_with_event`); returns the event's
        ``data``, the user rendered without groups."""
        kind = _change_kind(current, updated)
        data = user_data(kind, updated, ctx.base_url)
        changed = changed_attributes(current.document, updated.document)
        tx.update_user_with_event(
            updated, current.version, kind, data, self.runtime.clock(), changed=changed
        )
        ctx.effect = document_change(current.document, updated.document)
        return data

    def _updated(self, current: UserRecord, document: dict[str, Any]) -> UserRecord:
        return replace(
            current,
            user_name=document["userName"],
            document=document,
            version=current.version + 1,
            last_modified=self.runtime.clock(),
        )

    def _unique(
        self, user_name: str | None, call: Callable[[], T], ctx: ScimContext | None = None
    ) -> T:
        try:
            return call()
        except UniquenessViolation as exc:
            refused = extension_uniqueness(exc, "User", ctx)
            if refused is not None:
                raise refused from exc
            shown = f" {shorten(user_name)}" if user_name else ""
            raise uniqueness(
                f"Another user in this directory already has the userName{shown} "
                "(userName is compared case-insensitively)."
            ) from exc


def _change_kind(before: UserRecord, after: UserRecord) -> str:
    was, now = before.document.get("active", True), after.document.get("active", True)
    if was is not False and now is False:
        return "user.deactivated"
    if was is False and now is not False:
        return "user.reactivated"
    return "user.updated"


__all__ = ["UserService"]
