"""A directory's management pages in process, on SQLite and PostgreSQL: Advanced settings
(validation next to each field, IdP change with its preset, the change logged), Rotate secret
(overlap or none), Reset and Delete behind the typed name, CSRF and sign-in on every new page."""

from __future__ import annotations

import re
import uuid

import pytest

from scimdir.service.directory_settings import DirectorySettings
from tests.admin.conftest import Console

_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
_PAGES = ("settings", "rotate", "reset", "delete", "preview")


def _directory(console: Console, idp: str = "entra") -> tuple[str, str, str]:
    """A new directory: (id, name, secret)."""
    name = f"Dir {uuid.uuid4().hex[:8]}"
    created = console.services.directories.create(name, idp)
    return created.directory.id, name, created.secret


def _provision(console: Console, directory_id: str, secret: str, user_name: str) -> int:
    response = console.client.post(
        f"/scim/{directory_id}/v2/Users",
        json={
            "schemas": [_USER],
            "userName": user_name,
            "displayName": user_name.split("@", maxsplit=1)[0],
            "emails": [{"value": user_name, "type": "work", "primary": True}],
        },
        headers={"Authorization": f"Bearer {secret}"},
    )
    return response.status_code


def _settings_form(console: Console, directory_id: str, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": console.csrf(f"/admin/directories/{directory_id}/settings"),
        "idp": "entra",
        "deletion": "delete",
        "required_attributes": ["userName", "displayName", "email"],
        "undeclared_attributes": "keep",
        "rate_limit": "0",
        "rate_limit_burst": "0",
        "cycle_minutes": "40",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def _admin_effects(console: Console, directory_id: str) -> list[str]:
    console.services.log_sink.flush()
    entries = console.services.log.query(directory_id, limit=50).entries
    return [e.effect or "" for e in entries if e.method == "ADMIN"]


def test_settings_page_shows_every_setting_and_what_each_idp_changes(console: Console) -> None:
    """The form holds the directory's values; the IdP table names each dialect's quirks and
    preset."""
    console.sign_in()
    directory_id, name, _ = _directory(console)
    page = console.client.get(f"/admin/directories/{directory_id}/settings").text
    for field in (
        "user_linking",
        "rate_limit",
        "rate_limit_burst",
        "cycle_minutes",
        "apply_preset",
    ):
        assert f'<label for="{field}"' in page
    assert 'id="deletion-delete" name="deletion" value="delete" checked' in page
    assert 'id="required-email" name="required_attributes" value="email" checked' in page
    assert 'value="40"' in page
    assert "entra.capitalised-op" in page  # Entra's dialect
    assert "OneLogin" in page and "on DELETE deactivate" in page  # OneLogin's preset
    assert name in page


def test_saving_settings_changes_them_and_logs_the_change(console: Console) -> None:
    """Turning linking on and deactivation saves, redirects with a confirmation, and is logged."""
    console.sign_in()
    directory_id, _, _ = _directory(console)
    form = _settings_form(
        console,
        directory_id,
        user_linking="1",
        deletion="deactivate",
        required_attributes=["userName"],
        cycle_minutes="60",
    )
    response = console.client.post(f"/admin/directories/{directory_id}/settings", data=form)
    assert response.status_code == 200
    assert response.url.path.endswith("/settings") and "saved=1" in str(response.url)
    assert "Settings saved" in response.text
    settings = console.services.directories.settings(directory_id)
    assert settings == DirectorySettings(
        user_linking=True,
        deletion="deactivate",
        required_attributes=("userName",),
        undeclared_attributes="keep",
        cycle_minutes=60,
    )
    effects = _admin_effects(console, directory_id)
    assert any(
        "user_linking false -> true" in e and "deletion delete -> deactivate" in e for e in effects
    ), effects


def test_settings_errors_are_shown_next_to_each_field_and_nothing_changes(
    console: Console,
) -> None:
    """A rate below the minimum and a zero cycle: 400, both messages by their fields, no change."""
    console.sign_in()
    directory_id, _, _ = _directory(console)
    before = console.services.directories.settings(directory_id)
    form = _settings_form(
        console, directory_id, user_linking="1", rate_limit="5", cycle_minutes="0"
    )
    response = console.client.post(f"/admin/directories/{directory_id}/settings", data=form)
    assert response.status_code == 400
    page = response.text
    rate = re.search(r'<p class="field-error" id="rate_limit-error">([^<]+)</p>', page)
    cycle = re.search(r'<p class="field-error" id="cycle_minutes-error">([^<]+)</p>', page)
    assert rate and "at least 25" in rate.group(1)
    assert cycle and "between 1 and 10080" in cycle.group(1)
    assert 'aria-describedby="rate-hint rate_limit-error" aria-invalid="true"' in page
    assert 'value="5"' in page  # what was typed stays in the form
    assert console.services.directories.settings(directory_id) == before
    assert _admin_effects(console, directory_id) == []


def test_changing_the_idp_with_its_preset(console: Console) -> None:
    """Entra -> OneLogin with the preset: the IdP and OneLogin's settings, both logged."""
    console.sign_in()
    directory_id, _, _ = _directory(console)
    form = _settings_form(console, directory_id, idp="onelogin", apply_preset="1")
    response = console.client.post(f"/admin/directories/{directory_id}/settings", data=form)
    assert response.status_code == 200, response.text
    assert console.services.directories.get(directory_id).idp == "onelogin"
    settings = console.services.directories.settings(directory_id)
    assert (settings.user_linking, settings.deletion) == (True, "deactivate")
    effects = _admin_effects(console, directory_id)
    assert "changed the identity provider from entra to onelogin" in effects


def test_an_unknown_idp_is_refused_next_to_its_field(console: Console) -> None:
    console.sign_in()
    directory_id, _, _ = _directory(console)
    form = _settings_form(console, directory_id, idp="<b>nope</b>")
    response = console.client.post(f"/admin/directories/{directory_id}/settings", data=form)
    assert response.status_code == 400
    assert 'id="idp-error">Choose one of the identity providers' in response.text
    assert console.services.directories.get(directory_id).idp == "entra"


def test_rotate_with_an_overlap_keeps_the_old_secret_until_its_end(console: Console) -> None:
    """1 hour of overlap: the new secret is shown once, both open the directory, the page says
    until when; then rotating with none refuses both old ones."""
    console.sign_in()
    directory_id, _, old = _directory(console)
    path = f"/admin/directories/{directory_id}/rotate"
    response = console.client.post(path, data={"overlap": "1h", "csrf_token": console.csrf(path)})
    assert response.status_code == 200
    new = re.search(r'id="secret-token" readonly value="([^"]+)"', response.text)
    assert new and new.group(1) != old
    assert "keeps working until" in response.text
    directories = console.services.directories
    assert directories.authenticate(directory_id, old) is not None
    assert directories.authenticate(directory_id, new.group(1)) is not None
    assert response.text.count("<tr>") == 3  # header + two live secrets
    assert "newest" in response.text
    assert new.group(1) not in console.client.get(path).text  # shown once

    response = console.client.post(path, data={"overlap": "none", "csrf_token": console.csrf(path)})
    newest = re.search(r'id="secret-token" readonly value="([^"]+)"', response.text)
    assert newest and "stopped working now" in response.text
    assert directories.authenticate(directory_id, old) is None
    assert directories.authenticate(directory_id, new.group(1)) is None
    assert directories.authenticate(directory_id, newest.group(1)) is not None
    assert "rotate-secret" in [
        e.path for e in console.services.log.query(directory_id, limit=10).entries
    ]


def test_rotate_refuses_an_unknown_overlap(console: Console) -> None:
    console.sign_in()
    directory_id, _, old = _directory(console)
    path = f"/admin/directories/{directory_id}/rotate"
    response = console.client.post(path, data={"overlap": "99y", "csrf_token": console.csrf(path)})
    assert response.status_code == 400
    assert "Choose how long the old secret keeps working." in response.text
    assert len(console.services.directories.live_secrets(directory_id)) == 1
    assert console.services.directories.authenticate(directory_id, old) is not None


def test_reset_says_what_it_removes_and_needs_the_typed_name(console: Console) -> None:
    """The page counts users, groups and memberships; a wrong name removes nothing; the name
    removes the users and groups."""
    console.sign_in()
    directory_id, name, secret = _directory(console)
    for user in ("ann@example.com", "bob@example.com"):
        assert _provision(console, directory_id, secret, user) == 201
    ids = [u.id for u in console.services.admin_users.browse(directory_id).items]
    group = console.client.post(
        f"/scim/{directory_id}/v2/Groups",
        json={"schemas": [_GROUP], "displayName": "Eng", "members": [{"value": i} for i in ids]},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert group.status_code == 201, group.text
    path = f"/admin/directories/{directory_id}/reset"
    page = console.client.get(path).text
    plan = re.sub(r"\s+", " ", page.split('id="reset-plan">')[1].split("</ul>")[0])
    assert "<strong>2</strong> users" in plan
    assert "<strong>1</strong> group:" in plan
    assert "<strong>2</strong> group memberships" in plan

    wrong = console.client.post(
        path, data={"confirm": name + "x", "users": "delete", "csrf_token": console.csrf(path)}
    )
    assert wrong.status_code == 400
    assert "Nothing was removed." in wrong.text
    assert console.services.directory_counts.of(directory_id).users == 2

    done = console.client.post(
        path, data={"confirm": f" {name} ", "users": "delete", "csrf_token": console.csrf(path)}
    )
    assert done.status_code == 200
    assert "Reset done: 2 users deleted, 1 group deleted" in re.sub(r"\s+", " ", done.text)
    counts = console.services.directory_counts.of(directory_id)
    assert (counts.users, counts.groups) == (0, 0)
    assert console.services.admin_users.browse(directory_id).items == []


def test_reset_keeping_users_unlinked(console: Console) -> None:
    """With "keep them as unlinked accounts" the users stay, unlinked."""
    console.sign_in()
    directory_id, name, secret = _directory(console)
    assert _provision(console, directory_id, secret, "ann@example.com") == 201
    path = f"/admin/directories/{directory_id}/reset"
    done = console.client.post(
        path, data={"confirm": name, "users": "unlink", "csrf_token": console.csrf(path)}
    )
    assert "1 user unlinked (kept as local accounts)" in re.sub(r"\s+", " ", done.text)
    users = console.services.admin_users.browse(directory_id).items
    assert [(u.user_name, u.linked) for u in users] == [("ann@example.com", False)]


def test_delete_needs_the_typed_name(console: Console) -> None:
    console.sign_in()
    directory_id, name, secret = _directory(console)
    path = f"/admin/directories/{directory_id}/delete"
    assert "tenant URL stops working" in console.client.get(path).text
    wrong = console.client.post(
        path, data={"confirm": name.upper(), "csrf_token": console.csrf(path)}
    )
    assert wrong.status_code == 400 and "Nothing was deleted." in wrong.text
    assert console.services.directories.authenticate(directory_id, secret) is not None
    done = console.client.post(path, data={"confirm": name, "csrf_token": console.csrf(path)})
    assert done.status_code == 200 and "Directory deleted" in done.text
    assert directory_id not in [d.id for d in console.services.directories.list_all()]
    assert console.client.get(path).status_code == 404


@pytest.mark.parametrize("page", _PAGES)
def test_new_pages_redirect_signed_out_requests_to_sign_in(console: Console, page: str) -> None:
    directory_id, _, _ = _directory(console)
    for method in ("GET", "POST"):
        response = console.client.request(
            method, f"/admin/directories/{directory_id}/{page}", follow_redirects=False
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/login"


@pytest.mark.parametrize("page", _PAGES)
def test_new_forms_refuse_a_post_without_the_csrf_token(console: Console, page: str) -> None:
    """Every new form is refused (403) without the session's token, and changes nothing."""
    console.sign_in()
    directory_id, name, secret = _directory(console)
    assert _provision(console, directory_id, secret, "ann@example.com") == 201
    data = {
        "confirm": name,
        "overlap": "none",
        "users": "delete",
        "idp": "okta",
        "deletion": "delete",
        "cycle_minutes": "40",
        "preset": "entra-recommended",
        "users_text": "[]",
    }
    for token in (None, "forged"):
        sent = data if token is None else {**data, "csrf_token": token}
        response = console.client.post(f"/admin/directories/{directory_id}/{page}", data=sent)
        assert response.status_code == 403, (page, response.text)
    directories = console.services.directories
    assert directories.get(directory_id).idp == "entra"
    assert directories.authenticate(directory_id, secret) is not None
    assert console.services.directory_counts.of(directory_id).users == 1


def test_an_unknown_directory_is_a_404_on_every_new_page(console: Console) -> None:
    console.sign_in()
    for page in _PAGES:
        assert console.client.get(f"/admin/directories/nope/{page}").status_code == 404


def test_the_directory_overview_links_to_the_new_pages(console: Console) -> None:
    console.sign_in()
    directory_id, _, _ = _directory(console)
    page = console.client.get(f"/admin/directories/{directory_id}").text
    for name in _PAGES:
        assert f'href="/admin/directories/{directory_id}/{name}"' in page


def test_reset_does_not_count_memberships_of_too_many_groups(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond the counted number of groups the page names the memberships without a number."""
    monkeypatch.setattr("scimdir.service.reset_plan.MAX_COUNTED_GROUPS", 0)
    console.sign_in()
    directory_id, _, secret = _directory(console)
    group = console.client.post(
        f"/scim/{directory_id}/v2/Groups",
        json={"schemas": [_GROUP], "displayName": "Eng"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert group.status_code == 201
    plan = console.services.reset_plans.plan(directory_id)
    assert (plan.groups, plan.memberships) == (1, None)
    page = console.client.get(f"/admin/directories/{directory_id}/reset").text
    assert "every membership of these groups" in page
