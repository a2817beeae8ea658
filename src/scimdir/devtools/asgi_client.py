"""Drive the ASGI app in process, synchronously, without its lifespan: for counting round trips
and measuring CPU per request (tests and ``bench/pg_hot_path.py``).

``httpx.ASGITransport`` does not run the lifespan, so the app's background threads (provisioning
log writer, last-use recorder, event retention, webhook delivery) never start and never touch the
database while a request is measured: log entries and last uses stay queued in memory.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

import httpx

__all__ = ["InProcessClient"]


class InProcessClient:
    """A blocking client over ``httpx.ASGITransport`` and one private event loop."""

    def __init__(self, app: Any, *, secret: str | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        headers = {} if secret is None else {"Authorization": f"Bearer {secret}"}
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://scim.test", headers=headers
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request and wait for the whole response."""
        return self._loop.run_until_complete(self._client.request(method, url, **kwargs))

    def close(self) -> None:
        """Close the client and its loop."""
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()

    def __enter__(self) -> InProcessClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
