"""The console in a real browser: Debian's chromium driven by Playwright, against a real
``scimdir serve`` process.

Creates an admin with the CLI, signs in through the form, adds an Entra directory, reads the
tenant URL and secret, checks the directory in the list, and writes screenshots to
``artifacts/console/`` (ignored by git). Skipped only when chromium is missing and ``CI`` is unset
(on CI a missing browser is a failure).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.admin.conftest import PASSWORD
from tests.e2e.test_quickstart import free_port

SCIMDIR = [sys.executable, "-m", "scimdir.cli"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"
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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A real server on a free port and a fresh SQLite database."""
    port = free_port()
    env = {
        **os.environ,
        "SCIMDIR_DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}",
        "SCIMDIR_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*SCIMDIR, "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                proc.kill()
                pytest.fail(f"server did not start:\n{log_path.read_text()}")
            yield base, env
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.mark.slow
def test_sign_in_and_add_an_entra_directory_in_a_browser(
    server: tuple[str, dict[str, str]],
) -> None:
    """Sign in through the form, add an Entra directory, read its tenant URL and secret, see it
    listed; the secret opens the directory's SCIM API."""
    base, env = server
    subprocess.run(
        [*SCIMDIR, "admin", "create", "--email", "admin@example.com", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
        text=True,
        check=True,
        capture_output=True,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/admin/")
            assert page.url == f"{base}/admin/login"  # signed out: redirected
            page.screenshot(path=ARTIFACTS / "sign-in.png", full_page=True)
            page.get_by_label("Email").fill("admin@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/admin/")
            assert page.get_by_text("No directory yet").is_visible()
            page.screenshot(path=ARTIFACTS / "empty.png", full_page=True)

            page.get_by_role("link", name="Add your first directory").click()
            page.get_by_label("Name").fill("Jira production")
            page.get_by_label("Identity provider").select_option("entra")
            page.get_by_role("button", name="Add directory").click()
            tenant_url = page.get_by_label("Tenant URL").input_value()
            secret = page.get_by_label("Secret token").input_value()
            assert tenant_url.startswith(f"{base}/scim/")
            assert tenant_url.endswith("/v2")
            assert secret.startswith("scimdir_")
            assert page.get_by_text("cannot reach it").is_visible()  # a loopback tenant URL
            page.screenshot(path=ARTIFACTS / "add-directory-entra.png", full_page=True)

            answer = httpx.get(
                f"{tenant_url}/Users", headers={"Authorization": f"Bearer {secret}"}, timeout=5
            )
            assert answer.status_code == 200

            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Directories"
            ).click()
            row = page.get_by_role("row").filter(has_text="Jira production")
            assert row.count() == 1
            assert secret not in page.content()
            page.screenshot(path=ARTIFACTS / "directories.png", full_page=True)
            row.get_by_role("link", name="Jira production").click()
            assert page.get_by_role("heading", name="Jira production").is_visible()
            page.screenshot(path=ARTIFACTS / "directory.png", full_page=True)
            assert errors == []  # no CSP violation or script error
        finally:
            browser.close()
