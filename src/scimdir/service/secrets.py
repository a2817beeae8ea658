"""Directory secrets: hashing and constant-time verification.

Secrets are 256-bit random tokens (:func:`scimdir.service.runtime.new_secret`), so a fast keyed
hash is the right tool, as for API tokens: a slow password hash (argon2) would add tens of
milliseconds to *every* SCIM request while buying nothing against an attacker who cannot guess 256
bits. The stored form is ``sha256$<hex>``; the clear secret is shown once and never stored.
Comparison uses :func:`hmac.compare_digest` over the digests (constant time).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
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


def match_secret(
    presented: str, records: Iterable[SecretRecord], now: datetime
) -> SecretRecord | None:
    """The live record whose hash matches ``presented``, with the same work whatever matches.

    ``presented`` is hashed once and compared with every live record, and with a decoy hash
    until at least :data:`MIN_COMPARISONS` comparisons ran. An unknown tenant (no records), a
    tenant whose secrets are all revoked and a wrong secret therefore cost one hash and the
    same number of comparisons, so response time does not tell whether a tenant exists.
    """
    digest = _digest(presented)
    candidates = [record for record in records if is_live(record, now)]
    found: SecretRecord | None = None
    for index in range(max(len(candidates), MIN_COMPARISONS)):
        record = candidates[index] if index < len(candidates) else None
        stored = record.secret_hash.encode() if record is not None else _DECOY
        if _equal(digest, stored) and record is not None:
            found = record
    return found


# A directory has one live secret, two during a rotation with overlap.
MIN_COMPARISONS = 2
_DECOY = (_SCHEME + "0" * 64).encode()


def _digest(presented: str) -> bytes:
    """The stored form of a presented secret, as bytes (the one hash per authentication)."""
    return hash_secret(presented).encode()


def _equal(a: bytes, b: bytes) -> bool:
    """Constant-time comparison of two stored forms."""
    return hmac.compare_digest(a, b)
