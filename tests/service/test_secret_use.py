"""Authentication and the recording of a secret's last use, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from scimdir.service import directories as directories_module
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
) -> tuple[int, list[str]]:
    """The hashes computed and the SQL statements one authenticate() runs."""
    hashes: list[str] = []
    statements: list[str] = []
    hash_secret = directories_module.hash_secret

    def counting_hash(presented: str) -> str:
        hashes.append(presented)
        return hash_secret(presented)

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    monkeypatch.setattr(directories_module, "hash_secret", counting_hash)
    engine = storage.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert DirectoryService(storage, Runtime()).authenticate(tenant, secret) is None
    finally:
        event.remove(engine, "before_cursor_execute", record)
        monkeypatch.undo()
    return len(hashes), statements


def test_an_unknown_tenant_and_a_wrong_secret_do_the_same_work(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown tenant, a wrong secret and a revoked one run the same single statement after
    one hash: authentication is one index probe that finds no row."""
    service = DirectoryService(storage, Runtime())
    known = service.create("known", "entra").directory.id
    revoked = service.create("revoked", "entra")
    service.rotate_secret(revoked.directory.id)
    unknown = _work(storage, monkeypatch, "no-such-tenant", "scimdir_guess")
    wrong = _work(storage, monkeypatch, known, "scimdir_guess")
    old = _work(storage, monkeypatch, revoked.directory.id, revoked.secret)
    assert unknown == wrong == old
    hashes, statements = unknown
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert (hashes, len(selects)) == (1, 1)


def test_a_good_secret_authenticates_in_one_statement(storage: Storage) -> None:
    """The right secret opens its directory with one SELECT returning directory and secret."""
    service = DirectoryService(storage, Runtime())
    created = service.create("one", "entra")
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = storage.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", record)
    try:
        auth = service.authenticate(created.directory.id, created.secret)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert auth is not None and auth.directory.id == created.directory.id
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
