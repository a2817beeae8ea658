"""Group provisioning use cases; membership changes touch only the membership rows they name.

Entra creates groups empty and then PATCHes members in batches; it never reads membership back
(`shared/entra/scim-behavior.md` §5). Members must exist in the same directory: an unknown id is
refused with 400 ``invalidValue`` naming it and nothing of that request is applied (we chose
atomicity over skipping, so the IdP's log shows the problem; §11 open question 3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from scimdir.scim.errors import SCIMException, invalid_value, not_found, too_many, uniqueness
from scimdir.scim.patch import MemberChange, apply_patch, parse_patch_request
from scimdir.scim.projection import parse_attribute_list, project, wants_attribute
from scimdir.scim.resource import parse_resource
from scimdir.scim.schema import GROUP_TYPE
from scimdir.service.context import (
    Limits,
    ListParams,
    ScimContext,
    build_search,
    check_operation_count,
)
from scimdir.service.event_data import group_data, member_data, member_event_type
from scimdir.service.ports import GroupRecord, Storage, Transaction, UniquenessViolation
from scimdir.service.render import etag, list_response, render_group
from scimdir.service.runtime import Runtime
from scimdir.service.unit_of_work import transaction
from scimdir.service.versions import check_if_match, write_with_retry


def group_not_found(group_id: str) -> SCIMException:
    """404 for a group id this directory does not have."""
    return not_found(f"Group {group_id} not found in this directory.")


def _display_name(document: dict[str, Any]) -> str:
    name = document.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise invalid_value(
            "A group needs a non-empty displayName (Entra maps it from the group's displayName)."
        )
    return name


def _taken(name: str) -> SCIMException:
    return uniqueness(
        f"A group with displayName {name!r} already exists in this directory (group names are "
        "unique, compared case-insensitively, because Entra matches groups on displayName)."
    )


class GroupService:
    """The Group endpoint's use cases."""

    def __init__(self, storage: Storage, runtime: Runtime, limits: Limits) -> None:
        self.storage = storage
        self.runtime = runtime
        self.limits = limits

    def _check_members(
        self,
        tx: Transaction,
        ctx: ScimContext,
        group_id: str | None,
        members: Sequence[tuple[str, str]],
    ) -> list[tuple[str, str]]:
        """Resolve each member's type from what exists in this directory; refuse unknown ids."""
        ids = list(dict.fromkeys(value for value, _ in members))
        if not ids:
            return []
        users = tx.existing_user_ids(ctx.directory_id, ids)
        rest = [i for i in ids if i not in users]
        groups = tx.existing_group_ids(ctx.directory_id, rest) if rest else set()
        unknown = [i for i in rest if i not in groups]
        if unknown:
            shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
            raise invalid_value(
                f"Member id(s) {shown} do not exist in this directory. Members must be users or "
                "groups provisioned to this directory first; nothing of this request was applied."
            )
        if group_id is not None and group_id in groups:
            raise invalid_value("A group cannot be a member of itself.")
        return [(i, "User" if i in users else "Group") for i in ids]

    def _apply_members(
        self, tx: Transaction, ctx: ScimContext, group_id: str, changes: Iterable[MemberChange]
    ) -> tuple[int, int]:
        added = removed = 0
        for change in changes:
            if change.kind == "add":
                checked = self._check_members(tx, ctx, group_id, change.members)
                added += tx.add_members(ctx.directory_id, group_id, checked)
            elif change.kind == "remove":
                ids = [value for value, _ in change.members]
                removed += tx.remove_members(ctx.directory_id, group_id, ids)
            elif change.kind == "remove_all":
                removed += tx.remove_all_members(ctx.directory_id, group_id)
            else:  # replace: a set replacement done as row diffs, never a rewrite
                checked = self._check_members(tx, ctx, group_id, change.members)
                wanted = {value for value, _ in checked}
                current = tx.member_ids(ctx.directory_id, group_id)
                gone = sorted(current - wanted)
                removed += tx.remove_members(ctx.directory_id, group_id, gone) if gone else 0
                new = [m for m in checked if m[0] not in current]
                added += tx.add_members(ctx.directory_id, group_id, new) if new else 0
        return added, removed

    def _event(
        self, tx: Transaction, ctx: ScimContext, kind: str, group_id: str, data: dict[str, Any]
    ) -> None:
        """The outbox event of a change to the group: its document as this transaction left it
        (read back, so every call site gets the same shape; docs/events.md). ``data`` is unused."""
        record = tx.get_group(ctx.directory_id, group_id)
        payload = group_data(group_id, record, ctx.base_url)
        tx.append_event(ctx.directory_id, kind, "Group", group_id, payload, self.runtime.clock())

    def _members_event(
        self, tx: Transaction, ctx: ScimContext, group_id: str, counts: tuple[int, int]
    ) -> None:
        """One ``group.member_added``/``group.member_removed`` event per member row this
        transaction changed (the storage journals them; ``counts`` only says whether any)."""
        if counts == (0, 0):
            return
        group = tx.get_group(ctx.directory_id, group_id)
        items = [
            (member_event_type(c), "Group", group_id, member_data(c, group, ctx.base_url))
            for c in tx.take_member_changes(group_id)
        ]
        tx.append_events(ctx.directory_id, items, self.runtime.clock())

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

    def create(self, ctx: ScimContext, body: Any) -> dict[str, Any]:
        """POST /Groups (RFC 7644 §3.3). Entra sends no members; Okta sends ``members: []``."""
        body, fired = ctx.dialect.normalize_resource(GROUP_TYPE, body)
        ctx.quirks.extend(fired)
        parsed = parse_resource(GROUP_TYPE, body)
        name = _display_name(parsed.document)
        now = self.runtime.clock()
        record = GroupRecord(
            id=self.runtime.new_id(),
            directory_id=ctx.directory_id,
            display_name=name,
            document=parsed.document,
            version=1,
            created=now,
            last_modified=now,
        )
        try:
            with self.storage.transaction() as tx:
                tx.insert_group(record)
                self._event(tx, ctx, "group.created", record.id, {"displayName": name})
                if parsed.members:
                    counts = self._apply_members(
                        tx, ctx, record.id, [MemberChange("add", tuple(parsed.members))]
                    )
                    self._members_event(tx, ctx, record.id, counts)
                return self._render(tx, ctx, record, with_members=True)
        except UniquenessViolation as exc:
            raise _taken(name) from exc

    def get(
        self, ctx: ScimContext, group_id: str, attributes: str | None, excluded: str | None
    ) -> tuple[dict[str, Any], str]:
        """GET /Groups/{id}; members are read only when the projection wants them."""
        attrs = parse_attribute_list(GROUP_TYPE, attributes)
        excl = parse_attribute_list(GROUP_TYPE, excluded)
        with transaction(self.storage, readonly=True) as tx:
            record = tx.get_group(ctx.directory_id, group_id)
            if record is None:
                raise group_not_found(group_id)
            with_members = wants_attribute(GROUP_TYPE, "members", attrs, excl)
            resource = self._render(tx, ctx, record, with_members)
        return project(GROUP_TYPE, resource, attrs, excl), etag(record.version)

    def search(self, ctx: ScimContext, params: ListParams) -> dict[str, Any]:
        """GET /Groups (RFC 7644 §3.4.2); Entra's membership check is one indexed query."""
        attrs = parse_attribute_list(GROUP_TYPE, params.attributes)
        excl = parse_attribute_list(GROUP_TYPE, params.excluded_attributes)
        query = build_search(GROUP_TYPE, self.limits, params)
        with_members = wants_attribute(GROUP_TYPE, "members", attrs, excl)
        with transaction(self.storage, readonly=True) as tx:
            page = tx.search_groups(ctx.directory_id, query)
            resources = [
                project(GROUP_TYPE, self._render(tx, ctx, rec, with_members), attrs, excl)
                for rec in page.items
            ]
        return list_response(resources, page.total, query.start_index)

    def replace(
        self, ctx: ScimContext, group_id: str, body: Any, if_match: str | None
    ) -> tuple[dict[str, Any], str]:
        """PUT /Groups/{id} (RFC 7644 §3.5.1). ``members`` in the body replaces the membership
        (as row diffs); a body without ``members`` leaves membership alone (Okta AIW apps PUT
        the whole group, Entra never PUTs)."""
        body, fired = ctx.dialect.normalize_resource(GROUP_TYPE, body)
        ctx.quirks.extend(fired)
        parsed = parse_resource(GROUP_TYPE, body)
        name = _display_name(parsed.document)

        def work(tx: Transaction) -> tuple[dict[str, Any], str]:
            current = tx.get_group(ctx.directory_id, group_id)
            if current is None:
                raise group_not_found(group_id)
            check_if_match(if_match, current.version)
            updated = self._updated(current, parsed.document)
            tx.update_group(updated, current.version)
            self._event(tx, ctx, "group.updated", group_id, {"displayName": name})
            if parsed.members is not None:
                counts = self._apply_members(
                    tx, ctx, group_id, [MemberChange("replace", tuple(parsed.members))]
                )
                self._members_event(tx, ctx, group_id, counts)
            return self._render(tx, ctx, updated, with_members=True), etag(updated.version)

        try:
            return write_with_retry(self.storage, if_match, work)
        except UniquenessViolation as exc:
            raise _taken(name) from exc

    def patch(
        self, ctx: ScimContext, group_id: str, body: Any, if_match: str | None
    ) -> tuple[dict[str, Any], str]:
        """PATCH /Groups/{id}. Attribute changes bump the group's version; membership changes
        touch only membership rows (so concurrent member PATCHes never conflict), atomically."""
        body, fired = ctx.dialect.normalize_patch(GROUP_TYPE, body)
        ctx.quirks.extend(fired)
        operations = parse_patch_request(body)
        check_operation_count(len(operations), self.limits)
        names: list[str] = []

        def work(tx: Transaction) -> tuple[dict[str, Any], str]:
            current = tx.get_group(ctx.directory_id, group_id)
            if current is None:
                raise group_not_found(group_id)
            check_if_match(if_match, current.version)
            result = apply_patch(GROUP_TYPE, current.document, operations)
            record = current
            if result.document != current.document:
                record = self._updated(current, result.document)
                names.append(record.display_name)
                tx.update_group(record, current.version)
                self._event(tx, ctx, "group.updated", group_id, {"displayName": names[-1]})
            counts = self._apply_members(tx, ctx, group_id, result.member_changes)
            self._members_event(tx, ctx, group_id, counts)
            return render_group(record, ctx.base_url), etag(record.version)

        try:
            return write_with_retry(self.storage, if_match, work)
        except UniquenessViolation as exc:
            raise _taken(names[-1] if names else "") from exc

    def delete(self, ctx: ScimContext, group_id: str, if_match: str | None) -> None:
        """DELETE /Groups/{id} → 204, then 404 (RFC 7644 §3.6)."""
        with self.storage.transaction() as tx:
            current = tx.get_group(ctx.directory_id, group_id)
            if current is None:
                raise group_not_found(group_id)
            check_if_match(if_match, current.version)
            tx.delete_group(ctx.directory_id, group_id)
            self._event(tx, ctx, "group.deleted", group_id, {"displayName": current.display_name})

    def _updated(self, current: GroupRecord, document: dict[str, Any]) -> GroupRecord:
        return replace(
            current,
            display_name=_display_name(document),
            document=document,
            version=current.version + 1,
            last_modified=self.runtime.clock(),
        )
