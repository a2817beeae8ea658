"""Authentication and the recording of a secret's last use, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from scimdir.service import secrets as secrets_module
from scimdir.service.directories import DirectoryService
from scimdir.service.ports import Storage
from scimdir.service.runtime import Runtime


def test_a_revocation_between_login_and_mark_used_stands(storage: Storage) -> None:
    """A rotation that commits after a request authenticated is not undone by its mark_used."""
    service = DirectoryService(storage, Runtime())
    created = service.create("race", "entra")
    auth = service.authenticate(created.directory.id, created.secret)
    assert auth is not None and auth.stale
    new = service.rotate_secret(created.directory.id)
    service.mark_used(auth)
    service.flush_last_use()
    assert service.authenticate(created.directory.id, created.secret) is None
    assert service.authenticate(created.directory.id, new) is not None
    with storage.transaction(readonly=True) as tx:
        old = next(s for s in tx.list_secrets(created.directory.id) if s.id == auth.secret.id)
    assert old.revoked is not None
    assert old.last_used is not None


def _work(
    storage: Storage, monkeypatch: pytest.MonkeyPatch, tenant: str, secret: str
) -> tuple[list[str], list[str]]:
    """The hash/compare calls and the SQL statements one authenticate() runs."""
    calls: list[str] = []
    statements: list[str] = []
    digest, equal = secrets_module._digest, secrets_module._equal

    def counting_digest(presented: str) -> bytes:
        calls.append("hash")
        return digest(presented)

    def counting_equal(a: bytes, b: bytes) -> bool:
        calls.append("compare")
        return equal(a, b)

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    monkeypatch.setattr(secrets_module, "_digest", counting_digest)
    monkeypatch.setattr(secrets_module, "_equal", counting_equal)
    engine = storage.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert DirectoryService(storage, Runtime()).authenticate(tenant, secret) is None
    finally:
        event.remove(engine, "before_cursor_execute", record)
        monkeypatch.undo()
    return calls, statements


def test_an_unknown_tenant_and_a_wrong_secret_do_the_same_work(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown tenant, a wrong secret and a revoked one run the same statements, one hash
    and the same number of constant-time comparisons."""
    service = DirectoryService(storage, Runtime())
    known = service.create("known", "entra").directory.id
    revoked = service.create("revoked", "entra")
    service.rotate_secret(revoked.directory.id)
    unknown = _work(storage, monkeypatch, "no-such-tenant", "scimdir_guess")
    wrong = _work(storage, monkeypatch, known, "scimdir_guess")
    old = _work(storage, monkeypatch, revoked.directory.id, revoked.secret)
    assert unknown == wrong == old
    assert unknown[0] == ["hash", "compare", "compare"]
