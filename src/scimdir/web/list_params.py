"""RFC 7644 §3.4.2 list parameters, from a query string or a §3.4.3 SearchRequest body, and the
lookup hint a matching query's authentication carries (:func:`lookup_hint`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from scimdir.scim.characters import UNSTORABLE
from scimdir.scim.errors import invalid_syntax
from scimdir.scim.fast_filter import equality_parts
from scimdir.service.context import Limits, ListParams
from scimdir.service.ports import LookupHint

__all__ = ["list_params", "lookup_hint", "search_body"]

_LIST_KEYS = {
    "filter": "filter",
    "startIndex": "start_index",
    "count": "count",
    "sortBy": "sort_by",
    "sortOrder": "sort_order",
    "attributes": "attributes",
    "excludedAttributes": "excluded_attributes",
}


def list_params(query: Mapping[str, str]) -> ListParams:
    """RFC 7644 §3.4.2 query parameters (names are case-sensitive there, as in the RFC); the
    last value of a repeated one, as Starlette's ``get`` reads it."""
    # A plain dict first: a Mapping's ``get`` of an absent key costs an exception, and most of
    # these seven are absent (6 µs of a 200 µs lookup).
    given = dict(query.items())
    return ListParams(**{field: given.get(name) for name, field in _LIST_KEYS.items()})


def search_body(body: Any) -> ListParams:
    """RFC 7644 §3.4.3 SearchRequest body; list-valued ``attributes`` are joined with commas."""
    if not isinstance(body, dict):
        raise invalid_syntax("A .search body is a SearchRequest JSON object.")
    values: dict[str, str | None] = {}
    for name, field in _LIST_KEYS.items():
        value = body.get(name)
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        values[field] = None if value is None else str(value)
    return ListParams(**values)


def lookup_hint(resource: str, query: Mapping[str, str], limits: Limits) -> LookupHint | None:
    """The lookup a ``GET /Users`` or ``GET /Groups`` (``resource``: User or Group) will run,
    read from the raw query string alone, for its authentication to read in the same statement
    (:meth:`~scimdir.service.ports.Transaction.authenticate`); None unless it is an identity
    provider's matching query: ``attr eq "value"`` without sub-attribute
    (:func:`~scimdir.scim.fast_filter.equality_parts`), no ``startIndex`` beyond 1, no
    ``sortBy``, and a page size that :func:`~scimdir.service.context.build_search` reads the
    same way (``count``, else the default page size, at most the maximum). Nothing is validated
    here and nothing depends on it: a search that asks for anything else runs its own statement.
    A value no database can store (NUL, a lone surrogate) or a filter over the length limit
    gives no hint, so the early read never sends the database what the filter parser refuses.
    """
    if resource not in ("User", "Group"):
        return None
    kind: Literal["User", "Group"] = "User" if resource == "User" else "Group"
    text = query.get("filter")
    if not text or len(text) > limits.max_filter_length:
        return None
    # ``in`` first: a Mapping's ``get`` of an absent key costs an exception.
    if "sortBy" in query and query["sortBy"]:  # noqa: RUF019 (see above)
        return None
    if "startIndex" in query and query["startIndex"] != "1":
        return None
    if "count" not in query:
        count = limits.default_page_size
    elif (raw := query["count"]).isascii() and raw.isdigit() and len(raw) <= 9:
        count = min(int(raw), limits.max_page_size)
    else:
        return None
    parts = equality_parts(text)
    if parts is None or parts[1] is not None or count <= 0:
        return None
    attr, _, value = parts
    if UNSTORABLE.search(value):
        return None
    return LookupHint(kind, attr, value, count)
