"""Open problems: the same subject failing the same way, counted instead of listed.

Entra retries a failed user on every cycle (about 40 minutes), so a user it cannot provision
adds one identical failure to the log per cycle for as long as nobody fixes it. The admin needs
one line per problem: who fails, how (the failure kind of :mod:`scimdir.service.explanations`),
how many times, first and last seen. A later successful *write* for the same subject resolves
it; a successful read does not (a user that cannot be updated can still be read).

Subjects are keyed by resource id when the request names one (``User:id:<id>``), else by the
normalised userName/displayName of the request body (``User:name:<name>``): a failed POST has
no id yet. A success carries both (the response has the id and the name) and resolves both. A
refused authentication is the subject ``auth`` of its directory, resolved by any request that
gets in.

The log writer folds its batch as positional rows (``LogRow`` of ``service/ports.py``,
:class:`ProblemFold`); a batch of successful reads only marks its directories' ``auth`` subject
resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from scimdir.service.log_bounds import bound
from scimdir.service.ports import (
    LOG_ROW_COLUMNS,
    LogRecord,
    LogRow,
    ProblemHit,
    log_row,
    normalize_user_name,
)

__all__ = [
    "AUTH_SUBJECT",
    "ProblemChanges",
    "ProblemFold",
    "failure_key",
    "problem_changes",
    "success_keys",
]

AUTH_SUBJECT = "auth"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEY_LIMIT = 320
_AUTH_ONLY = (AUTH_SUBJECT,)
# Positions in a LogRow (literals, so that the type checker knows each position's type).
_DIRECTORY: Final = 0
_CATEGORY: Final = 1
_REQUEST_ID: Final = 2
_METHOD: Final = 3
_STATUS: Final = 5
_RESOURCE_TYPE: Final = 7
_RESOURCE_ID: Final = 8
_SUBJECT: Final = 9
_PROBLEM: Final = 11
_DETAIL: Final = 12
_EXPLANATION: Final = 13
_FIX: Final = 14
_CREATED: Final = 21
_POSITIONS = {
    "directory_id": _DIRECTORY,
    "category": _CATEGORY,
    "request_id": _REQUEST_ID,
    "method": _METHOD,
    "status": _STATUS,
    "resource_type": _RESOURCE_TYPE,
    "resource_id": _RESOURCE_ID,
    "subject": _SUBJECT,
    "problem": _PROBLEM,
    "detail": _DETAIL,
    "explanation": _EXPLANATION,
    "fix": _FIX,
    "created": _CREATED,
}
if any(LOG_ROW_COLUMNS[at] != name for name, at in _POSITIONS.items()):  # pragma: no cover
    raise RuntimeError("problems.py's LogRow positions do not match LOG_ROW_COLUMNS")


def _key(text: str) -> str:
    return bound(text, _KEY_LIMIT)


def failure_key(row: LogRow) -> str | None:
    """The subject a failed entry counts against, or None when it is not a problem (a read,
    an admin action, a failure without a kind, an unknown tenant)."""
    if row[_DIRECTORY] is None or row[_STATUS] < 400 or not row[_PROBLEM]:
        return None
    category = row[_CATEGORY]
    if category == "auth":
        return AUTH_SUBJECT
    resource_type = row[_RESOURCE_TYPE]
    if category != "request" or row[_METHOD] not in _WRITES or not resource_type:
        return None
    resource_id, subject = row[_RESOURCE_ID], row[_SUBJECT]
    if resource_id:
        return _key(f"{resource_type}:id:{resource_id}")
    if subject:
        return _key(f"{resource_type}:name:{normalize_user_name(subject)}")
    return None


def success_keys(row: LogRow) -> tuple[str, ...]:
    """The subjects a successful entry resolves (``auth`` for any request that got in)."""
    if row[_DIRECTORY] is None or row[_STATUS] >= 400 or row[_CATEGORY] != "request":
        return ()
    resource_type = row[_RESOURCE_TYPE]
    if row[_METHOD] not in _WRITES or not resource_type:
        return _AUTH_ONLY
    keys = [AUTH_SUBJECT]
    resource_id, subject = row[_RESOURCE_ID], row[_SUBJECT]
    if resource_id:
        keys.append(_key(f"{resource_type}:id:{resource_id}"))
    if subject:
        keys.append(_key(f"{resource_type}:name:{normalize_user_name(subject)}"))
    return tuple(keys)


@dataclass
class ProblemChanges:
    """What a batch of entries does to the problems: resolutions first, then new counts."""

    resolved: dict[str, list[str]] = field(default_factory=dict)
    hits: list[ProblemHit] = field(default_factory=list)


class ProblemFold:
    """Folds a batch, in order: a failure after the subject's last success counts; one before
    it was resolved by that success within the batch."""

    def __init__(self) -> None:
        self._pending: dict[tuple[str, str, str], ProblemHit] = {}
        self._resolved: dict[str, dict[str, None]] = {}

    def add(self, row: LogRow) -> None:
        """Fold the next entry of the batch."""
        directory_id = row[_DIRECTORY]
        if directory_id is None:
            return
        if row[_STATUS] < 400:
            keys = success_keys(row)
            if not keys:
                return
            resolved = self._resolved.get(directory_id)
            if resolved is None:
                resolved = self._resolved[directory_id] = {}
            for key in keys:
                resolved[key] = None
            pending = self._pending
            if pending:
                for slot in [s for s in pending if s[0] == directory_id and s[1] in keys]:
                    del pending[slot]
            return
        failed = failure_key(row)
        problem = row[_PROBLEM]
        if failed is None or problem is None:
            return
        slot = (directory_id, failed, problem)
        seen = self._pending.get(slot)
        created = row[_CREATED]
        hit = ProblemHit(
            directory_id=directory_id,
            subject_key=failed,
            kind=problem,
            count=1 if seen is None else seen.count + 1,
            first_seen=created if seen is None else seen.first_seen,
            last_seen=created,
            subject=row[_SUBJECT],
            resource_type=row[_RESOURCE_TYPE],
            resource_id=row[_RESOURCE_ID],
            detail=row[_DETAIL],
            explanation=row[_EXPLANATION],
            fix=row[_FIX],
            request_id=row[_REQUEST_ID],
        )
        self._pending[slot] = (
            hit if seen is None else replace(hit, subject=hit.subject or seen.subject)
        )

    def changes(self) -> ProblemChanges:
        """What the entries folded so far do to the problems."""
        return ProblemChanges(
            resolved={d: list(keys) for d, keys in self._resolved.items()},
            hits=list(self._pending.values()),
        )


def problem_changes(records: Sequence[LogRecord]) -> ProblemChanges:
    """Fold a batch of records, in order (see :class:`ProblemFold`)."""
    fold = ProblemFold()
    for record in records:
        fold.add(log_row(record))
    return fold.changes()
