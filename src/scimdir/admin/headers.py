"""Security headers on every console response.

- ``Content-Security-Policy: default-src 'self'; frame-ancestors 'none'`` (CSP Level 3,
  https://www.w3.org/TR/CSP3/): scripts and styles only from the console's own files, never
  inline, so an IdP value that slipped through escaping still could not run; no framing
  (clickjacking).
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (the sign-in link's token
  never leaves in a Referer), ``X-Frame-Options: DENY`` for browsers without CSP, and
  ``Cache-Control: no-store`` (pages show secrets once).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HEADERS", "SecurityHeaders", "admin_root"]

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """ASGI middleware adding :data:`HEADERS` (and no-store on pages) to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith(f"{scope.get('root_path', '')}/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(HEADERS)
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def admin_root(request: Request) -> Response:
    """``/admin`` without the slash: a redirect to ``/admin/`` with the same headers."""
    response = RedirectResponse("/admin/", status_code=307)
    response.headers.update({name.decode(): value.decode() for name, value in HEADERS})
    return response
