"""Console sessions and CSRF tokens in one signed cookie.

The cookie holds ``{"a": admin id or null, "c": CSRF token}``, signed with HMAC (itsdangerous,
https://itsdangerous.palletsprojects.com/) under the session key
(``AdminAccountService.session_key``), so it cannot be forged or edited; it is ``HttpOnly``,
``SameSite=Lax``, ``Secure`` when the public URL is https (RFC 6265bis §4.1.2), and expires after
:data:`MAX_AGE`. Every visitor gets one on the first page, so the sign-in form carries a CSRF
token too. A form post is accepted only when its ``csrf_token`` field equals the cookie's token
(the synchronizer-token pattern of OWASP's CSRF Prevention Cheat Sheet); signing in issues a new
token, so a token seen before sign-in is worthless afterwards.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["COOKIE", "MAX_AGE", "Session", "SessionCodec"]

COOKIE = "scimdir_admin"
MAX_AGE = 12 * 3600


@dataclass
class Session:
    """Who is signed in (None: nobody) and the CSRF token of the forms; ``changed``: set again."""

    admin_id: str | None
    csrf: str
    changed: bool = False

    @classmethod
    def fresh(cls, admin_id: str | None = None) -> Session:
        """A new session with a new CSRF token."""
        return cls(admin_id, secrets.token_urlsafe(32), changed=True)

    def csrf_ok(self, presented: object) -> bool:
        """Whether a form's token is this session's (constant-time comparison)."""
        return isinstance(presented, str) and hmac.compare_digest(
            presented.encode(), self.csrf.encode()
        )


class SessionCodec:
    """Reads and writes the session cookie."""

    def __init__(self, key: str, secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="scimdir-admin-session")
        self.secure = secure

    def load(self, request: Request) -> Session:
        """The request's session, or a fresh anonymous one (bad, old or missing cookie)."""
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                data = self._serializer.loads(raw, max_age=MAX_AGE)
            except BadSignature:
                data = None
            if isinstance(data, dict) and isinstance(data.get("c"), str):
                admin = data.get("a")
                return Session(admin if isinstance(admin, str) else None, data["c"])
        return Session.fresh()

    def save(self, response: Response, session: Session) -> None:
        """Set the cookie if the session is new or changed."""
        if not session.changed:
            return
        response.set_cookie(
            COOKIE,
            self._serializer.dumps({"a": session.admin_id, "c": session.csrf}),
            max_age=MAX_AGE,
            path="/admin",
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )
