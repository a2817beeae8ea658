"""Admin accounts (argon2), one-time setup links, the stored session key; on SQLite and
PostgreSQL through the storage port."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from scimdir.service.admin_accounts import LINK_LIFETIME, AdminAccountService
from scimdir.service.directories import AdminError
from scimdir.service.ports import Storage
from scimdir.service.runtime import Runtime
from tests.admin.conftest import PASSWORD, Console


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _email() -> str:
    return f"a-{uuid.uuid4().hex[:12]}@example.com"


def test_passwords_are_stored_as_argon2_hashes_and_verified(storage: Storage) -> None:
    """The stored hash is argon2id (never the password); the right password verifies, not others."""
    accounts = AdminAccountService(storage, Runtime())
    email = _email()
    record = accounts.create(email.upper(), PASSWORD)
    assert record.email == email  # compared in lower case
    assert record.password_hash.startswith("$argon2id$")
    assert PASSWORD not in record.password_hash
    assert accounts.verify(email, PASSWORD) is not None
    assert accounts.verify(email, PASSWORD + "x") is None
    assert accounts.verify(_email(), PASSWORD) is None
    signed = accounts.get(record.id)
    assert signed is not None and signed.last_login is not None


def test_bad_accounts_are_refused(storage: Storage) -> None:
    """A taken e-mail, a short password and a non-address are refused with the reason."""
    accounts = AdminAccountService(storage, Runtime())
    email = _email()
    accounts.create(email, PASSWORD)
    with pytest.raises(AdminError, match="already exists"):
        accounts.create(email, PASSWORD)
    with pytest.raises(AdminError, match="at least 12 characters"):
        accounts.create(_email(), "short")
    with pytest.raises(AdminError, match="e-mail address"):
        accounts.create("not an address", PASSWORD)


def test_a_setup_link_works_once_within_15_minutes(storage: Storage) -> None:
    """A link's token creates one account; used again, or after 15 minutes, it is refused."""
    clock = Clock()
    accounts = AdminAccountService(storage, Runtime(clock=clock))
    token = accounts.issue_link_token()
    assert accounts.link_valid(token)
    with pytest.raises(AdminError, match="at least 12"):
        accounts.redeem_link(token, _email(), "short")
    assert accounts.link_valid(token)  # a refused form does not use the link up
    accounts.redeem_link(token, _email(), PASSWORD)
    assert not accounts.link_valid(token)
    with pytest.raises(AdminError, match="unknown, used or expired"):
        accounts.redeem_link(token, _email(), PASSWORD)
    late = accounts.issue_link_token()
    clock.now += LINK_LIFETIME + timedelta(seconds=1)
    with pytest.raises(AdminError, match="unknown, used or expired"):
        accounts.redeem_link(late, _email(), PASSWORD)


def test_the_generated_session_key_is_stored_once(storage: Storage) -> None:
    """Without a configured key, every caller gets the same stored key; a configured one wins."""
    first = AdminAccountService(storage, Runtime()).session_key(None)
    assert AdminAccountService(storage, Runtime()).session_key(None) == first
    assert len(first) >= 32
    assert AdminAccountService(storage, Runtime()).session_key("configured") == "configured"


def test_the_setup_link_page_creates_the_account_and_signs_in(console: Console) -> None:
    """GET /admin/setup/TOKEN shows the form; posting it creates the account and signs in."""
    token = console.services.admin_accounts.issue_link_token()
    path = f"/admin/setup/{token}"
    email = _email()
    form = {"email": email, "password": PASSWORD, "password_again": PASSWORD}
    response = console.client.post(
        path, data={**form, "csrf_token": console.csrf(path)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert console.client.get("/admin/").status_code == 200
    assert console.services.admin_accounts.verify(email, PASSWORD) is not None
    assert console.client.get(path).status_code == 404  # used
