"""Admin console accounts: create, verify a password, one-time sign-in links, the session key.

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher`` defaults, the parameters of
RFC 9106 §4's second recommended option); a hash made with older parameters is replaced on the
next successful sign-in. A wrong e-mail costs one hash verification as well, so response time does
not tell which e-mails have accounts.

A one-time sign-in link (``scimdir serve --bootstrap`` on a database without accounts) carries a
random token of which only the SHA-256 is stored (like directory secrets, ``service/secrets.py``);
it works once, for 15 minutes, and lets whoever holds it create the first account.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from scimdir.service.directories import AdminError
from scimdir.service.ports import AdminRecord, Storage, UniquenessViolation
from scimdir.service.runtime import Runtime
from scimdir.service.secrets import hash_secret
from scimdir.service.unit_of_work import transaction

__all__ = [
    "LINK_LIFETIME",
    "MIN_PASSWORD_LENGTH",
    "AdminAccountService",
    "SignedIn",
]

LINK_LIFETIME = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
_MAX_PASSWORD_LENGTH = 1024  # argon2 hashes any length; a bound keeps a request cheap
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class SignedIn:
    """An account that proved its password."""

    id: str
    email: str


def normalise_email(email: str) -> str:
    """The comparison form of an e-mail: trimmed and lower-cased."""
    return email.strip().lower()


class AdminAccountService:
    """Console account use cases (the CLI and the console call these)."""

    def __init__(self, storage: Storage, runtime: Runtime) -> None:
        self.storage = storage
        self.runtime = runtime

    def create(self, email: str, password: str) -> AdminRecord:
        """A new account. :raises AdminError: a bad e-mail, a short password, a taken e-mail."""
        record = self._new_record(email, password)
        try:
            with self.storage.transaction() as tx:
                tx.insert_admin(record)
        except UniquenessViolation:
            raise AdminError(f"An account for {record.email} already exists.") from None
        return record

    def _new_record(self, email: str, password: str) -> AdminRecord:
        address = normalise_email(email)
        if "@" not in address or len(address) > 320 or any(c.isspace() for c in address):
            raise AdminError("Give an e-mail address such as admin@example.com.")
        if not MIN_PASSWORD_LENGTH <= len(password) <= _MAX_PASSWORD_LENGTH:
            raise AdminError(
                f"A password needs at least {MIN_PASSWORD_LENGTH} characters "
                f"(and at most {_MAX_PASSWORD_LENGTH})."
            )
        return AdminRecord(
            id=self.runtime.new_id(),
            email=address,
            password_hash=_hasher.hash(password),
            created=self.runtime.clock(),
        )

    def any_exist(self) -> bool:
        """Whether at least one account exists."""
        with transaction(self.storage, readonly=True) as tx:
            return tx.count_admins() > 0

    def get(self, admin_id: str) -> AdminRecord | None:
        """The account with this id, if it still exists."""
        with transaction(self.storage, readonly=True) as tx:
            return tx.get_admin(admin_id)

    def verify(self, email: str, password: str) -> SignedIn | None:
        """The account if the password is its own, else None; records the sign-in."""
        if len(password) > _MAX_PASSWORD_LENGTH:
            return None
        with transaction(self.storage, readonly=True) as tx:
            record = tx.find_admin(normalise_email(email))
        try:
            _hasher.verify(record.password_hash if record else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if record is None:  # pragma: no cover - the dummy hash matches no password
            return None
        rehash = _hasher.check_needs_rehash(record.password_hash)
        updated = replace(
            record,
            last_login=self.runtime.clock(),
            password_hash=_hasher.hash(password) if rehash else record.password_hash,
        )
        with self.storage.transaction() as tx:
            tx.update_admin(updated)
        return SignedIn(record.id, record.email)

    def issue_link_token(self) -> str:
        """A new one-time sign-in token (shown once; only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = self.runtime.clock()
        with self.storage.transaction() as tx:
            tx.insert_admin_token(hash_secret(token), now, now + LINK_LIFETIME)
        return token

    def redeem_link(self, token: str, email: str, password: str) -> AdminRecord:
        """Create an account with a one-time link's token; the token is used up only when the
        account is created (same transaction).

        :raises AdminError: an unknown, used or expired link, or a bad e-mail or password.
        """
        record = self._new_record(email, password)
        try:
            with self.storage.transaction() as tx:
                if not tx.use_admin_token(hash_secret(token), self.runtime.clock()):
                    raise AdminError(
                        "This sign-in link is unknown, used or expired. Create an account with "
                        "`scimdir admin create --email EMAIL`."
                    )
                tx.insert_admin(record)
        except UniquenessViolation:
            raise AdminError(f"An account for {record.email} already exists.") from None
        return record

    def link_valid(self, token: str) -> bool:
        """Whether the token is a stored, unused, unexpired link (without using it)."""
        with transaction(self.storage, readonly=True) as tx:
            return tx.admin_token_live(hash_secret(token), self.runtime.clock())

    def session_key(self, configured: str | None) -> str:
        """The session-cookie signing key: the configured one, else one stored per database."""
        if configured:
            return configured
        with self.storage.transaction() as tx:
            return tx.console_secret("session", secrets.token_urlsafe(48))
