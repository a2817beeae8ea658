"""A directory's groups: the list with search and keyset paging, and one group's page.

The list is :meth:`AdminGroupService.browse` (the management API's list): each page is one probe
of the ``(directory_id, display_name_norm)`` index after the cursor's key. A group's page shows
its member count (one indexed count), its first :data:`MEMBERS_SHOWN` members with links, and
its raw SCIM JSON; members live in membership rows, not in the document.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimdir.admin.console import Console, signed_in
from scimdir.admin.pages import load_page, pretty_json
from scimdir.admin.session import Session
from scimdir.service.admin_groups import MEMBERS_SHOWN
from scimdir.service.render import render_group

__all__ = ["group_routes"]

PAGE = 50


def group_routes(console: Console) -> list[BaseRoute]:
    """The group routes, under ``/directories/{directory_id}/groups``."""
    services = console.services

    async def groups(request: Request, session: Session) -> Response:
        directory_id = request.path_params["directory_id"]
        search = request.query_params.get("q", "")
        cursor = request.query_params.get("after") or None

        def load() -> dict[str, Any]:
            page = services.admin_groups.browse(
                directory_id, search=search or None, cursor=cursor, limit=PAGE
            )
            return {
                "directory": services.directories.get(directory_id),
                "groups": page.items,
                "next_cursor": page.next_cursor,
            }

        loaded = await load_page(console, request, session, load, what="Cannot list groups")
        if loaded.error:
            return loaded.error
        context = {
            **loaded.data,
            "search": search,
            "paged": cursor is not None,
            "tab": "groups",
        }
        return console.render(request, session, "groups.html", context)

    async def group(request: Request, session: Session) -> Response:
        directory_id = request.path_params["directory_id"]
        group_id = request.path_params["group_id"]

        def load() -> dict[str, Any]:
            scim_base = f"{console.public_url}/scim/{directory_id}/v2"
            found = services.admin_groups.show(directory_id, group_id)
            return {
                "directory": services.directories.get(directory_id),
                "group": found.record,
                "member_count": found.member_count,
                "members": found.members,
                "raw_json": pretty_json(render_group(found.record, scim_base)),
            }

        loaded = await load_page(console, request, session, load, what="Cannot show the group")
        if loaded.error:
            return loaded.error
        context = {**loaded.data, "shown_max": MEMBERS_SHOWN, "tab": "groups"}
        return console.render(request, session, "group.html", context)

    prefix = "/directories/{directory_id}/groups"
    return [
        Route(prefix, signed_in(console, groups), methods=["GET"]),
        Route(prefix + "/{group_id}", signed_in(console, group), methods=["GET"]),
    ]
