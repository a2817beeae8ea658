"""Fixtures for the admin console: the real app in process on SQLite and PostgreSQL, signed-in
clients. On PostgreSQL the database is shared, so accounts and directories get unique names."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scimdir.composition import Services
from scimdir.settings import Settings
from scimdir.web.app import create_app

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    """A client of the console (over https, so its Secure cookie is sent) and the services."""

    client: TestClient
    services: Services

    def csrf(self, path: str = "/admin/login") -> str:
        """The CSRF token of the form on ``path``."""
        page = self.client.get(path)
        match = _CSRF.search(page.text)
        assert match, page.text
        return match.group(1)

    def new_account(self) -> str:
        """A new account's e-mail (password :data:`PASSWORD`)."""
        email = f"admin-{uuid.uuid4().hex[:12]}@example.com"
        self.services.admin_accounts.create(email, PASSWORD)
        return email

    def sign_in(self) -> str:
        """Sign in as a new account; returns its e-mail."""
        email = self.new_account()
        token = self.csrf()
        response = self.client.post(
            "/admin/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return email


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def console(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Console]:
    """The app on a fresh SQLite file or the shared PostgreSQL test database, signed out."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'scimdir.db'}"
    settings = Settings(database_url=url, public_url="https://scim.example.test", db_pool_size=2)
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver") as client:
        yield Console(client, app.state.services)
    app.state.services.storage.dispose()
