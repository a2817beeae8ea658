"""The console's ASGI app: routes, templates, static files, security headers (docs/console.md).

Every page but sign-in, the one-time setup link and the static files needs a signed-in session
(others are redirected to ``/admin/login``); every form post needs the session's CSRF token
(else 403). Templates autoescape every value, so what an IdP sent is always shown as text.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from scimdir.admin.auth_views import auth_routes
from scimdir.admin.console import Console
from scimdir.admin.directory_views import directory_routes
from scimdir.admin.group_views import group_routes
from scimdir.admin.headers import SecurityHeaders
from scimdir.admin.log_pages import log_routes
from scimdir.admin.pages import TEMPLATE_HELPERS
from scimdir.admin.preview_views import preview_routes
from scimdir.admin.schema_views import schema_routes
from scimdir.admin.settings_views import settings_routes
from scimdir.admin.throttle import SignInThrottle
from scimdir.admin.user_views import user_routes
from scimdir.composition import Services
from scimdir.settings import Settings

__all__ = ["create_console"]

_HERE = Path(__file__).parent


def create_console(services: Services, settings: Settings) -> Starlette:
    """The console app that ``web/app.py`` mounts at ``/admin``."""
    env = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.globals.update(TEMPLATE_HELPERS)
    console = Console(
        services=services,
        public_url=settings.base_url(),
        session_secret=settings.session_secret,
        env=env,
        throttle=SignInThrottle(),
    )
    routes: list[BaseRoute] = [
        *auth_routes(console),
        *directory_routes(console),
        *user_routes(console),
        *group_routes(console),
        *log_routes(console),
        *settings_routes(console),
        *preview_routes(console),
        *schema_routes(console),
        Mount("/static", app=StaticFiles(directory=_HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
    app.state.console = console
    return app
