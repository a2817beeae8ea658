"""The users list (search, keyset paging), a user's page, and Unlink and Delete."""

from __future__ import annotations

import re

import pytest

from scimdir.admin import user_views
from scimdir.service.admin_users import UserNotFound
from tests.admin.conftest import Console
from tests.admin.provisioning import new_directory, provision_group, provision_user

_ROW_LINK = re.compile(r'<td><a href="/admin/directories/[^/]+/users/([^"]+)">([^<]+)</a></td>')


def _listed(html: str) -> list[str]:
    return [name for _, name in _ROW_LINK.findall(html)]


def test_the_users_list_links_each_user_to_its_page(console: Console) -> None:
    """Provisioned users are listed by userName with display name, e-mail and status."""
    console.sign_in()
    created = new_directory(console)
    bob = provision_user(console, created, "bob@example.com", active=False)
    provision_user(console, created, "ann@example.com")
    page = console.client.get(f"/admin/directories/{created.directory.id}/users").text
    assert _listed(page) == ["ann@example.com", "bob@example.com"]
    assert f'href="/admin/directories/{created.directory.id}/users/{bob}"' in page
    assert "<td>Bob</td>" in page
    assert '<span class="badge silent">Inactive</span>' in page


def test_search_finds_users_by_user_name_display_name_or_email_prefix(console: Console) -> None:
    """The search box keeps users whose userName, displayName or e-mail starts with the text."""
    console.sign_in()
    created = new_directory(console)
    provision_user(console, created, "ann@example.com", displayName="Zed Ann")
    provision_user(console, created, "bob@example.com")
    base = f"/admin/directories/{created.directory.id}/users"
    assert _listed(console.client.get(base, params={"q": "bo"}).text) == ["bob@example.com"]
    assert _listed(console.client.get(base, params={"q": "zed"}).text) == ["ann@example.com"]
    nothing = console.client.get(base, params={"q": "carol"}).text
    assert "No user matches “carol”" in nothing


def test_an_empty_directory_says_how_users_arrive(console: Console) -> None:
    """With no users the list explains that the IdP provisions them and links to the log."""
    console.sign_in()
    created = new_directory(console)
    page = console.client.get(f"/admin/directories/{created.directory.id}/users").text
    assert "No users yet" in page
    assert "Provision on demand" in page


def test_pages_follow_the_cursor_to_the_end(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Next page follows the keyset cursor: every user once, in order, and no link at the end."""
    monkeypatch.setattr(user_views, "PAGE", 2)
    console.sign_in()
    created = new_directory(console)
    names = [f"user{i}@example.com" for i in range(5)]
    for name in reversed(names):
        provision_user(console, created, name)
    base = f"/admin/directories/{created.directory.id}/users"
    seen: list[str] = []
    href: str | None = ""
    while href is not None:
        page = console.client.get(f"{base}{href}").text
        seen += _listed(page)
        found = re.search(r'rel="next" href="([^"]+)"', page)
        href = found.group(1).replace("&amp;", "&") if found else None
    assert seen == names
    assert "First page" in page


def test_a_forged_cursor_is_refused_with_the_reason(console: Console) -> None:
    """A cursor the console did not hand out answers 400 with the reason, not a 500."""
    console.sign_in()
    created = new_directory(console)
    response = console.client.get(
        f"/admin/directories/{created.directory.id}/users", params={"after": "!!"}
    )
    assert response.status_code == 400
    assert "pass next_cursor from the previous page as is" in response.text


def test_a_users_page_shows_attributes_groups_json_and_log(console: Console) -> None:
    """A user's page: its attributes, its groups (linked), linked status, the raw SCIM JSON
    pretty and escaped, and its provisioning-log entries."""
    console.sign_in()
    created = new_directory(console)
    ann = provision_user(console, created, "ann@example.com", externalId="ext-1")
    sales = provision_group(console, created, "Sales", [ann])
    base = f"/admin/directories/{created.directory.id}"
    page = console.client.get(f"{base}/users/{ann}").text
    assert "<h1>Ann</h1>" in page
    assert "<dt>externalId</dt><dd>ext-1</dd>" in page
    assert "<dd>ann@example.com (primary)</dd>" in page
    assert f'<a href="{base}/groups/{sales}">Sales</a>' in page
    assert ">Linked</span>" in page
    assert "Identity provider</span>" in page
    assert "  &#34;userName&#34;: &#34;ann@example.com&#34;" in page  # indented, escaped
    assert re.search(r'<code title="/scim/[^"]+/v2/Users">POST /Users</code>', page)
    assert "&#34;location&#34;: &#34;https://scim.example.test/scim/" in page  # as SCIM serves it
    assert f'href="{base}/users/{ann}/unlink"' in page
    assert f'href="{base}/users/{ann}/delete"' in page


def test_an_unknown_user_is_a_404_page(console: Console) -> None:
    """A user id that does not exist answers 404, and so does an unknown action."""
    console.sign_in()
    created = new_directory(console)
    base = f"/admin/directories/{created.directory.id}/users"
    response = console.client.get(f"{base}/nope")
    assert response.status_code == 404
    assert "No such user" in response.text
    ann = provision_user(console, created, "ann@example.com")
    assert console.client.get(f"{base}/{ann}/promote").status_code == 404


def test_unlink_is_refused_while_user_linking_is_off(console: Console) -> None:
    """With user_linking off the confirmation warns, and the post is a 409 with the reason."""
    console.sign_in()
    created = new_directory(console)
    ann = provision_user(console, created, "ann@example.com")
    path = f"/admin/directories/{created.directory.id}/users/{ann}/unlink"
    assert "User linking is off for this directory" in console.client.get(path).text
    response = console.client.post(path, data={"csrf_token": console.csrf(path)})
    assert response.status_code == 409
    assert "user_linking setting is off" in response.text
    assert console.services.admin_users.show(created.directory.id, ann).record.linked


def test_unlink_after_confirmation_hands_the_user_back_to_linking(console: Console) -> None:
    """Confirming Unlink unlinks the user and shows its page saying so."""
    console.sign_in()
    created = new_directory(console)
    console.services.directories.set_setting(created.directory.id, "user_linking", "true")
    ann = provision_user(console, created, "ann@example.com")
    path = f"/admin/directories/{created.directory.id}/users/{ann}/unlink"
    confirm = console.client.get(path).text
    assert "Unlink ann@example.com?" in confirm
    response = console.client.post(path, data={"csrf_token": console.csrf(path)})
    assert response.status_code == 200
    assert "The user was unlinked" in response.text
    assert ">Not linked</span>" in response.text
    assert not console.services.admin_users.show(created.directory.id, ann).record.linked


def test_delete_after_confirmation_removes_the_user(console: Console) -> None:
    """Confirming Delete deletes the user and returns to the list saying so."""
    console.sign_in()
    created = new_directory(console)
    ann = provision_user(console, created, "ann@example.com")
    provision_group(console, created, "Sales", [ann])
    path = f"/admin/directories/{created.directory.id}/users/{ann}/delete"
    confirm = console.client.get(path).text
    assert "Delete ann@example.com?" in confirm
    assert "removes it from 1 group," in confirm
    response = console.client.post(path, data={"csrf_token": console.csrf(path)})
    assert response.status_code == 200
    assert "The user was deleted." in response.text
    with pytest.raises(UserNotFound):
        console.services.admin_users.show(created.directory.id, ann)
    assert console.client.post(path, data={"csrf_token": console.csrf()}).status_code == 404


def test_unlink_and_delete_without_the_csrf_token_are_refused(console: Console) -> None:
    """A post without the session's CSRF token (or with another) is 403 and changes nothing."""
    console.sign_in()
    created = new_directory(console)
    console.services.directories.set_setting(created.directory.id, "user_linking", "true")
    ann = provision_user(console, created, "ann@example.com")
    base = f"/admin/directories/{created.directory.id}/users/{ann}"
    for action in ("unlink", "delete"):
        for data in ({}, {"csrf_token": "forged"}):
            assert console.client.post(f"{base}/{action}", data=data).status_code == 403
    assert console.services.admin_users.show(created.directory.id, ann).record.linked


def test_signed_out_requests_are_sent_to_sign_in(console: Console) -> None:
    """Every new page, and every action, redirects a signed-out visitor to /admin/login."""
    created = new_directory(console)
    ann = provision_user(console, created, "ann@example.com")
    base = f"/admin/directories/{created.directory.id}"
    for path in (
        f"{base}/users",
        f"{base}/users/{ann}",
        f"{base}/users/{ann}/delete",
        f"{base}/groups",
        f"{base}/groups/x",
        f"{base}/log",
    ):
        response = console.client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/admin/login")
    posted = console.client.post(f"{base}/users/{ann}/delete", follow_redirects=False)
    assert (posted.status_code, posted.headers["location"]) == (303, "/admin/login")
    console.services.admin_users.show(created.directory.id, ann)  # still there
