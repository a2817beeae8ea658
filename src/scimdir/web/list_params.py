"""RFC 7644 §3.4.2 list parameters, from a query string or a §3.4.3 SearchRequest body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimdir.scim.errors import invalid_syntax
from scimdir.service.context import ListParams

__all__ = ["list_params", "search_body"]

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
    """RFC 7644 §3.4.2 query parameters (names are case-sensitive there, as in the RFC)."""
    return ListParams(**{field: query.get(name) for name, field in _LIST_KEYS.items()})


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
