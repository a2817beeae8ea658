"""Response models of the provisioning log, problem and health routes.

The fields and names are those of the CLI's ``--json`` output (``cli/log_format.py``), so the
API and the shell show one shape; the conversion reuses those functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from scimdir.service.health import DirectoryHealth
from scimdir.service.log_views import entry_json, health_json, problem_json
from scimdir.service.ports import LogRecord, ProblemRecord
from scimdir.service.provisioning_log import LogPage

__all__ = ["HealthList", "HealthOut", "LogEntryOut", "LogPageOut", "ProblemList", "ProblemOut"]


class LogEntryOut(BaseModel):
    """One provisioning-log entry: a SCIM request of the IdP, a refused authentication or an
    admin action (docs/provisioning-log.md)."""

    id: int | None
    time: datetime
    category: Literal["request", "auth", "admin"]
    request_id: str | None
    method: str
    path: str
    status: int
    scim_type: str | None
    resource_type: str | None
    resource_id: str | None
    subject: str | None = Field(description="The userName or displayName concerned.")
    effect: str | None = Field(description="What the request did, in words.")
    problem: str | None = Field(description="The failure kind, for a failure.")
    detail: str | None
    explanation: str | None = Field(description="Why it failed, for the admin.")
    fix: str | None = Field(description="What to change so it succeeds.")
    quirks: list[str] = Field(description="IdP dialect quirks the request needed.")
    duration_ms: float
    client: str | None
    user_agent: str | None
    request_body: str | None = Field(description="Failures only: the redacted, capped body.")
    response_body: str | None = Field(description="Failures only: the capped answer.")

    @classmethod
    def of(cls, entry: LogRecord) -> LogEntryOut:
        """The model of ``entry``."""
        return cls.model_validate(entry_json(entry))


class LogPageOut(BaseModel):
    """Entries newest first."""

    data: list[LogEntryOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )

    @classmethod
    def of(cls, page: LogPage) -> LogPageOut:
        """The model of ``page``."""
        cursor = None if page.next_cursor is None else str(page.next_cursor)
        return cls(data=[LogEntryOut.of(e) for e in page.entries], next_cursor=cursor)


class ProblemOut(BaseModel):
    """One subject failing one way, counted over the IdP's retries until it succeeds."""

    subject: str | None
    resource_type: str | None
    resource_id: str | None
    kind: str
    count: int
    first_seen: datetime
    last_seen: datetime
    resolved: datetime | None
    explanation: str | None
    fix: str | None
    request_id: str | None = Field(description="The request id of the latest failure.")

    @classmethod
    def of(cls, problem: ProblemRecord) -> ProblemOut:
        """The model of ``problem``."""
        return cls.model_validate(problem_json(problem))


class ProblemList(BaseModel):
    """Open problems, most recently seen first."""

    data: list[ProblemOut]


class WindowOut(BaseModel):
    """The IdP's requests over a period."""

    requests: int
    failures: int
    failures_by_kind: dict[str, int]


class HealthOut(BaseModel):
    """One directory's health (docs/provisioning-log.md, "Health")."""

    id: str
    name: str
    idp: str
    state: Literal["never_connected", "healthy", "failing", "silent"]
    reason: str = Field(description="Why the state, in a sentence.")
    last_contact: datetime | None
    silent_after_minutes: int
    last_hour: WindowOut
    last_day: WindowOut
    open_problems: list[ProblemOut]
    quirks_last_day: dict[str, int]

    @classmethod
    def of(cls, health: DirectoryHealth) -> HealthOut:
        """The model of ``health``."""
        return cls.model_validate(health_json(health))


class HealthList(BaseModel):
    """Every directory's health, oldest directory first."""

    data: list[HealthOut]
