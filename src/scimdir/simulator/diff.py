"""Compare the payload the mappings give with the object the endpoint holds, Entra-style.

Entra "reads the target object, compares, and sends a PATCH with only the changed attributes"
(docs/idp/entra.md §3 "Updates"). It compares per mapped target attribute, so the payload of
:func:`scimdir.mapping.mappings.build_payload` is flattened back into those targets
(``name.givenName``, ``emails[type eq "work"].value``, ``urn:…:enterprise:2.0:User:department``)
and each is looked up in the endpoint's resource (names compared case-insensitively, RFC 7643
§2.1). ``Add`` is used where the endpoint has no value, ``Replace`` where it has another one
(Microsoft staff, Q&A 1373350, quoted in §4.10). Attributes the mappings leave empty are never
sent: Entra does not provision null values (§3 "Null values").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MANAGER", "Change", "changes", "current_value", "desired_values"]

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MANAGER = f"{ENTERPRISE}:manager"
_FILTERED = re.compile(r'^(\w+)\[(\w+) eq "([^"]*)"\]\.(\w+)$')
_SKIPPED = frozenset({"schemas", "meta", "roles", "id"})

Change = tuple[str, str, Any]
"""``(op, path, value)`` with op ``Add`` or ``Replace``."""


def desired_values(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The mapped targets of a built payload, as Entra's attribute paths; the manager as the bare
    string Entra sends (§4.9)."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if key in _SKIPPED:
            continue
        if key.lower().startswith("urn:") and isinstance(value, Mapping):
            for sub, item in value.items():
                manager = sub == "manager" and isinstance(item, Mapping)
                out[f"{key}:{sub}"] = item.get("value") if manager else item
        elif isinstance(value, list):
            for element in value:
                if isinstance(element, Mapping) and "type" in element:
                    for sub, item in element.items():
                        if sub not in ("type", "primary"):
                            out[f'{key}[type eq "{element["type"]}"].{sub}'] = item
        elif isinstance(value, Mapping):
            for sub, item in value.items():
                out[f"{key}.{sub}"] = item
        else:
            out[key] = value
    return out


def _get(container: Any, name: str) -> Any:
    if not isinstance(container, Mapping):
        return None
    if name in container:
        return container[name]
    lowered = name.lower()
    return next((v for k, v in container.items() if k.lower() == lowered), None)


def current_value(resource: Mapping[str, Any], path: str) -> Any:
    """The endpoint's value at an Entra attribute path (None when absent)."""
    container: Any = resource
    if path.lower().startswith("urn:"):
        schema, _, path = path.rpartition(":")
        container = _get(resource, schema)
        value = _get(container, path)
        if path.lower() == "manager" and isinstance(value, Mapping):
            return _get(value, "value")
        return value
    match = _FILTERED.match(path)
    if match:
        name, attribute, expected, sub = match.groups()
        elements = _get(container, name)
        for element in elements if isinstance(elements, list) else []:
            key = _get(element, attribute)
            if isinstance(key, str) and key.lower() == expected.lower():
                return _get(element, sub)
        return None
    for part in path.split("."):
        container = _get(container, part)
    return container


def changes(desired: Mapping[str, Any], resource: Mapping[str, Any]) -> list[Change]:
    """The operations that bring ``resource`` to ``desired`` (only the changed targets)."""
    found: list[Change] = []
    for path, value in desired.items():
        if value is None:
            continue
        current = current_value(resource, path)
        if current == value:
            continue
        found.append(("Add" if current is None else "Replace", path, value))
    return found
