"""What every console view shares: services, templates, sessions, the sign-in guard, CSRF.

Every page but sign-in, the one-time setup link and the static files needs a signed-in session
(others are redirected to ``/admin/login``); every form post needs the session's CSRF token
(else 403). Service calls run in the thread pool, as the management API's do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from scimdir.admin.session import Session, SessionCodec
from scimdir.admin.throttle import SignInThrottle
from scimdir.composition import Services

__all__ = ["Console", "csrf_ok", "csrf_refused", "read_form", "signed_in"]

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Console:
    """What every console view needs: services, settings, templates, sessions, throttle."""

    services: Services
    public_url: str
    session_secret: str | None
    env: Environment
    throttle: SignInThrottle
    _codec: SessionCodec | None = None

    @property
    def codec(self) -> SessionCodec:
        """The session codec (the key is read or generated on first use, not at import)."""
        if self._codec is None:
            key = self.services.admin_accounts.session_key(self.session_secret)
            self._codec = SessionCodec(key, secure=self.public_url.startswith("https://"))
        return self._codec

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a (blocking) service call in the thread pool."""
        return await run_in_threadpool(fn, *args, **kwargs)

    async def session(self, request: Request) -> Session:
        """The request's session (signed-out if its account no longer exists)."""
        codec = await self.call(lambda: self.codec)
        session = codec.load(request)
        if session.admin_id is not None:
            account = await self.call(self.services.admin_accounts.get, session.admin_id)
            if account is None:
                return Session.fresh()
            request.state.admin_email = account.email
        return session

    def render(
        self,
        request: Request,
        session: Session,
        template: str,
        context: dict[str, Any],
        status: int = 200,
    ) -> Response:
        """A page with the session's CSRF token and the signed-in e-mail in its context."""
        html = self.env.get_template(template).render(
            csrf_token=session.csrf,
            admin_email=getattr(request.state, "admin_email", None),
            root=request.scope.get("root_path", ""),
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        self.codec.save(response, session)
        return response

    def redirect(self, request: Request, path: str, session: Session | None = None) -> Response:
        """A 303 to a console path (after a form post: the browser then GETs it)."""
        response = RedirectResponse(f"{request.scope.get('root_path', '')}{path}", 303)
        if session is not None:
            self.codec.save(response, session)
        return response


_MAX_FIELDS = 20
_MAX_PART = 64 * 1024
View = Callable[[Request, Session], Awaitable[Response]]


def signed_in(console: Console, view: View) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a view: redirect to sign-in without an account; refuse a post without the CSRF token."""

    async def endpoint(request: Request) -> Response:
        session = await console.session(request)
        if session.admin_id is None:
            return console.redirect(request, "/login", session)
        if request.method == "POST" and not await csrf_ok(request, session):
            return csrf_refused(console, request, session)
        return await view(request, session)

    return endpoint


async def read_form(request: Request) -> FormData:
    """The posted form, bounded (few fields, small values: the console's forms are small)."""
    return await request.form(max_files=0, max_fields=_MAX_FIELDS, max_part_size=_MAX_PART)


async def csrf_ok(request: Request, session: Session) -> bool:
    """Whether the posted form carries the session's CSRF token."""
    form = await read_form(request)
    return session.csrf_ok(form.get("csrf_token"))


def csrf_refused(console: Console, request: Request, session: Session) -> Response:
    """The 403 page of a form post without the right CSRF token."""
    return console.render(
        request,
        session,
        "error.html",
        {
            "title": "Form expired",
            "message": "This form was not sent from the current console page (its security "
            "token is missing or old). Go back, reload the page and send it again.",
        },
        status=403,
    )
