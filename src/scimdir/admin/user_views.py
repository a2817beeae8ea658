"""A directory's users: the list with search and keyset paging, one user's page, and the Unlink
and Delete actions behind a confirmation page.

The list is :meth:`AdminUserService.browse` (the management API's list): a page is one probe of
the ``(directory_id, user_name_norm)`` index after the cursor's key, so page 20,000 of a
million-user directory costs what page 1 does. A user's page shows its attributes, groups,
whether the identity provider manages it (linked) or it is a local account, its raw SCIM JSON
and its provisioning-log entries (by id, and by userName for failed creations, which have no
id yet). Unlink and Delete are POST forms with the session's CSRF token, reached through a page
that says what will happen.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimdir.admin.console import Console, signed_in
from scimdir.admin.pages import load_page, pretty_json
from scimdir.admin.session import Session
from scimdir.service.admin_users import AdminConflict, UserNotFound
from scimdir.service.directories import DirectoryNotFound
from scimdir.service.directory_settings import DirectorySettings
from scimdir.service.ports import LogFilter, LogRecord
from scimdir.service.render import render_user

__all__ = ["USER_LOG_ENTRIES", "user_routes"]

PAGE = 50
USER_LOG_ENTRIES = 20
_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _object(document: dict[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key)
    return value if isinstance(value, dict) else {}


def _emails(document: dict[str, Any]) -> str:
    emails = document.get("emails")
    return ", ".join(
        f"{e['value']}{' (primary)' if e.get('primary') is True else ''}"
        for e in (emails if isinstance(emails, list) else [])
        if isinstance(e, dict) and e.get("value")
    )


def _attributes(document: dict[str, Any]) -> list[tuple[str, str]]:
    """The attributes an admin looks for first, as (label, text); the raw JSON has the rest."""
    name = _object(document, "name")
    enterprise = _object(document, _ENTERPRISE)
    manager = enterprise.get("manager")
    active = document.get("active")
    rows = [
        ("userName", document.get("userName")),
        ("Display name", document.get("displayName")),
        ("Given name", name.get("givenName")),
        ("Family name", name.get("familyName")),
        ("E-mails", _emails(document)),
        ("Active", "not sent (active)" if active is None else ("yes" if active else "no")),
        ("externalId", document.get("externalId")),
        ("Employee number", enterprise.get("employeeNumber")),
        ("Department", enterprise.get("department")),
        ("Manager", manager.get("value") if isinstance(manager, dict) else manager),
    ]
    return [(label, str(value)) for label, value in rows if value not in (None, "")]


def _user_log(console: Console, directory_id: str, user_id: str, user_name: str) -> list[LogRecord]:
    """The user's latest entries: by its id, and by its userName (a failed POST has no id)."""
    log = console.services.log
    by_id = log.query(directory_id, LogFilter(subject=user_id), limit=USER_LOG_ENTRIES).entries
    by_name = log.query(directory_id, LogFilter(subject=user_name), limit=USER_LOG_ENTRIES).entries
    merged = {e.id: e for e in (*by_id, *by_name)}
    return sorted(merged.values(), key=lambda e: e.id or 0, reverse=True)[:USER_LOG_ENTRIES]


def user_routes(console: Console) -> list[BaseRoute]:
    """The user routes, under ``/directories/{directory_id}/users``."""
    services = console.services

    async def users(request: Request, session: Session) -> Response:
        directory_id = request.path_params["directory_id"]
        search = request.query_params.get("q", "")
        cursor = request.query_params.get("after") or None

        def load() -> dict[str, Any]:
            page = services.admin_users.browse(
                directory_id, search=search or None, cursor=cursor, limit=PAGE
            )
            return {
                "directory": services.directories.get(directory_id),
                "users": page.items,
                "next_cursor": page.next_cursor,
            }

        loaded = await load_page(console, request, session, load, what="Cannot list users")
        if loaded.error:
            return loaded.error
        context = {
            **loaded.data,
            "search": search,
            "paged": cursor is not None,
            "deleted": request.query_params.get("deleted") == "1",
            "tab": "users",
        }
        return console.render(request, session, "users.html", context)

    def detail(directory_id: str, user_id: str) -> dict[str, Any]:
        scim_base = f"{console.public_url}/scim/{directory_id}/v2"
        found = services.admin_users.show(directory_id, user_id)
        directory = services.directories.get(directory_id)
        return {
            "directory": directory,
            "user": found.record,
            "groups": found.groups,
            "attributes": _attributes(found.record.document),
            "raw_json": pretty_json(render_user(found.record, scim_base, found.groups)),
            "log": _user_log(console, directory_id, user_id, found.record.user_name),
            "user_linking": DirectorySettings.from_json(directory.settings).user_linking,
            "tab": "users",
        }

    async def user(request: Request, session: Session) -> Response:
        params = request.path_params
        loaded = await load_page(
            console,
            request,
            session,
            lambda: detail(params["directory_id"], params["user_id"]),
            what="Cannot show the user",
        )
        if loaded.error:
            return loaded.error
        done = request.query_params.get("done")
        return console.render(
            request,
            session,
            "user.html",
            {**loaded.data, "unlinked": done == "unlinked"},
        )

    async def confirm(request: Request, session: Session) -> Response:
        """GET: the confirmation page of unlink or delete; POST: do it."""
        directory_id = request.path_params["directory_id"]
        user_id = request.path_params["user_id"]
        action = request.path_params["action"]
        base = f"/directories/{directory_id}/users"
        refusal = ""
        if request.method == "POST":
            try:
                if action == "delete":
                    await console.call(services.admin_users.delete, directory_id, user_id)
                    return console.redirect(request, f"{base}?deleted=1")
                await console.call(services.admin_users.unlink, directory_id, user_id)
                return console.redirect(request, f"{base}/{user_id}?done=unlinked")
            except AdminConflict as exc:
                refusal = str(exc)
            except (UserNotFound, DirectoryNotFound):
                pass  # gone meanwhile: the page below answers 404
        loaded = await load_page(
            console,
            request,
            session,
            lambda: detail(directory_id, user_id),
            what="Cannot show the user",
        )
        if loaded.error:
            return loaded.error
        return console.render(
            request,
            session,
            "user_confirm.html",
            {**loaded.data, "action": action, "error": refusal},
            status=409 if refusal else 200,
        )

    async def confirm_or_404(request: Request, session: Session) -> Response:
        if request.path_params["action"] not in ("unlink", "delete"):
            return console.render(
                request,
                session,
                "error.html",
                {"title": "Page not found", "message": "There is no such page."},
                status=404,
            )
        return await confirm(request, session)

    prefix = "/directories/{directory_id}/users"
    return [
        Route(prefix, signed_in(console, users), methods=["GET"]),
        Route(prefix + "/{user_id}", signed_in(console, user), methods=["GET"]),
        Route(
            prefix + "/{user_id}/{action}",
            signed_in(console, confirm_or_404),
            methods=["GET", "POST"],
        ),
    ]
