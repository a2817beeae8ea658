"""The per-request context every provisioning use case receives, and list-parameter parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from scim2_models import Path
from scim2_models.path import AttrPath

from scimdir.scim.dialects import Dialect
from scimdir.scim.errors import SCIMException, invalid_filter, invalid_value, shorten
from scimdir.scim.extensions import DirectorySchema, directory_schema
from scimdir.scim.filter import SORTABLE_KEYS, Expr, parse_filter, resolve_attribute
from scimdir.scim.limits import InputLimits
from scimdir.scim.schema import AttrType, ResourceType
from scimdir.service.directory_settings import DirectorySettings
from scimdir.service.ports import DirectoryRecord, ReadAhead, SearchQuery, Transaction


@dataclass(frozen=True)
class Limits(InputLimits):
    """Published limits (docs/performance.md, "Published limits"): what one request may carry
    (:class:`~scimdir.scim.limits.InputLimits`) and what one response holds."""

    max_page_size: int = 1000
    default_page_size: int = 100
    max_members_per_response: int = 100_000
    bulk_max_operations: int = 1000
    """Operations one ``/Bulk`` request may carry (RFC 7644 §3.7.4 ``maxOperations``)."""
    bulk_max_payload_bytes: int = 1024 * 1024
    """Bytes one ``/Bulk`` body may hold (RFC 7644 §3.7.4 ``maxPayloadSize``)."""


@dataclass
class ScimContext:
    """Who is calling and how: the authenticated directory, its dialect and settings.

    ``quirks`` collects the names of the IdP quirks that fired while serving the request, for the
    provisioning log and metrics; ``effect`` is what the request did, in words
    (:mod:`scimdir.service.effects`), set by the use case from the change it made.
    """

    directory: DirectoryRecord
    base_url: str
    dialect: Dialect
    settings: DirectorySettings
    quirks: list[str] = field(default_factory=list)
    effect: str | None = None
    kept_undeclared: list[str] = field(default_factory=list)
    """Attributes of undeclared extensions this request stored as sent (``keep``), for the log."""
    read_ahead: ReadAhead | None = None
    """The user the request names, read with its authentication; the use case's first unit of
    work adopts it (:meth:`adopt_read_ahead`)."""

    @property
    def directory_id(self) -> str:
        """The tenant id."""
        return self.directory.id

    def adopt_read_ahead(self, tx: Transaction, user_id: str) -> None:
        """Hand ``tx`` the row of user ``user_id`` read with the authentication, once: a unit
        of work run again after a lost race reads for itself (and locked). Another user's row
        is never handed over (``Transaction.adopt_read_ahead``)."""
        ahead = self.read_ahead
        if ahead is not None and ahead.user_id == user_id:
            self.read_ahead = None
            if ahead.directory_id == self.directory_id:
                tx.adopt_read_ahead(ahead)

    @cached_property
    def schema(self) -> DirectorySchema:
        """The directory's resource types with its declared extensions
        (:mod:`scimdir.scim.extensions`)."""
        return directory_schema(self.directory.schema_extensions)

    @property
    def user_type(self) -> ResourceType:
        """The directory's User resource type (core, enterprise and declared extensions)."""
        return self.schema.user_type

    @property
    def group_type(self) -> ResourceType:
        """The directory's Group resource type (core and declared extensions)."""
        return self.schema.group_type


_INTEGER = re.compile(r"[+-]?[0-9]+")
MAX_START_INDEX = 2**31 - 1
"""The largest ``startIndex`` accepted (a signed 32-bit integer, as most SCIM clients use)."""


def _int_param(name: str, raw: str | None) -> int | None:
    """An ASCII decimal integer; one longer than 30 digits reads as ±10**30 (beyond any limit,
    and no 4,300-digit conversion is attempted)."""
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    if not _INTEGER.fullmatch(text):
        raise invalid_value(f"{name} must be an integer, not {shorten(raw)}.")
    if len(text.lstrip("+-").lstrip("0")) > 30:
        return -(10**30) if text.startswith("-") else 10**30
    return int(text)


@dataclass(frozen=True)
class ListParams:
    """The raw list parameters of RFC 7644 §3.4.2 (query string or a .search body), unvalidated."""

    filter: str | None = None
    start_index: str | None = None
    count: str | None = None
    sort_by: str | None = None
    sort_order: str | None = None
    attributes: str | None = None
    excluded_attributes: str | None = None


def dialect_filter(ctx: ScimContext, params: ListParams) -> ListParams:
    """``params`` with the filter rewritten by the directory's dialect (authentik's bare-word
    values, :mod:`scimdir.scim.authentik_quirks`); the quirks that fired go to ``ctx.quirks``."""
    if not params.filter:
        return params
    text, fired = ctx.dialect.normalize_filter(params.filter)
    if not fired:
        return params
    ctx.quirks.extend(fired)
    return replace(params, filter=text)


def build_search(rt: ResourceType, limits: Limits, params: ListParams) -> SearchQuery:
    """Validate RFC 7644 §3.4.2 list parameters into a :class:`SearchQuery`.

    ``startIndex`` below 1 is read as 1 and a negative ``count`` as 0 (§3.4.2.4); a ``count`` above
    the published maximum is lowered to it (the server may return fewer results than asked). A
    ``startIndex`` above :data:`MAX_START_INDEX` is refused with 400 ``invalidValue``: lowering it
    would answer with a different ``startIndex`` than the client asked for.
    """
    filter_text, sort_by, sort_order = params.filter, params.sort_by, params.sort_order
    expr: Expr | None = parse_filter(rt, filter_text, limits) if filter_text else None
    start = max(1, _int_param("startIndex", params.start_index) or 1)
    if start > MAX_START_INDEX:
        raise invalid_value(
            f"startIndex must be at most {MAX_START_INDEX}; a directory never holds that many "
            "results, so ask for a smaller one (RFC 7644 §3.4.2.4)."
        )
    wanted = _int_param("count", params.count)
    size = limits.default_page_size if wanted is None else max(0, wanted)
    size = min(size, limits.max_page_size)
    sort_key: str | None = None
    if sort_by:
        try:
            path = Path(sort_by).ast
        except SCIMException as exc:
            raise invalid_filter(f"sortBy={shorten(sort_by)} is not an attribute path.") from exc
        if not isinstance(path, AttrPath):
            raise invalid_filter(f"sortBy={shorten(sort_by)} must name one attribute.")
        key, attr, _ = resolve_attribute(rt, path)
        if path.sub_attr:
            sub = attr.sub(path.sub_attr)
            key = f"{key}.{sub.name}" if sub else f"{key}.{path.sub_attr}"
        if key not in SORTABLE_KEYS or (attr.type == AttrType.COMPLEX and not path.sub_attr):
            choices = ", ".join(sorted(SORTABLE_KEYS))
            raise invalid_filter(
                f"sortBy={shorten(sort_by)} is not supported; sort by one of {choices}."
            )
    descending = False
    if sort_order:
        if sort_order.lower() not in ("ascending", "descending"):
            raise invalid_value("sortOrder must be ascending or descending.")
        descending = sort_order.lower() == "descending"
    if sort_by:
        sort_key = key
    return SearchQuery(
        filter=expr, sort_key=sort_key, descending=descending, start_index=start, count=size
    )
