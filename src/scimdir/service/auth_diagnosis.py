"""Why a SCIM request was refused 401, for the provisioning log (never for the client).

The client always gets the same 401 whatever the reason, so a caller cannot learn whether a
tenant exists. The admin, though, needs the reason to diagnose a failed Test Connection:
the tenant URL names no directory (``unknown_tenant``), the request carries no usable
credentials (``no_credentials``), the secret is not one of the directory's (``wrong_secret``),
or it was one and has been revoked or has expired by a rotation (``revoked_secret``,
``expired_secret``). ``rotated_at`` is when the newest secret was issued, if the directory has
been rotated, so that a 401 burst right after a rotation can be explained as such.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from scimdir.service.ports import DirectoryRecord, SecretRecord
from scimdir.service.secrets import hash_secret, is_live

__all__ = ["AuthDiagnosis", "AuthFailureReason", "diagnose"]

AuthFailureReason = Literal[
    "unknown_tenant", "no_credentials", "wrong_secret", "revoked_secret", "expired_secret"
]


@dataclass(frozen=True)
class AuthDiagnosis:
    """The reason of a refused authentication, and the directory it names if it exists."""

    reason: AuthFailureReason
    directory_id: str | None
    rotated_at: datetime | None = None


def diagnose(
    directory: DirectoryRecord | None,
    secrets: Sequence[SecretRecord],
    presented: str | None,
    now: datetime,
) -> AuthDiagnosis:
    """Classify a refused authentication (see the module docstring)."""
    if directory is None:
        return AuthDiagnosis("unknown_tenant", None)
    rotated_at = max(s.created for s in secrets) if len(secrets) > 1 else None
    if not presented:
        return AuthDiagnosis("no_credentials", directory.id, rotated_at)
    digest = hash_secret(presented).encode()
    for record in secrets:
        if hmac.compare_digest(digest, record.secret_hash.encode()) and not is_live(record, now):
            revoked = record.revoked is not None and record.revoked <= now
            reason: AuthFailureReason = "revoked_secret" if revoked else "expired_secret"
            return AuthDiagnosis(reason, directory.id, rotated_at)
    return AuthDiagnosis("wrong_secret", directory.id, rotated_at)
