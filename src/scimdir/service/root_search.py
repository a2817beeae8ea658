"""``POST /.search`` at the root of a directory: Users and Groups in one list (RFC 7644 §3.4.3).

The query is translated for each resource type (:mod:`scimdir.scim.root_query`) and run by that
type's own search use case, so filters, projection and limits behave exactly as on ``/Users`` and
``/Groups``. The combined list holds the users first, then the groups (``sortBy`` orders within
each type); ``startIndex`` and ``count`` page through that concatenation and ``totalResults``
counts both. The two reads are two snapshots: under concurrent writes, the totals of a page can
be off by what committed between them, as between any two pages (RFC 7644 §3.4.2.4).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scimdir.scim.filterlimits import check_filter_size
from scimdir.scim.root_query import attributes_for, filter_for, sort_by_for
from scimdir.scim.schema import GROUP_TYPE
from scimdir.service.context import Limits, ListParams, ScimContext, build_search
from scimdir.service.groups import GroupService
from scimdir.service.render import list_response
from scimdir.service.users import UserService

__all__ = ["search_all"]


def search_all(
    users: UserService, groups: GroupService, limits: Limits, ctx: ScimContext, params: ListParams
) -> dict[str, Any]:
    """Search every resource type of the directory with one set of list parameters."""
    if params.filter:
        check_filter_size(params.filter, limits)  # before scim2-models parses it (published limit)
    types = (ctx.user_type, ctx.group_type)  # with the directory's declared extensions
    filters = filter_for(types, params.filter)
    sorts = sort_by_for(types, params.sort_by)
    selected = attributes_for(types, params.attributes, selecting=True)
    excluded = attributes_for(types, params.excluded_attributes, selecting=False)

    def for_type(name: str, **paging: str) -> ListParams:
        return replace(
            params,
            filter=filters[name],
            sort_by=sorts[name],
            sort_order=params.sort_order if sorts[name] else None,
            attributes=selected[name],
            excluded_attributes=excluded[name],
            **paging,
        )

    # startIndex and count validated and bounded once, as for one type (§3.4.2.4).
    page = build_search(GROUP_TYPE, limits, replace(params, filter=None, sort_by=None))
    start, size = page.start_index, page.count
    found_users = users.search(ctx, for_type("User", start_index=str(start), count=str(size)))
    user_total: int = found_users["totalResults"]
    resources: list[dict[str, Any]] = list(found_users["Resources"])
    group_start = max(1, start - user_total)
    found_groups = groups.search(
        ctx, for_type("Group", start_index=str(group_start), count=str(size - len(resources)))
    )
    resources.extend(found_groups["Resources"])
    return list_response(resources, user_total + found_groups["totalResults"], start)
