"""The provisioning-log page: failures with explanation and fix, the filters (failures only, a
user, a time range), paging, open problems, and refused filter values."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from scimdir.admin import log_pages
from scimdir.service.directories import CreatedDirectory
from tests.admin.conftest import Console
from tests.admin.provisioning import USER_SCHEMA, new_directory, provision_user, scim

_ROW = re.compile(
    r'<tr class="(failed)?">\s*<td class="nowrap">[^<]*</td>\s*'
    r'<td><code title="[^"]*">([^<]*)</code>'
)


def _rows(html: str) -> list[str]:
    return [("FAIL " if failed else "") + request for failed, request in _ROW.findall(html)]


def _failing_user(console: Console, created: CreatedDirectory) -> None:
    """POST a user without e-mail: refused (400), an open problem."""
    response = scim(
        console,
        created,
        "POST",
        "/Users",
        {"schemas": [USER_SCHEMA], "userName": "nomail@example.com", "displayName": "No Mail"},
    )
    assert response.status_code == 400


def test_failures_only_shows_the_failure_with_its_fix(console: Console) -> None:
    """Failures only keeps the refused user (with explanation and fix) and drops successes;
    the open problem is listed at the top."""
    console.sign_in()
    created = new_directory(console)
    provision_user(console, created, "ann@example.com")
    _failing_user(console, created)
    base = f"/admin/directories/{created.directory.id}/log"
    everything = console.client.get(base).text
    assert len(_rows(everything)) == 2
    page = console.client.get(base, params={"failures": "1"}).text
    assert [r.split(" ")[0] for r in _rows(page)] == ["FAIL"]
    assert "nomail@example.com" in page
    assert "<strong>Fix:</strong>" in page
    assert "Switch(IsPresent([mail])" in page  # the fix names the mapping expression
    assert 'id="failures" name="failures" type="checkbox" value="1" checked' in page
    problems = page.split('id="problems-h"')[1].split("</section>")[0]
    assert "nomail@example.com" in problems


def test_the_user_filter_keeps_that_users_entries(console: Console) -> None:
    """Filtering by a userName keeps its entries only (any case)."""
    console.sign_in()
    created = new_directory(console)
    provision_user(console, created, "ann@example.com")
    provision_user(console, created, "bob@example.com")
    base = f"/admin/directories/{created.directory.id}/log"
    page = console.client.get(base, params={"user": "BOB@example.com"}).text
    assert len(_rows(page)) == 1
    assert "bob@example.com" in page.split('id="entries-h"')[1]
    assert "ann@example.com" not in page.split('id="entries-h"')[1]


def test_the_time_range_keeps_entries_from_inclusive_to_exclusive(console: Console) -> None:
    """From and To (UTC) bound the entries; a range in the past or future has none."""
    console.sign_in()
    created = new_directory(console)
    provision_user(console, created, "ann@example.com")
    now = datetime.now(UTC)
    fmt = "%Y-%m-%dT%H:%M"
    base = f"/admin/directories/{created.directory.id}/log"
    around = {
        "from": (now - timedelta(hours=1)).strftime(fmt),
        "to": (now + timedelta(hours=1)).strftime(fmt),
    }
    assert len(_rows(console.client.get(base, params=around).text)) == 1
    past = {"to": (now - timedelta(hours=1)).strftime(fmt)}
    future = {"from": (now + timedelta(hours=1)).strftime(fmt)}
    for params in (past, future):
        page = console.client.get(base, params=params).text
        assert _rows(page) == []
        assert "No entry matches these filters" in page


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"from": "yesterday"}, "From is a date and time such as"),
        ({"from": "2026-12-02T00:00", "to": "2026-12-01T00:00"}, "From must be before To."),
        ({"before": "abc"}, "The page cursor is not one this log handed out."),
        ({"user": "x" * 300}, "The user is at most 256 characters."),
    ],
)
def test_a_bad_filter_is_refused_with_the_reason(
    console: Console, params: dict[str, str], reason: str
) -> None:
    """A filter value the log cannot take answers 400 with the form and the reason."""
    console.sign_in()
    created = new_directory(console)
    response = console.client.get(f"/admin/directories/{created.directory.id}/log", params=params)
    assert response.status_code == 400
    assert reason in response.text
    assert 'id="from"' in response.text  # the form is shown again


def test_older_entries_page_back_keeping_the_filters(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Older entries pages back through the log, newest first, with the filters kept."""
    monkeypatch.setattr(log_pages, "PAGE", 2)
    console.sign_in()
    created = new_directory(console)
    for name in ("a", "b", "c"):
        provision_user(console, created, f"{name}@example.com")
    _failing_user(console, created)
    base = f"/admin/directories/{created.directory.id}/log"
    first = console.client.get(base).text
    assert len(_rows(first)) == 2
    older = re.search(r'rel="next" href="\?([^"]+)"', first)
    assert older
    second = console.client.get(f"{base}?{older.group(1).replace('&amp;', '&')}").text
    assert len(_rows(second)) == 2
    assert 'rel="next"' not in second
    assert "Newest entries" in second
    failures = console.client.get(base, params={"failures": "1"}).text
    assert len(_rows(failures)) == 1
    assert 'rel="next"' not in failures


def test_an_empty_log_says_how_to_connect(console: Console) -> None:
    """A directory nobody called yet says to paste the tenant URL and secret into the IdP."""
    console.sign_in()
    created = new_directory(console)
    page = console.client.get(f"/admin/directories/{created.directory.id}/log").text
    assert "Nothing logged yet" in page
    assert "Test Connection" in page
    assert "No open problems" in page
