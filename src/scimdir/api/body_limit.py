"""Request bodies of the management API are small JSON objects: refuse large ones with 413.

An ASGI middleware rather than a check in each route, so that FastAPI never buffers or parses
more than :data:`MAX_BODY_BYTES` (a declared ``Content-Length`` is refused before reading, a
chunked body as soon as it passes the limit).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scimdir.api.problems import problem_response

__all__ = ["MAX_BODY_BYTES", "BodyLimit"]

MAX_BODY_BYTES = 64 * 1024


class BodyLimit:
    """Read the body (at most ``max_bytes``) before the app sees it, and replay it."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(413, f"The request body is larger than {self.max_bytes} bytes.")
        await response(scope, receive, send)
