"""What a directory's sub-pages (users, groups, the provisioning log) share: loading the data
off the event loop with "not found" and bad input turned into pages, and the helpers templates
format values with.

Every value goes into a template as data and is escaped there (autoescape is on), including the
raw SCIM JSON: :func:`pretty_json` only indents it, the template escapes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from scimdir.admin.console import Console
from scimdir.admin.session import Session
from scimdir.service.admin_groups import GroupNotFound
from scimdir.service.admin_users import UserNotFound
from scimdir.service.directories import AdminError, DirectoryNotFound
from scimdir.service.setup_guides import IDP_NAMES

__all__ = [
    "TEMPLATE_HELPERS",
    "Loaded",
    "load_page",
    "pretty_json",
    "primary_email",
    "short_path",
    "when",
]

T = TypeVar("T")


def when(moment: datetime | None) -> str:
    """A moment as the console shows it (UTC, to the minute), or ``never``."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def pretty_json(document: object) -> str:
    """A SCIM document indented for reading (not escaped: the template does that)."""
    return json.dumps(document, indent=2, ensure_ascii=False, default=str)


def primary_email(document: dict[str, Any]) -> str:
    """The primary e-mail of a SCIM user document, else its first one, else ``""``."""
    emails = document.get("emails")
    if not isinstance(emails, list):
        return ""
    values = [e for e in emails if isinstance(e, dict) and isinstance(e.get("value"), str)]
    chosen = next((e for e in values if e.get("primary") is True), values[0] if values else None)
    return str(chosen["value"]) if chosen else ""


def short_path(path: str) -> str:
    """A logged request path without its ``/scim/<tenant id>/v2`` prefix (``/Users/<id>``): the
    page already says which directory it is."""
    if path.startswith("/scim/"):
        _, sep, rest = path.partition("/v2")
        if sep and (rest == "" or rest.startswith("/")):
            return rest or "/"
    return path


TEMPLATE_HELPERS: dict[str, Any] = {
    "when": when,
    "idp_names": IDP_NAMES,
    "short_path": short_path,
    "primary_email": primary_email,
}
"""Functions and names every template can use (Jinja globals, set in ``app.py``)."""


class Loaded:
    """The outcome of :func:`load_page`: the data, or the error page to answer instead."""

    def __init__(self, data: dict[str, Any] | None, error: Response | None) -> None:
        self.data = data or {}
        self.error = error


async def load_page(
    console: Console,
    request: Request,
    session: Session,
    load: Callable[[], dict[str, Any]],
    *,
    what: str,
) -> Loaded:
    """Run ``load`` in the thread pool; a missing directory, user or group is a 404 page and a
    refused search, cursor or filter a 400 page saying why (``what``: "Cannot list users")."""

    def page(title: str, message: str, status: int) -> Loaded:
        context = {"title": title, "message": message}
        return Loaded(None, console.render(request, session, "error.html", context, status=status))

    try:
        return Loaded(await console.call(load), None)
    except DirectoryNotFound:
        return page("No such directory", "It may have been deleted.", 404)
    except UserNotFound:
        return page("No such user", "It may have been deleted or the directory reset.", 404)
    except GroupNotFound:
        return page("No such group", "It may have been deleted or the directory reset.", 404)
    except AdminError as exc:
        return page(what, str(exc), 400)
