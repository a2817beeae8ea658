"""Directory pages: the list with health at a glance, Add directory (tenant URL and secret shown
once, with the IdP's setup steps), and a directory's overview: health, counts of users, active
users and groups, the quirks accepted today with what each does, open problems and recent
activity (its users, groups and log have their own pages: ``user_views``, ``group_views``,
``log_pages``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimdir.admin.console import Console, read_form, signed_in
from scimdir.admin.pages import load_page
from scimdir.admin.session import Session
from scimdir.scim.quirks import QUIRKS
from scimdir.service.directories import AdminError
from scimdir.service.directory_counts import Counts
from scimdir.service.health import DirectoryHealth
from scimdir.service.reachability import unreachable_reason
from scimdir.service.setup_guides import ENTRA_MAPPINGS, IDP_NAMES, setup_guide

__all__ = ["directory_routes"]

_RECENT = 15
QUIRK_INFO = {q.name: q for q in QUIRKS}
_STATE_LABELS = {
    "never_connected": "Never connected",
    "healthy": "Healthy",
    "failing": "Failing",
    "silent": "Silent",
}


@dataclass(frozen=True)
class Row:
    """One directory of the list."""

    health: DirectoryHealth
    counts: Counts


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def directory_routes(console: Console) -> list[BaseRoute]:
    """The directory routes."""
    services = console.services

    def tenant_url(directory_id: str) -> str:
        return f"{console.public_url}/scim/{directory_id}/v2"

    def rows() -> list[Row]:
        return [
            Row(h, services.directory_counts.of(h.directory_id)) for h in services.health.summary()
        ]

    common: dict[str, Any] = {"idp_names": IDP_NAMES, "states": _STATE_LABELS, "when": _when}

    async def index(request: Request, session: Session) -> Response:
        listed = await console.call(rows)
        return console.render(request, session, "directories.html", {**common, "rows": listed})

    async def new(request: Request, session: Session) -> Response:
        if request.method == "GET":
            return console.render(
                request, session, "new_directory.html", {**common, "name": "", "idp": "entra"}
            )
        form = await read_form(request)
        name = str(form.get("name") or "")[:200]
        idp = str(form.get("idp") or "")
        try:
            created = await console.call(services.directories.create, name, idp)
        except AdminError as exc:
            return console.render(
                request,
                session,
                "new_directory.html",
                {**common, "name": name, "idp": idp, "error": str(exc)},
                status=400,
            )
        url = tenant_url(created.directory.id)
        return console.render(
            request,
            session,
            "created.html",
            {
                **common,
                "directory": created.directory,
                "secret": created.secret,
                "tenant_url": url,
                "loopback": unreachable_reason(url) is not None,
                "mappings": ENTRA_MAPPINGS,
                "guide": setup_guide(created.directory, url),
            },
        )

    async def overview(request: Request, session: Session) -> Response:
        directory_id = request.path_params["directory_id"]

        def load() -> dict[str, Any]:
            return {
                "directory": services.directories.get(directory_id),
                "health": services.health.directory_health(directory_id),
                "counts": services.directory_counts.of(directory_id),
                "log": services.log.query(directory_id, limit=_RECENT).entries,
            }

        loaded = await load_page(console, request, session, load, what="Cannot show the directory")
        if loaded.error:
            return loaded.error
        return console.render(
            request,
            session,
            "directory.html",
            {
                **common,
                **loaded.data,
                "quirk_info": QUIRK_INFO,
                "tab": "overview",
                "tenant_url": tenant_url(directory_id),
            },
        )

    return [
        Route("/", signed_in(console, index), methods=["GET"]),
        Route("/directories/new", signed_in(console, new), methods=["GET", "POST"]),
        Route("/directories/{directory_id}", signed_in(console, overview), methods=["GET"]),
    ]
