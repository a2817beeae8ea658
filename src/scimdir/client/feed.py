"""Reading a directory's change feed over HTTP (docs/events.md, "Reading the feed")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import httpx

from scimdir.client.event import Event


class FeedError(Exception):
    """The server refused a feed request (the RFC 9457 problem's detail, or the status)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


class FeedClient:
    """Reads ``GET /api/v1/directories/{directory_id}/events`` with a Bearer API key (an admin
    key, or a ``reader`` key bound to the directory). Pass ``http`` to reuse a client (or a test
    client); otherwise one is made with a timeout longer than the longest long-poll."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        directory_id: str,
        *,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.directory_id = directory_id
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._http = http if http is not None else httpx.Client(timeout=httpx.Timeout(90.0))

    def read(
        self,
        after: str | None = None,
        limit: int = 100,
        types: Iterable[str] | None = None,
        wait: float = 0,
    ) -> tuple[list[Event], str]:
        """One page of events after the cursor ``after`` (the start when None), oldest first,
        and the cursor to pass next time (also after an empty page). ``wait`` > 0 long-polls."""
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            params["after"] = after
        if types is not None:
            params["types"] = ",".join(types)
        if wait:
            params["wait"] = wait
        response = self._http.get(
            f"{self.base_url}/api/v1/directories/{self.directory_id}/events",
            params=params,
            headers=self._headers,
        )
        if response.status_code != 200:
            raise FeedError(response.status_code, _detail(response))
        body = response.json()
        return [Event.from_json(raw) for raw in body["data"]], str(body["next_cursor"])

    def follow(self, after: str | None = None, wait: float = 20) -> Iterator[Event]:
        """Every event after ``after``, forever: pages through the backlog, then long-polls
        ``wait`` seconds at a time. Store ``event.cursor`` once an event is handled."""
        cursor = after
        while True:
            events, cursor = self.read(after=cursor, wait=wait)
            yield from events


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) else response.reason_phrase
