"""Directory health: is the identity provider reaching this directory, and is it succeeding?

States (docs/provisioning-log.md, "Health"):

- ``never_connected``: no request from the IdP was ever seen (no log entry, no secret use);
- ``silent``: it used to call and has not for more than two cycles (``cycle_minutes`` setting,
  default 40: Entra's provisioning cycle, learn.microsoft.com/en-us/entra/identity/
  app-provisioning/how-provisioning-works#incremental-cycles); a stopped provisioning job, a
  quarantined application or a changed network path all look like this;
- ``failing``: in the last hour at least as many of its requests failed as succeeded (a refused
  secret, a dialect mismatch, every user refused);
- ``healthy``: otherwise. Open problems (one user failing every cycle) are listed with any state.

The clock is injected, so tests pin the time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from scimdir.service.directories import DirectoryNotFound
from scimdir.service.directory_settings import DirectorySettings, SettingError
from scimdir.service.ports import DirectoryRecord, LogCount, ProblemRecord, Storage, Transaction
from scimdir.service.runtime import utc_now
from scimdir.service.unit_of_work import transaction

__all__ = ["DirectoryHealth", "HealthService", "HealthState", "Window", "classify"]

HealthState = Literal["never_connected", "healthy", "failing", "silent"]
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class Window:
    """The IdP's requests over a period: how many, how many failed, failures by kind."""

    requests: int = 0
    failures: int = 0
    failures_by_kind: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, counts: list[LogCount]) -> Window:
        """Sum log counts (IdP requests and refused authentications; admin actions excluded)."""
        contact = [c for c in counts if c.category in ("request", "auth")]
        by_kind: dict[str, int] = {}
        for c in contact:
            if c.kind != "ok":
                by_kind[c.kind] = by_kind.get(c.kind, 0) + c.count
        return cls(sum(c.count for c in contact), sum(by_kind.values()), by_kind)


@dataclass(frozen=True)
class DirectoryHealth:
    """One directory's health (see the module docstring for the states)."""

    directory_id: str
    name: str
    idp: str
    state: HealthState
    reason: str
    last_contact: datetime | None
    silent_after: timedelta
    last_hour: Window
    last_day: Window
    open_problems: list[ProblemRecord]
    quirks: dict[str, int]


def classify(
    last_contact: datetime | None, now: datetime, silent_after: timedelta, last_hour: Window
) -> tuple[HealthState, str]:
    """The state and a sentence saying why (pure; the rules of the module docstring)."""
    if last_contact is None:
        return "never_connected", "The identity provider has never called this directory."
    quiet = now - last_contact
    if quiet > silent_after:
        minutes = int(quiet.total_seconds() // 60)
        return "silent", (
            f"No call for {minutes} minutes, more than two provisioning cycles "
            f"({int(silent_after.total_seconds() // 60)} minutes): is provisioning still on?"
        )
    ok = last_hour.requests - last_hour.failures
    if last_hour.failures and last_hour.failures >= ok:
        worst = max(last_hour.failures_by_kind.items(), key=lambda kv: kv[1])[0]
        return "failing", (
            f"{last_hour.failures} of {last_hour.requests} requests failed in the last hour, "
            f"mostly {worst}."
        )
    return "healthy", "The identity provider calls and its requests succeed."


class HealthService:
    """Health of one directory or of all, and the database check behind ``/healthz``."""

    def __init__(self, storage: Storage, clock: Callable[[], datetime] = utc_now) -> None:
        self.storage = storage
        self.clock = clock

    def directory_health(self, directory_id: str) -> DirectoryHealth:
        """One directory's health. :raises DirectoryNotFound:"""
        with transaction(self.storage, readonly=True) as tx:
            record = tx.get_directory(directory_id)
            if record is None:
                raise DirectoryNotFound(directory_id)
            return self._health(tx, record)

    def summary(self) -> list[DirectoryHealth]:
        """Every directory's health, oldest directory first."""
        with transaction(self.storage, readonly=True) as tx:
            return [self._health(tx, record) for record in tx.list_directories()]

    def database_ok(self) -> bool:
        """True when the database answers a read (one indexed probe)."""
        try:
            with self.storage.transaction(readonly=True) as tx:
                tx.get_directory("healthz")
        except Exception:
            return False
        return True

    def _health(self, tx: Transaction, record: DirectoryRecord) -> DirectoryHealth:
        now = self.clock()
        unreadable: str | None = None
        try:
            settings = DirectorySettings.from_json(record.settings)
        except SettingError as exc:  # every SCIM request of it fails until an admin repairs it
            settings = DirectorySettings()
            unreadable = (
                f"Its stored settings cannot be read ({exc}), so every SCIM request fails; fix "
                f"them with scimdir directory set {record.id} KEY VALUE."
            )
        silent_after = timedelta(minutes=2 * settings.cycle_minutes)
        seen = [tx.last_contact(record.id)]
        seen += [s.last_used for s in tx.list_secrets(record.id)]
        known = [moment for moment in seen if moment is not None]
        last_contact = max(known) if known else None
        last_hour = Window.of(tx.count_log(record.id, now - _HOUR))
        last_day = Window.of(tx.count_log(record.id, now - _DAY))
        state, reason = classify(last_contact, now, silent_after, last_hour)
        if unreadable is not None:
            state, reason = "failing", unreadable
        return DirectoryHealth(
            directory_id=record.id,
            name=record.name,
            idp=record.idp,
            state=state,
            reason=reason,
            last_contact=last_contact,
            silent_after=silent_after,
            last_hour=last_hour,
            last_day=last_day,
            open_problems=tx.list_problems(record.id, limit=_PROBLEMS_SHOWN),
            quirks=tx.quirks_since(record.id, now - _DAY),
        )
