"""Group provisioning use cases; membership changes touch only the membership rows they name.

Entra creates groups empty and then PATCHes members in batches; ``memberships.py`` applies
membership changes as row diffs and refuses members that do not exist.

A group's version and ``meta.lastModified`` cover its membership (RFC 7644 §3.14: the ETag must
change with the representation, and ``members`` is part of it): every write that changes members
bumps them with one row update, never a rewrite of the members. Writers lock the group row when
they read it (port rules 4 and 8), so concurrent member PATCHes without ``If-Match`` queue on it
instead of conflicting. A write that changes nothing (Okta's PUT of an unchanged group every
cycle) keeps the version and writes no event.

Responses are rendered after the write committed: a group's members (up to
``max_members_per_response``) are read in a read-only snapshot, and only when that snapshot still
holds the version this request wrote (so the body is this request's result); otherwise, and
above the limit, the response leaves ``members`` out instead of holding the writer's locks while
rendering them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from scimdir.scim.errors import (
    SCIMException,
    invalid_value,
    not_found,
    shorten,
    too_many,
    uniqueness,
)
from scimdir.scim.limits import check_patch_size, check_resource_size
from scimdir.scim.patch import MemberChange, apply_patch, parse_patch_request
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
from scimdir.service.effects import document_change, join_effects, members_change
from scimdir.service.event_data import group_data, member_data, member_event_type
from scimdir.service.extension_writes import (
    extension_uniqueness,
    finish_document,
    finish_patch,
    has_operations,
    prepare_patch,
    prepare_resource,
)
from scimdir.service.memberships import apply_member_changes
from scimdir.service.ports import GroupRecord, Storage, Transaction, UniquenessViolation
from scimdir.service.render import etag, list_response, render_group
from scimdir.service.runtime import Runtime
from scimdir.service.unit_of_work import transaction
from scimdir.service.versions import check_if_match, write_with_retry


def group_not_found(group_id: str) -> SCIMException:
    """404 for a group id this directory does not have."""
    return not_found(f"Group {shorten(group_id)} not found in this directory.")


def _display_name(document: dict[str, Any]) -> str:
    name = document.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise invalid_value(
            "A group needs a non-empty displayName (Entra maps it from the group's displayName)."
        )
    return name


def _taken(name: str) -> SCIMException:
    return uniqueness(
        f"A group with displayName {shorten(name)} already exists in this directory (group "
        "names are unique, compared case-insensitively, because Entra matches groups on "
        "displayName)."
    )


class GroupService:
    """The Group endpoint's use cases."""

    def __init__(self, storage: Storage, runtime: Runtime, limits: Limits) -> None:
        self.storage = storage
        self.runtime = runtime
        self.limits = limits

    def _event(
        self, tx: Transaction, ctx: ScimContext, kind: str, group_id: str, data: dict[str, Any]
    ) -> None:
        """The outbox event of a change to the group: its document as this transaction left it
        (read back, so every call site gets the same shape; docs/events.md). ``data`` is unused."""
        record = tx.get_group(ctx.directory_id, group_id)
        payload = group_data(group_id, record, ctx.base_url)
        tx.append_event(ctx.directory_id, kind, "Group", group_id, payload, self.runtime.clock())

    def _members_event(
        self,
        tx: Transaction,
        ctx: ScimContext,
        group: GroupRecord,
        counts: tuple[int, int],
    ) -> None:
        """One ``group.member_added``/``group.member_removed`` event per member row this
        transaction changed (the storage journals them; ``counts`` only says whether any).
        ``group``: the group as this transaction wrote it (the events name its id and
        displayName, which the write stored as they are: no read back)."""
        if counts == (0, 0):
            return
        tx.append_events(
            ctx.directory_id, self._member_events(tx, ctx, group), self.runtime.clock()
        )

    def _member_events(
        self, tx: Transaction, ctx: ScimContext, group: GroupRecord
    ) -> list[tuple[str, str, str, dict[str, Any]]]:
        """The ``(type, resource type, id, data)`` of the journal's member changes to ``group``."""
        return [
            (member_event_type(c), "Group", group.id, member_data(c, group, ctx.base_url))
            for c in tx.take_member_changes(group.id)
        ]

    def _change(
        self,
        tx: Transaction,
        ctx: ScimContext,
        current: GroupRecord,
        document: dict[str, Any],
        changes: Iterable[MemberChange],
    ) -> GroupRecord:
        """Apply a new document and membership changes to the locked ``current``: one version
        bump for both, none (and no event) when nothing changed. Events come last (rule 8)."""
        counts = apply_member_changes(tx, ctx.directory_id, current.id, changes)
        renamed = document != current.document
        edited = document_change(current.document, document) if renamed else None
        ctx.effect = join_effects(edited, members_change(*counts)) or "no change"
        if not renamed and counts == (0, 0):
            return current
        updated = replace(
            current,
            display_name=_display_name(document),
            document=document,
            version=current.version + 1,
            last_modified=self.runtime.clock(),
        )
        if renamed:
            tx.update_group(updated, current.version)
            self._event(tx, ctx, "group.updated", current.id, {"displayName": updated.display_name})
            self._members_event(tx, ctx, updated, counts)
        else:  # members only: the version bump and the events together (one statement on PG)
            events = self._member_events(tx, ctx, updated)
            # The unit's last statement, on the group read locked: it may commit with it.
            clock = self.runtime.clock()
            tx.update_group_with_events(updated, current.version, events, clock, last=True)
        return updated

    def _render(
        self, tx: Transaction, ctx: ScimContext, record: GroupRecord, with_members: bool
    ) -> dict[str, Any]:
        if not with_members:
            return render_group(record, ctx.base_url)
        size = tx.count_members(ctx.directory_id, record.id)
        if size > self.limits.max_members_per_response:
            raise too_many(
                f"Group {record.id} has {size} members, more than the "
                f"{self.limits.max_members_per_response} "
                "a response carries. Read it with excludedAttributes=members, and check membership "
                'with filter=id eq "<group>" and members[value eq "<user>"].'
            )
        return render_group(record, ctx.base_url, tx.iter_members(ctx.directory_id, record.id))

    def _written(
        self, ctx: ScimContext, record: GroupRecord, attributes: str | None, excluded: str | None
    ) -> dict[str, Any]:
        """The response to a write: ``record`` as this request left it, rendered after commit
        (see the module docstring for when ``members`` is left out)."""
        attrs = parse_attribute_list(ctx.group_type, attributes)
        excl = parse_attribute_list(ctx.group_type, excluded)
        resource: dict[str, Any] | None = None
        if wants_attribute(ctx.group_type, "members", attrs, excl):
            with transaction(self.storage, readonly=True) as tx:
                now = tx.get_group(ctx.directory_id, record.id)
                fits = (
                    tx.count_members(ctx.directory_id, record.id)
                    <= self.limits.max_members_per_response
                )
                if now is not None and now.version == record.version and fits:
                    resource = render_group(
                        record, ctx.base_url, tx.iter_members(ctx.directory_id, record.id)
                    )
        if resource is None:
            resource = render_group(record, ctx.base_url)
        return project(ctx.group_type, resource, attrs, excl)

    def create(
        self,
        ctx: ScimContext,
        body: Any,
        attributes: str | None = None,
        excluded: str | None = None,
    ) -> dict[str, Any]:
        """POST /Groups (RFC 7644 §3.3). Entra sends no members; Okta sends ``members: []``."""
        parse_attribute_list(ctx.group_type, attributes)
        parse_attribute_list(ctx.group_type, excluded)
        check_resource_size(body, self.limits)
        body, fired = ctx.dialect.normalize_resource(ctx.group_type, body)
        ctx.quirks.extend(fired)
        body, kept = prepare_resource(ctx, ctx.group_type, body)
        parsed = parse_resource(ctx.group_type, body)
        name = _display_name(parsed.document)
        now = self.runtime.clock()
        record = GroupRecord(
            id=self.runtime.new_id(),
            directory_id=ctx.directory_id,
            display_name=name,
            document=finish_document(ctx, "Group", parsed.document, kept),
            version=1,
            created=now,
            last_modified=now,
        )

        def work(tx: Transaction) -> GroupRecord:
            tx.insert_group(record)
            counts = (0, 0)
            if parsed.members:
                added = [MemberChange("add", tuple(parsed.members))]
                counts = apply_member_changes(tx, ctx.directory_id, record.id, added)
            self._event(tx, ctx, "group.created", record.id, {"displayName": name})
            self._members_event(tx, ctx, record, counts)
            ctx.effect = join_effects("created", members_change(*counts))
            return record

        try:
            created = write_with_retry(self.storage, None, work)
        except UniquenessViolation as exc:
            refused = extension_uniqueness(exc, "Group", ctx)
            if refused is not None:
                raise refused from exc
            raise _taken(name) from exc
        if not parsed.members:  # a new group without members (Entra's): nothing to read back
            attrs = parse_attribute_list(ctx.group_type, attributes)
            excl = parse_attribute_list(ctx.group_type, excluded)
            return project(ctx.group_type, render_group(created, ctx.base_url, []), attrs, excl)
        return self._written(ctx, created, attributes, excluded)

    def get(
        self, ctx: ScimContext, group_id: str, attributes: str | None, excluded: str | None
    ) -> tuple[dict[str, Any], str]:
        """GET /Groups/{id}; members are read only when the projection wants them."""
        attrs = parse_attribute_list(ctx.group_type, attributes)
        excl = parse_attribute_list(ctx.group_type, excluded)
        with_members = wants_attribute(ctx.group_type, "members", attrs, excl)
        with transaction(self.storage, readonly=True) as tx:
            if with_members:
                tx.pin_snapshot()  # the members agree with the version (the ETag)
            record = tx.get_group(ctx.directory_id, group_id)
            if record is None:
                raise group_not_found(group_id)
            resource = self._render(tx, ctx, record, with_members)
        return project(ctx.group_type, resource, attrs, excl), etag(record.version)

    def search(self, ctx: ScimContext, params: ListParams) -> dict[str, Any]:
        """GET /Groups (RFC 7644 §3.4.2); Entra's membership check is one indexed query."""
        attrs = parse_attribute_list(ctx.group_type, params.attributes)
        excl = parse_attribute_list(ctx.group_type, params.excluded_attributes)
        query = build_search(ctx.group_type, self.limits, dialect_filter(ctx, params))
        with_members = wants_attribute(ctx.group_type, "members", attrs, excl)
        with transaction(self.storage, readonly=True) as tx:
            if with_members:
                tx.pin_snapshot()  # each group's members agree with its version
            page = tx.search_groups(ctx.directory_id, query)
            resources = [
                project(ctx.group_type, self._render(tx, ctx, rec, with_members), attrs, excl)
                for rec in page.items
            ]
        return list_response(resources, page.total, query.start_index)

    def replace(
        self,
        ctx: ScimContext,
        group_id: str,
        body: Any,
        if_match: str | None,
        attributes: str | None = None,
        excluded: str | None = None,
    ) -> tuple[dict[str, Any], str]:
        """PUT /Groups/{id} (RFC 7644 §3.5.1). ``members`` in the body replaces the membership
        (as row diffs); a body without ``members`` leaves membership alone (Okta AIW apps PUT
        the whole group, Entra never PUTs)."""
        parse_attribute_list(ctx.group_type, attributes)
        parse_attribute_list(ctx.group_type, excluded)
        check_resource_size(body, self.limits)
        body, fired = ctx.dialect.normalize_resource(ctx.group_type, body)
        ctx.quirks.extend(fired)
        body, kept = prepare_resource(ctx, ctx.group_type, body)
        parsed = parse_resource(ctx.group_type, body)
        name = _display_name(parsed.document)
        document = finish_document(ctx, "Group", parsed.document, kept)
        changes = [] if parsed.members is None else [MemberChange("replace", tuple(parsed.members))]

        def work(tx: Transaction) -> GroupRecord:
            current = tx.get_group(ctx.directory_id, group_id, for_update=True)
            if current is None:
                raise group_not_found(group_id)
            check_if_match(if_match, current.version)
            return self._change(tx, ctx, current, document, changes)

        try:
            record = write_with_retry(self.storage, if_match, work)
        except UniquenessViolation as exc:
            refused = extension_uniqueness(exc, "Group", ctx)
            if refused is not None:
                raise refused from exc
            raise _taken(name) from exc
        return self._written(ctx, record, attributes, excluded), etag(record.version)

    def patch(
        self,
        ctx: ScimContext,
        group_id: str,
        body: Any,
        if_match: str | None,
        attributes: str | None = None,
        excluded: str | None = None,
    ) -> tuple[dict[str, Any], str]:
        """PATCH /Groups/{id} (RFC 7644 §3.5.2), atomically. ``attributes``/``excludedAttributes``
        are validated before anything is written; the response is this request's result."""
        parse_attribute_list(ctx.group_type, attributes)
        parse_attribute_list(ctx.group_type, excluded)
        check_patch_size(body, self.limits)
        body, fired = ctx.dialect.normalize_patch(ctx.group_type, body)
        ctx.quirks.extend(fired)
        refuse_foreign_shape(ctx, body)
        body, kept_ops = prepare_patch(ctx, ctx.group_type, body)
        core = has_operations(body) or not kept_ops.operations
        operations = parse_patch_request(body, self.limits) if core else []
        names: list[str] = []

        def work(tx: Transaction) -> GroupRecord:
            current = tx.get_group(ctx.directory_id, group_id, for_update=True)
            if current is None:
                raise group_not_found(group_id)
            check_if_match(if_match, current.version)
            result = apply_patch(ctx.group_type, current.document, operations, self.limits)
            patched = finish_patch(ctx, "Group", result.document, kept_ops)
            names.append(str(patched.get("displayName", "")))
            return self._change(tx, ctx, current, patched, result.member_changes)

        try:
            record = write_with_retry(self.storage, if_match, work)
        except UniquenessViolation as exc:
            refused = extension_uniqueness(exc, "Group", ctx)
            if refused is not None:
                raise refused from exc
            raise _taken(names[-1] if names else "") from exc
        if attributes is None and excluded is None:  # answered 204: nothing to read back
            return render_group(record, ctx.base_url), etag(record.version)
        return self._written(ctx, record, attributes, excluded), etag(record.version)

    def delete(self, ctx: ScimContext, group_id: str, if_match: str | None) -> None:
        """DELETE /Groups/{id} → 204, then 404 (RFC 7644 §3.6). The groups it was a member of
        are locked before it (rule 8), so it is read unlocked and deleted at that version."""

        def work(tx: Transaction) -> None:
            current = tx.get_group(ctx.directory_id, group_id)
            if current is None:
                raise group_not_found(group_id)
            check_if_match(if_match, current.version)
            modified = self.runtime.clock()
            if not tx.delete_group(
                ctx.directory_id, group_id, expected_version=current.version, modified=modified
            ):
                raise group_not_found(group_id)
            self._event(tx, ctx, "group.deleted", group_id, {"displayName": current.display_name})
            ctx.effect = "deleted"

        write_with_retry(self.storage, if_match, work)
