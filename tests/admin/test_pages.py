"""Console pages: directories with health, Add directory, a directory's overview; escaping of
IdP values, security headers, CSRF on forms."""

from __future__ import annotations

import re
import uuid

from scimdir.service.setup_guides import ENTRA_MAPPINGS
from tests.admin.conftest import Console
from tests.admin.provisioning import new_directory, provision_group, provision_user, scim


def _add(console: Console, name: str, idp: str = "entra") -> str:
    response = console.client.post(
        "/admin/directories/new",
        data={"name": name, "idp": idp, "csrf_token": console.csrf("/admin/directories/new")},
    )
    assert response.status_code == 200, response.text
    return response.text


def test_an_empty_console_says_what_to_do_next(console: Console) -> None:
    """With no directory the list page offers to add the first one (SQLite: a fresh database)."""
    console.sign_in()
    if console.services.directories.list_all():  # the shared PostgreSQL database
        return
    page = console.client.get("/admin/").text
    assert "No directory yet" in page
    assert "Add your first directory" in page


def test_add_directory_shows_tenant_url_secret_and_entra_steps_once(console: Console) -> None:
    """Adding an Entra directory shows its tenant URL, a secret that opens it, and the guide."""
    console.sign_in()
    name = f"Jira {uuid.uuid4().hex[:8]}"
    page = _add(console, name)
    url = re.search(r'id="tenant-url" readonly value="([^"]+)"', page)
    secret = re.search(r'id="secret-token" readonly value="([^"]+)"', page)
    assert url and secret
    directory_id = url.group(1).split("/scim/")[1].split("/")[0]
    assert url.group(1) == f"https://scim.example.test/scim/{directory_id}/v2"
    assert console.services.directories.authenticate(directory_id, secret.group(1)) is not None
    assert "Provision on demand" in page
    assert "40 minutes" in page
    assert f"tenantId: {directory_id}" in page
    assert 'data-copy="secret-token"' in page
    for mapping in ENTRA_MAPPINGS:
        assert mapping.target.replace('"', "&#34;") in page
    assert "cannot reach it" not in page  # https public URL: no loopback warning
    listing = console.client.get("/admin/").text
    assert name in listing
    assert secret.group(1) not in listing
    overview = console.client.get(f"/admin/directories/{directory_id}").text
    assert secret.group(1) not in overview


def test_add_directory_without_a_name_is_refused_with_the_reason(console: Console) -> None:
    """An empty name re-shows the form with the service's message, and creates nothing."""
    console.sign_in()
    before = len(console.services.directories.list_all())
    response = console.client.post(
        "/admin/directories/new",
        data={"name": "  ", "idp": "entra", "csrf_token": console.csrf("/admin/directories/new")},
    )
    assert response.status_code == 400
    assert "A directory needs a name." in response.text
    assert len(console.services.directories.list_all()) == before


def test_a_form_post_without_the_csrf_token_is_refused(console: Console) -> None:
    """Add directory without the session's CSRF token (or with another) is 403 and does nothing."""
    console.sign_in()
    before = len(console.services.directories.list_all())
    for data in ({"name": "x", "idp": "entra"}, {"name": "x", "idp": "entra", "csrf_token": "x"}):
        response = console.client.post("/admin/directories/new", data=data)
        assert response.status_code == 403
    assert len(console.services.directories.list_all()) == before


def test_idp_values_are_shown_as_text(console: Console) -> None:
    """A displayName and userName of <script>alert(1)</script> from the IdP render escaped on
    the users list, the user's page (raw JSON included) and the log."""
    console.sign_in()
    created = new_directory(console, "Escaping")
    hostile = "<script>alert(1)</script>"
    user_id = provision_user(console, created, f"{hostile}@example.com", displayName=hostile)
    base = f"/admin/directories/{created.directory.id}"
    for path in (base, f"{base}/users", f"{base}/users/{user_id}", f"{base}/log"):
        page = console.client.get(path).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
        assert "<script>alert" not in page, path


def test_overview_shows_counts_activity_and_quirks(console: Console) -> None:
    """The overview counts users, active users and groups, lists recent requests with their
    quirks explained, and links to the users, groups and log pages."""
    console.sign_in()
    created = new_directory(console, "Overview")
    ann = provision_user(console, created, "ann@example.com")
    provision_user(console, created, "bob@example.com", active=False)
    provision_group(console, created, "Sales", [ann])
    scim(
        console,
        created,
        "PATCH",
        f"/Users/{ann}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "active", "value": "True"}],
        },
    )
    base = f"/admin/directories/{created.directory.id}"
    page = console.client.get(base).text
    assert '<span class="value">2</span><span class="label">Users</span>' in page
    assert '<span class="value">1</span><span class="label">Active users</span>' in page
    assert '<span class="value">1</span><span class="label">Groups</span>' in page
    assert re.search(r"<code title=\"/scim/[^\"]+\">POST /Users</code>", page), page
    assert "<code>entra.capitalised-op</code>" in page
    assert "PATCH op names in any case" in page  # the quirk's summary
    for tab in ("users", "groups", "log"):
        assert f'href="{base}/{tab}"' in page


def test_an_unknown_directory_is_a_404_page(console: Console) -> None:
    """A directory id that does not exist answers 404 with a way back."""
    console.sign_in()
    response = console.client.get("/admin/directories/nope")
    assert response.status_code == 404
    assert "No such directory" in response.text


def test_every_console_response_has_the_security_headers(console: Console) -> None:
    """Pages, redirects, errors and static files carry CSP, nosniff and a referrer policy."""
    console.sign_in()
    for path in ("/admin", "/admin/login", "/admin/", "/admin/nope", "/admin/static/console.css"):
        response = console.client.get(path, follow_redirects=False)
        headers = response.headers
        assert headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    assert console.client.get("/admin/").headers["cache-control"] == "no-store"


def test_pages_use_no_inline_script(console: Console) -> None:
    """Every script is a file of the console (the CSP forbids inline script)."""
    console.sign_in()
    page = console.client.get("/admin/directories/new").text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts
    assert all('src="/admin/static/' in attrs and body == "" for attrs, body in scripts)
