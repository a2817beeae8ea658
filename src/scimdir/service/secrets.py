"""Directory secrets: hashing and constant-time verification.

Secrets are 256-bit random tokens (:func:`scimdir.service.runtime.new_secret`), so a fast keyed
hash is the right tool, as for API tokens: a slow password hash (argon2) would add tens of
milliseconds to *every* SCIM request while buying nothing against an attacker who cannot guess 256
bits. The stored form is ``sha256$<hex>``; the clear secret is shown once and never stored.
Being unsalted and deterministic, the hash is also the lookup key: authentication is one
statement that finds the live secret by its hash (``Transaction.authenticate`` in
``service/ports.py``), so no process caches a secret and a revocation counts at once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from scimdir.service.ports import SecretRecord

_SCHEME = "sha256$"


def hash_secret(secret: str) -> str:
    """The stored form of ``secret``."""
    return _SCHEME + hashlib.sha256(secret.encode()).hexdigest()


def is_live(record: SecretRecord, now: datetime) -> bool:
    """A secret opens its directory until it is revoked or expires."""
    if record.revoked is not None and record.revoked <= now:
        return False
    return record.expires is None or record.expires > now
