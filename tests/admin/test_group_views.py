"""The groups list (search, keyset paging) and a group's page (members, raw JSON)."""

from __future__ import annotations

import re

import pytest

from scimdir.admin import group_views
from tests.admin.conftest import Console
from tests.admin.provisioning import new_directory, provision_group, provision_user

_ROW_LINK = re.compile(r'<td><a href="/admin/directories/[^/]+/groups/[^"]+">([^<]+)</a></td>')


def test_groups_are_listed_searched_and_paged(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Groups are listed by display name, found by prefix, and paged with Next page."""
    monkeypatch.setattr(group_views, "PAGE", 2)
    console.sign_in()
    created = new_directory(console)
    for name in ("Sales", "Engineering", "Support"):
        provision_group(console, created, name, [])
    base = f"/admin/directories/{created.directory.id}/groups"
    first = console.client.get(base).text
    assert _ROW_LINK.findall(first) == ["Engineering", "Sales"]
    after = re.search(r'rel="next" href="\?after=([^"]+)"', first)
    assert after
    second = console.client.get(base, params={"after": after.group(1)}).text
    assert _ROW_LINK.findall(second) == ["Support"]
    assert 'rel="next"' not in second
    assert _ROW_LINK.findall(console.client.get(base, params={"q": "su"}).text) == ["Support"]


def test_an_empty_groups_list_says_how_groups_arrive(console: Console) -> None:
    """With no groups the page says to assign groups to the IdP's application."""
    console.sign_in()
    created = new_directory(console)
    page = console.client.get(f"/admin/directories/{created.directory.id}/groups").text
    assert "No groups yet" in page
    assert "assign groups to its application" in page


def test_a_groups_page_shows_members_count_and_json(console: Console) -> None:
    """A group's page counts its members, links each to its user page, and shows its JSON."""
    console.sign_in()
    created = new_directory(console)
    ann = provision_user(console, created, "ann@example.com")
    bob = provision_user(console, created, "bob@example.com")
    sales = provision_group(console, created, "Sales", [ann, bob])
    base = f"/admin/directories/{created.directory.id}"
    page = console.client.get(f"{base}/groups/{sales}").text
    assert "Group · 2 members" in page
    assert f'<a href="{base}/users/{ann}">Ann</a>' in page
    assert f'<a href="{base}/users/{bob}">Bob</a>' in page
    assert "&#34;displayName&#34;: &#34;Sales&#34;" in page
    missing = console.client.get(f"{base}/groups/nope")
    assert missing.status_code == 404
    assert "No such group" in missing.text
