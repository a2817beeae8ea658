"""The peer: python-scim's scim2-server, built as a WSGI app for gunicorn (runs in the peer venv).

Loaded by ``gunicorn 'bench.peer_app:create()'`` inside ``bench/.peer-venv`` (this module must not
import scimdir, which that venv does not have). It builds the application the way
``scim2_server.testserver.cli`` does (default schemas and resource types, a bearer token, one
``InMemoryStorage`` per tenant behind ``TenantDispatcher``), then seeds each tenant in-process by
calling the WSGI app itself with Entra-shaped ``POST /v2/Users`` bodies, so the stored resources
are exactly what the peer would store over HTTP. The in-memory storage lives in one process, so
gunicorn must run one worker (with threads).

Environment: ``BENCH_PEER_TOKEN`` (bearer token), ``BENCH_PEER_TENANTS`` (``name:users,...``) and
``BENCH_PEER_IDS_DIR`` (where ``<tenant>.ids`` files list the seeded user ids, in seeding order).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from scim2_models import ScimProvider
from scim2_server.applications.wsgi import TenantDispatcher  # type: ignore[import-not-found]
from scim2_server.memory import InMemoryStorage  # type: ignore[import-not-found]
from scim2_server.service import ScimService  # type: ignore[import-not-found]
from scim2_server.testserver.application import (  # type: ignore[import-not-found]
    BEARER_TOKEN_SCHEME,
    BearerTokenApplication,
)
from scim2_server.utils import (  # type: ignore[import-not-found]
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def user_body(i: int) -> dict[str, Any]:
    """The seeded user ``i``: the same names as ``scimdir.devtools.seed`` uses."""
    name = f"user{i:07d}@example.test"
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "externalId": f"ext-{i:07d}",
        "displayName": f"User {i}",
        "active": True,
        "emails": [{"value": name, "type": "work", "primary": True}],
        "name": {"givenName": "User", "familyName": f"{i:07d}"},
    }


def call(app: WsgiApp, method: str, path: str, token: str, body: Any) -> tuple[str, bytes]:
    """Serve one request in-process and return its status line and body."""
    raw = json.dumps(body).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "CONTENT_TYPE": "application/scim+json",
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(raw),
    }
    status: list[str] = []

    def start_response(line: str, headers: Any, exc_info: Any = None) -> None:
        status.append(line)

    out = b"".join(app(environ, start_response))
    return status[0], out


def seed(app: WsgiApp, token: str, users: int, ids_file: Path) -> None:
    """Create ``users`` users through the app itself and write their ids to ``ids_file``."""
    ids: list[str] = []
    for i in range(users):
        status, out = call(app, "POST", "/v2/Users", token, user_body(i))
        if not status.startswith("201"):
            raise RuntimeError(f"peer seeding failed at user {i}: {status} {out[:200]!r}")
        ids.append(json.loads(out)["id"])
    ids_file.write_text("\n".join(ids) + "\n")


def create() -> WsgiApp:
    """Build the multi-tenant peer app and seed its tenants (gunicorn's app factory)."""
    token = os.environ["BENCH_PEER_TOKEN"]
    ids_dir = Path(os.environ["BENCH_PEER_IDS_DIR"])
    tenants = dict(
        (name, int(count))
        for name, count in (
            item.split(":") for item in os.environ["BENCH_PEER_TENANTS"].split(",") if item
        )
    )
    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )
    service = ScimService(provider, secret=token)
    apps: dict[str, WsgiApp] = {
        name: BearerTokenApplication(
            InMemoryStorage(), provider, service=service, bearer_tokens=[token]
        )
        for name in tenants
    }
    for name, users in tenants.items():
        seed(apps[name], token, users, ids_dir / f"{name}.ids")
    dispatcher: WsgiApp = TenantDispatcher(apps.get)
    return dispatcher
