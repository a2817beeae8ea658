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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from scimdir.service.log_bounds import bound
from scimdir.service.ports import LogRecord, ProblemHit, normalize_user_name

__all__ = ["AUTH_SUBJECT", "ProblemChanges", "failure_key", "problem_changes", "success_keys"]

AUTH_SUBJECT = "auth"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEY_LIMIT = 320


def _key(text: str) -> str:
    return bound(text, _KEY_LIMIT)


def failure_key(record: LogRecord) -> str | None:
    """The subject a failed entry counts against, or None when it is not a problem (a read,
    an admin action, a failure without a kind, an unknown tenant)."""
    if record.directory_id is None or record.status < 400 or not record.problem:
        return None
    if record.category == "auth":
        return AUTH_SUBJECT
    if record.category != "request" or record.method not in _WRITES or not record.resource_type:
        return None
    if record.resource_id:
        return _key(f"{record.resource_type}:id:{record.resource_id}")
    if record.subject:
        return _key(f"{record.resource_type}:name:{normalize_user_name(record.subject)}")
    return None


def success_keys(record: LogRecord) -> list[str]:
    """The subjects a successful entry resolves (``auth`` for any request that got in)."""
    if record.directory_id is None or record.status >= 400 or record.category != "request":
        return []
    keys = [AUTH_SUBJECT]
    if record.method in _WRITES and record.resource_type:
        if record.resource_id:
            keys.append(_key(f"{record.resource_type}:id:{record.resource_id}"))
        if record.subject:
            name = normalize_user_name(record.subject)
            keys.append(_key(f"{record.resource_type}:name:{name}"))
    return keys


@dataclass
class ProblemChanges:
    """What a batch of entries does to the problems: resolutions first, then new counts."""

    resolved: dict[str, list[str]] = field(default_factory=dict)
    hits: list[ProblemHit] = field(default_factory=list)


def problem_changes(records: Sequence[LogRecord]) -> ProblemChanges:
    """Fold a batch, in order: a failure after the subject's last success counts; one before
    it was resolved by that success within the batch."""
    pending: dict[tuple[str, str, str], ProblemHit] = {}
    resolved: dict[str, dict[str, None]] = {}
    for record in records:
        directory_id = record.directory_id
        if directory_id is None:
            continue
        keys = success_keys(record)
        if keys:
            resolved.setdefault(directory_id, {}).update(dict.fromkeys(keys))
            for slot in [s for s in pending if s[0] == directory_id and s[1] in keys]:
                del pending[slot]
            continue
        key = failure_key(record)
        if key is None or record.problem is None:
            continue
        slot = (directory_id, key, record.problem)
        seen = pending.get(slot)
        hit = ProblemHit(
            directory_id=directory_id,
            subject_key=key,
            kind=record.problem,
            count=1 if seen is None else seen.count + 1,
            first_seen=record.created if seen is None else seen.first_seen,
            last_seen=record.created,
            subject=record.subject,
            resource_type=record.resource_type,
            resource_id=record.resource_id,
            detail=record.detail,
            explanation=record.explanation,
            fix=record.fix,
            request_id=record.request_id,
        )
        pending[slot] = hit if seen is None else replace(hit, subject=hit.subject or seen.subject)
    return ProblemChanges(
        resolved={d: list(keys) for d, keys in resolved.items()}, hits=list(pending.values())
    )
