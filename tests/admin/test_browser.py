"""The console in a real browser: Debian's chromium driven by Playwright, against a real
``scimdir serve`` process.

One server (fresh SQLite), one account and one browser serve the whole module. The module's
first use signs in through the form and adds an Entra directory (reading its tenant URL and
secret); the tests then provision through the SCIM API with that secret and check what the
console shows: the users list and a user's page, search, the log with a failure and its fix,
an IdP's ``<script>`` shown as text, Unlink and Delete. Screenshots of every main page go to
``artifacts/console/`` (ignored by git). Skipped only when chromium is missing and ``CI`` is
unset (on CI a missing browser is a failure).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.admin.conftest import PASSWORD
from tests.real_servers import SCIMDIR, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"
ADMIN = "admin@example.com"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow


@dataclass
class Server:
    """The running server: its base URL and the environment its CLI commands need."""

    base: str
    env: dict[str, str]

    def cli(self, *args: str, stdin: str | None = None) -> None:
        """Run ``scimdir ARGS`` against the server's database."""
        subprocess.run(
            [*SCIMDIR, *args], input=stdin, env=self.env, text=True, check=True, capture_output=True
        )


@dataclass
class Connected:
    """The Entra directory added through the browser: its id, tenant URL and secret."""

    directory_id: str
    tenant_url: str
    secret: str

    def scim(self, method: str, path: str, body: object = None) -> httpx.Response:
        """A SCIM request with the directory's secret, as the identity provider sends it."""
        return httpx.request(
            method,
            f"{self.tenant_url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.secret}"},
            timeout=10,
        )

    def provision(self, user_name: str, **extra: object) -> httpx.Response:
        """POST a user (with a work e-mail unless ``emails`` is given)."""
        body = {
            "schemas": [USER_SCHEMA],
            "userName": user_name,
            "displayName": user_name.split("@", maxsplit=1)[0].title(),
            "emails": [{"value": user_name, "type": "work", "primary": True}],
            **extra,
        }
        return self.scim("POST", "/Users", body)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server on a free port, a fresh SQLite database and one admin account."""
    tmp_path = tmp_path_factory.mktemp("console")
    database = f"sqlite:///{tmp_path / 'console.db'}"
    # A loaded CI machine starts slowly.
    with running_server(database, tmp_path, start_timeout=90) as served:
        running = Server(served.url, served.env)
        running.cli("admin", "create", "--email", ADMIN, "--password-stdin", stdin=PASSWORD)
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium for the module."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def context(browser: Any) -> Iterator[Any]:
    """One browser context (one cookie jar: signed in once) for the module."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    """A tab; the test fails on any script error, CSP violation or alert dialog."""
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    yield tab
    tab.close()
    assert errors == []


def shot(page: Any, name: str) -> None:
    """A full-page screenshot into the artifacts folder."""
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def reload_until(page: Any, text: str, seconds: float = 10) -> None:
    """Reload until ``text`` shows (the server writes its log every half second)."""
    deadline = time.monotonic() + seconds
    while not page.get_by_text(text).first.is_visible():
        assert time.monotonic() < deadline, f"{text!r} never appeared"
        time.sleep(0.3)
        page.reload()


@pytest.fixture(scope="module")
def connected(server: Server, context: Any) -> Connected:
    """Sign in through the form (after being redirected there) and add an Entra directory,
    reading the tenant URL and secret the console shows once."""
    base = server.base
    tab = context.new_page()
    tab.goto(f"{base}/admin/")
    assert tab.url == f"{base}/admin/login"  # signed out: redirected
    shot(tab, "sign-in")
    tab.get_by_label("Email").fill(ADMIN)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{base}/admin/")
    assert tab.get_by_text("No directory yet").is_visible()
    shot(tab, "empty")
    tab.get_by_role("link", name="Add your first directory").click()
    tab.get_by_label("Name").fill("Jira production")
    tab.get_by_label("Identity provider").select_option("entra")
    tab.get_by_role("button", name="Add directory").click()
    tenant_url = tab.get_by_label("Tenant URL").input_value()
    secret = tab.get_by_label("Secret token").input_value()
    assert tab.get_by_text("cannot reach it").is_visible()  # a loopback tenant URL
    shot(tab, "add-directory-entra")
    tab.close()
    directory_id = tenant_url.removeprefix(f"{base}/scim/").removesuffix("/v2")
    return Connected(directory_id, tenant_url, secret)


def test_sign_in_and_add_an_entra_directory_in_a_browser(
    server: Server, connected: Connected, page: Any
) -> None:
    """The secret the console showed opens the SCIM API; the directory is listed, without it."""
    assert connected.tenant_url.startswith(f"{server.base}/scim/")
    assert connected.secret.startswith("scimdir_")
    assert connected.scim("GET", "/Users").status_code == 200
    page.goto(f"{server.base}/admin/")
    row = page.get_by_role("row").filter(has_text="Jira production")
    assert row.count() == 1
    assert connected.secret not in page.content()
    shot(page, "directories-new")
    row.get_by_role("link", name="Jira production").click()
    assert page.get_by_role("heading", name="Jira production").is_visible()


def test_a_provisioned_user_is_listed_found_and_shown(
    server: Server, connected: Connected, page: Any
) -> None:
    """A user POSTed with the directory's secret shows in the users list, search finds it, and
    its page shows its attributes and raw SCIM JSON."""
    assert connected.provision("grace@example.com", externalId="ext-grace").status_code == 201
    assert connected.provision("alan@example.com").status_code == 201
    page.goto(f"{server.base}/admin/directories/{connected.directory_id}")
    page.get_by_role("navigation", name="Directory sections").get_by_role(
        "link", name="Users"
    ).click()
    assert page.get_by_role("link", name="grace@example.com").is_visible()
    shot(page, "users")
    page.get_by_label("Search users").fill("gra")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("link", name="grace@example.com").is_visible()
    assert page.get_by_role("link", name="alan@example.com").count() == 0
    page.get_by_role("link", name="grace@example.com").click()
    assert page.get_by_role("heading", name="Grace").is_visible()
    assert page.get_by_text("ext-grace").first.is_visible()
    assert '"userName": "grace@example.com"' in page.locator("pre.json").inner_text()
    shot(page, "user")


def test_a_script_display_name_is_shown_as_text(
    server: Server, connected: Connected, page: Any
) -> None:
    """A displayName of <script>alert(1)</script> is the user page's heading, as text: no
    script runs (the page fixture fails on any alert)."""
    hostile = "<script>alert(1)</script>"
    created = connected.provision("mallory@example.com", displayName=hostile)
    assert created.status_code == 201
    user_id = created.json()["id"]
    page.goto(f"{server.base}/admin/directories/{connected.directory_id}/users/{user_id}")
    assert page.get_by_role("heading", level=1).inner_text() == hostile
    assert page.locator("main script").count() == 0


def test_a_user_without_email_shows_its_failure_and_fix_in_the_log(
    server: Server, connected: Connected, page: Any
) -> None:
    """A user without e-mail is refused; the log, filtered to failures, shows why and the fix."""
    refused = connected.scim(
        "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "nomail@example.com"}
    )
    assert refused.status_code == 400
    page.goto(f"{server.base}/admin/directories/{connected.directory_id}/log")
    reload_until(page, "nomail@example.com")
    page.get_by_label("Failures only").check()
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("table.log tbody tr")
    assert rows.count() >= 1
    assert all("failed" in (rows.nth(i).get_attribute("class") or "") for i in range(rows.count()))
    failure = rows.filter(has_text="nomail@example.com").first
    assert failure.locator("p.fix").inner_text().startswith("Fix:")
    assert "Switch(IsPresent([mail])" in failure.inner_text()
    shot(page, "log-failure")
    page.get_by_role("link", name="Overview").click()
    reload_until(page, "nomail@example.com")
    shot(page, "directory")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Directories").click()
    assert page.get_by_role("row").filter(has_text="Jira production").count() == 1
    shot(page, "directories")


def test_unlink_and_delete_from_the_user_page(
    server: Server, connected: Connected, page: Any
) -> None:
    """Unlink (with user linking on) and Delete, each confirmed, from the user's page."""
    server.cli("directory", "set", connected.directory_id, "user_linking", "true")
    created = connected.provision("linus@example.com")
    assert created.status_code == 201
    user_url = (
        f"{server.base}/admin/directories/{connected.directory_id}/users/{created.json()['id']}"
    )
    page.goto(user_url)
    page.get_by_role("link", name="Unlink").click()
    assert page.get_by_role("heading", name="Unlink linus@example.com?").is_visible()
    page.get_by_role("button", name="Unlink user").click()
    assert page.get_by_text("The user was unlinked").is_visible()
    assert connected.scim("GET", f"/Users/{created.json()['id']}").status_code == 404
    page.get_by_role("link", name="Delete", exact=True).click()
    shot(page, "delete-user")
    page.get_by_role("button", name="Delete user").click()
    assert page.get_by_text("The user was deleted.").is_visible()
    assert page.get_by_role("link", name="linus@example.com").count() == 0
