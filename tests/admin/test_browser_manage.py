"""A directory's management pages in a real browser: Debian's chromium driven by Playwright,
against one real ``scimdir serve`` process and one signed-in browser for the whole module.

- user linking: a user the IdP creates over an existing unlinked account is refused (409); after
  *Link users on creation* is turned on in Advanced settings the same POST links it;
- Rotate secret: with an overlap the old secret still opens the tenant URL, with none it is
  refused (401);
- Reset directory behind the typed name: the users are gone;
- a form post without the CSRF token is refused (403) and changes nothing;
- the mapping preview of an uploaded Entra CSV export.

Screenshots go to ``artifacts/console/`` (ignored by git). Skipped only when chromium is missing
and ``CI`` is unset, as ``test_browser.py``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.admin.conftest import PASSWORD
from tests.admin.test_browser import _ARGS, ARTIFACTS, CHROMIUM, SCIMDIR
from tests.real_servers import running_server

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow
_USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@dataclass
class Site:
    """The server's base URL and environment, and a signed-in browser page."""

    base: str
    env: dict[str, str]
    page: Any
    errors: list[str]

    def add_directory(self, name: str) -> tuple[str, str, str]:
        """Add an Entra directory through the console: (id, tenant URL, secret)."""
        page = self.page
        page.goto(f"{self.base}/admin/directories/new")
        page.get_by_label("Name").fill(name)
        page.get_by_role("button", name="Add directory").click()
        tenant_url = page.get_by_label("Tenant URL").input_value()
        secret = page.get_by_label("Secret token").input_value()
        return tenant_url.split("/scim/")[1].split("/")[0], tenant_url, secret

    def shot(self, name: str) -> None:
        self.page.screenshot(path=ARTIFACTS / name, full_page=True)


def _create_user(tenant_url: str, secret: str, user_name: str) -> httpx.Response:
    return httpx.post(
        f"{tenant_url}/Users",
        json={
            "schemas": [_USER],
            "userName": user_name,
            "displayName": user_name.split("@", maxsplit=1)[0].title(),
            "emails": [{"value": user_name, "type": "work", "primary": True}],
        },
        headers={"Authorization": f"Bearer {secret}"},
        timeout=10,
    )


def _list_users(tenant_url: str, secret: str) -> httpx.Response:
    return httpx.get(
        f"{tenant_url}/Users", headers={"Authorization": f"Bearer {secret}"}, timeout=10
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One server on a fresh SQLite database and one signed-in chromium page for the module."""
    tmp_path = tmp_path_factory.mktemp("console-manage")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    database = f"sqlite:///{tmp_path / 'console.db'}"
    # A loaded CI machine starts slowly.
    with running_server(database, tmp_path, start_timeout=120) as served:
        base, env = served.url, served.env
        subprocess.run(
            [*SCIMDIR, "admin", "create", "--email", "ops@example.com", "--password-stdin"],
            input=PASSWORD + "\n",
            env=env,
            text=True,
            check=True,
            capture_output=True,
        )
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=_ARGS
            )
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.goto(f"{base}/admin/login")
                page.get_by_label("Email").fill("ops@example.com")
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(f"{base}/admin/")
                yield Site(base, env, page, errors)
                assert errors == []  # no CSP violation or script error on any page
            finally:
                browser.close()


def test_turning_on_user_linking_links_a_user_that_failed(site: Site) -> None:
    """An unlinked local account blocks the IdP's create (409); Advanced settings turns linking
    on; the same POST then links the account."""
    directory_id, tenant_url, secret = site.add_directory("Linking")
    subprocess.run(
        [
            *SCIMDIR,
            "user",
            "create",
            "--directory",
            directory_id,
            "--user-name",
            "ann@example.com",
            "--display-name",
            "Ann",
        ],
        env=site.env,
        check=True,
        capture_output=True,
    )
    refused = _create_user(tenant_url, secret, "ann@example.com")
    assert refused.status_code == 409, refused.text

    page = site.page
    page.goto(f"{site.base}/admin/directories/{directory_id}")
    page.get_by_role("navigation", name="Directory").get_by_role(
        "link", name="Advanced settings"
    ).click()
    linking = page.get_by_label("Link users on creation")
    assert not linking.is_checked()
    linking.check()
    page.get_by_role("button", name="Save settings").click()
    assert page.get_by_role("status").filter(has_text="Settings saved").is_visible()
    assert page.get_by_label("Link users on creation").is_checked()
    site.shot("settings.png")

    linked = _create_user(tenant_url, secret, "ann@example.com")
    assert linked.status_code == 201, linked.text
    page.goto(f"{site.base}/admin/directories/{directory_id}/users")
    row = page.get_by_role("row").filter(has_text="ann@example.com")
    assert row.get_by_role("cell", name="Linked", exact=True).is_visible()


def test_rotating_the_secret_with_and_without_an_overlap(site: Site) -> None:
    """1 hour of overlap: old and new secrets both work; none: the older ones are refused."""
    directory_id, tenant_url, first = site.add_directory("Rotation")
    page = site.page
    page.goto(f"{site.base}/admin/directories/{directory_id}/rotate")
    page.get_by_label("1 hour").check()
    page.get_by_role("button", name="Rotate secret").click()
    second = page.get_by_label("Secret token").input_value()
    assert second != first
    assert "keeps working until" in page.locator("#old-secret").inner_text()
    assert page.get_by_role("row").count() == 3  # the header and two live secrets
    site.shot("rotate.png")
    assert _list_users(tenant_url, first).status_code == 200
    assert _list_users(tenant_url, second).status_code == 200

    page.get_by_label("None: the old secret stops working now").check()
    page.get_by_role("button", name="Rotate secret").click()
    third = page.get_by_label("Secret token").input_value()
    assert "stopped working now" in page.locator("#old-secret").inner_text()
    assert _list_users(tenant_url, first).status_code == 401
    assert _list_users(tenant_url, second).status_code == 401
    assert _list_users(tenant_url, third).status_code == 200


def test_reset_behind_the_typed_name_and_a_post_without_csrf(site: Site) -> None:
    """A post without the CSRF token is refused and removes nothing; the typed reset removes the
    users."""
    directory_id, tenant_url, secret = site.add_directory("Reset me")
    for user in ("bob@example.com", "cy@example.com"):
        assert _create_user(tenant_url, secret, user).status_code == 201
    page = site.page
    reset_url = f"{site.base}/admin/directories/{directory_id}/reset"

    forged = page.request.post(reset_url, form={"confirm": "Reset me", "users": "delete"})
    assert forged.status == 403
    assert _list_users(tenant_url, secret).json()["totalResults"] == 2

    page.goto(reset_url)
    assert "2 users" in page.locator("#reset-plan").inner_text()
    page.get_by_label("Type the directory's name").fill("Reset me")
    site.shot("reset.png")
    page.get_by_role("button", name="Reset directory").click()
    assert page.get_by_role("status").filter(has_text="Reset done: 2 users deleted").is_visible()
    assert _list_users(tenant_url, secret).json()["totalResults"] == 0
    page.get_by_role("link", name="Back to the directory").click()
    page.get_by_role("navigation", name="Directory sections").get_by_role(
        "link", name="Users", exact=True
    ).click()
    assert page.get_by_text("No users yet").is_visible()


def test_mapping_preview_of_an_entra_csv_export(site: Site, tmp_path: Path) -> None:
    """Upload Entra's user export: one user accepted, one refused with its fix."""
    directory_id, _, _ = site.add_directory("Preview")
    export = tmp_path / "users.csv"
    export.write_text(
        "User principal name,Display name,Mail\n"
        "dee@contoso.com,Dee,dee@contoso.com\n"
        "eve@contoso.com,,\n",
        encoding="utf-8",
    )
    page = site.page
    page.goto(f"{site.base}/admin/directories/{directory_id}/preview")
    assert page.get_by_text("No users previewed yet").is_visible()
    page.get_by_label("Or upload a file").set_input_files(export)
    page.get_by_role("button", name="Preview").click()
    dee = page.locator("li.preview").filter(has_text="dee@contoso.com")
    eve = page.locator("li.preview").filter(has_text="eve@contoso.com")
    assert dee.get_by_text("Would be accepted").is_visible()
    assert eve.get_by_text("Would be refused").is_visible()
    assert eve.get_by_text("Fix:").first.is_visible()
    site.shot("preview.png")
