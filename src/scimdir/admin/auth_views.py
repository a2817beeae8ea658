"""Sign-in, sign-out, and the one-time setup link that creates the first account."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimdir.admin.console import Console, csrf_ok, csrf_refused, read_form, signed_in
from scimdir.admin.session import Session
from scimdir.service.admin_accounts import MIN_PASSWORD_LENGTH
from scimdir.service.directories import AdminError

__all__ = ["auth_routes"]

_MAX_FIELD = 1024


def _field(form: object, name: str) -> str:
    value = form.get(name) if hasattr(form, "get") else None
    return value[:_MAX_FIELD] if isinstance(value, str) else ""


def auth_routes(console: Console) -> list[BaseRoute]:
    """The sign-in routes."""

    async def login(request: Request) -> Response:
        session = await console.session(request)
        if request.method == "GET":
            if session.admin_id is not None:
                return console.redirect(request, "/")
            return console.render(request, session, "login.html", {"email": ""})
        if not await csrf_ok(request, session):
            return csrf_refused(console, request, session)
        form = await read_form(request)
        email, password = _field(form, "email"), _field(form, "password")
        address = request.client.host if request.client else "unknown"
        wait = console.throttle.wait_seconds(email, address)
        if wait:
            return console.render(
                request,
                session,
                "login.html",
                {
                    "email": email,
                    "error": f"Too many failed sign-ins. Try again in {wait} seconds.",
                },
                status=429,
            )
        account = await console.call(console.services.admin_accounts.verify, email, password)
        if account is None:
            console.throttle.failed(email, address)
            return console.render(
                request,
                session,
                "login.html",
                {"email": email, "error": "The e-mail or the password is wrong."},
                status=401,
            )
        console.throttle.succeeded(email, address)
        return console.redirect(request, "/", Session.fresh(account.id))

    async def logout(request: Request, session: Session) -> Response:
        return console.redirect(request, "/login", Session.fresh())

    async def setup(request: Request) -> Response:
        session = await console.session(request)
        token = request.path_params["token"]
        accounts = console.services.admin_accounts
        context = {"min_length": MIN_PASSWORD_LENGTH, "email": ""}
        if request.method == "GET":
            if not await console.call(accounts.link_valid, token):
                context["error"] = (
                    "This sign-in link is unknown, used or expired. Create an account with "
                    "`scimdir admin create --email EMAIL`."
                )
                return console.render(request, session, "setup.html", context, status=404)
            return console.render(request, session, "setup.html", context)
        if not await csrf_ok(request, session):
            return csrf_refused(console, request, session)
        form = await read_form(request)
        email, password = _field(form, "email"), _field(form, "password")
        context["email"] = email
        if password != _field(form, "password_again"):
            context["error"] = "The two passwords differ."
            return console.render(request, session, "setup.html", context, status=400)
        try:
            record = await console.call(accounts.redeem_link, token, email, password)
        except AdminError as exc:
            context["error"] = str(exc)
            return console.render(request, session, "setup.html", context, status=400)
        return console.redirect(request, "/", Session.fresh(record.id))

    return [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", signed_in(console, logout), methods=["POST"]),
        Route("/setup/{token}", setup, methods=["GET", "POST"]),
    ]
