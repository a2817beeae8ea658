"""A directory's provisioning log in the console: filters, paging, each failure's explanation and
fix, and the open problems (docs/provisioning-log.md).

The filters are those of ``scimdir directory log`` and ``GET /api/v1/directories/{id}/log``:
failures only, a user (userName or group name, case-insensitive, or a resource id), and a time
range (``from`` inclusive, ``to`` exclusive, in UTC, as a browser's ``datetime-local`` field sends
them). Pages are newest first; *Older entries* passes the id of the last entry shown
(:class:`~scimdir.service.provisioning_log.ProvisioningLog`), so paging stays one index probe
while new entries arrive. A filter the log cannot take is answered 400 with the form and the
reason, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimdir.admin.console import Console, signed_in
from scimdir.admin.pages import load_page
from scimdir.admin.session import Session
from scimdir.service.browsing import MAX_SEARCH_LENGTH
from scimdir.service.directories import AdminError
from scimdir.service.ports import LogFilter

__all__ = ["LogQuery", "log_routes"]

PAGE = 50
PROBLEMS = 100
_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


class BadFilter(AdminError):
    """A filter value the log page cannot take; the message says what it accepts."""


def _moment(name: str, text: str) -> datetime | None:
    if not text:
        return None
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise BadFilter(f"{name} is a date and time such as 2026-12-01T09:30 (UTC), not {text[:40]!r}.")


@dataclass(frozen=True)
class LogQuery:
    """The log page's filters as the form sent them (kept as text to show them again)."""

    failures: bool = False
    user: str = ""
    start: str = ""
    end: str = ""
    before: str = ""

    @classmethod
    def of(cls, params: QueryParams) -> LogQuery:
        """The filters of a request's query string (missing ones empty)."""
        return cls(
            failures=params.get("failures") == "1",
            user=params.get("user", "").strip(),
            start=params.get("from", "").strip(),
            end=params.get("to", "").strip(),
            before=params.get("before", "").strip(),
        )

    @property
    def active(self) -> bool:
        """Whether any filter narrows the log."""
        return self.failures or bool(self.user or self.start or self.end)

    def where(self) -> tuple[LogFilter, int | None]:
        """The storage filter and the cursor. :raises BadFilter: a value it cannot take."""
        if len(self.user) > MAX_SEARCH_LENGTH:
            raise BadFilter(f"The user is at most {MAX_SEARCH_LENGTH} characters.")
        if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in self.user):
            raise BadFilter("The user cannot contain control characters.")
        since, until = _moment("From", self.start), _moment("To", self.end)
        if since and until and since >= until:
            raise BadFilter("From must be before To.")
        before = None
        if self.before:
            if not (self.before.isascii() and self.before.isdigit()) or len(self.before) > 18:
                raise BadFilter("The page cursor is not one this log handed out.")
            before = int(self.before)
        where = LogFilter(
            failures_only=self.failures, subject=self.user or None, since=since, until=until
        )
        return where, before

    def query_string(self, before: int | None = None) -> str:
        """These filters as a query string (with ``before``: the next page's)."""
        pairs = [("failures", "1")] if self.failures else []
        pairs += [(k, v) for k, v in (("user", self.user), ("from", self.start)) if v]
        pairs += [("to", self.end)] if self.end else []
        pairs += [("before", str(before))] if before is not None else []
        return urlencode(pairs)


def log_routes(console: Console) -> list[BaseRoute]:
    """The log route, ``/directories/{directory_id}/log``."""
    services = console.services

    async def log(request: Request, session: Session) -> Response:
        directory_id = request.path_params["directory_id"]
        query = LogQuery.of(request.query_params)

        def load() -> dict[str, Any]:
            directory = services.directories.get(directory_id)
            problems = services.log.problems(directory_id, limit=PROBLEMS)
            base = {"directory": directory, "problems": problems}
            try:
                where, before = query.where()
            except BadFilter as exc:
                return {**base, "error": str(exc), "entries": [], "next_cursor": None}
            page = services.log.query(directory_id, where, before, PAGE)
            return {**base, "entries": page.entries, "next_cursor": page.next_cursor}

        loaded = await load_page(console, request, session, load, what="Cannot show the log")
        if loaded.error:
            return loaded.error
        data = loaded.data
        next_cursor = data.pop("next_cursor")
        context = {
            **data,
            "query": query,
            "next_href": f"?{query.query_string(next_cursor)}" if next_cursor else None,
            "first_href": f"?{query.query_string()}" if query.before else None,
            "tab": "log",
        }
        status = 400 if data.get("error") else 200
        return console.render(request, session, "log.html", context, status=status)

    return [Route("/directories/{directory_id}/log", signed_in(console, log), methods=["GET"])]
