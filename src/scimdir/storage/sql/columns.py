"""Extract the indexed columns of a user or group from its stored SCIM document.

The document is the truth (port: "``document`` is the stored SCIM JSON"); these columns are
derived on every insert/update so filters and uniqueness run over indexes (docs/architecture.md,
"Data"). Attribute names follow RFC 7643 §4.1 (User), §4.3 (Enterprise User, under its schema URN
key) and §4.2 (Group). Values that are not strings (or are empty) index as NULL, which is what makes
``pr`` mean "not null and not empty".
"""

from __future__ import annotations

from typing import Any

from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA
from scimdir.service.ports import GroupRecord, UserRecord, normalize_user_name
from scimdir.storage.sql.filters import fold

__all__ = ["VALUE_KEYS", "email_rows", "group_columns", "user_columns", "value_rows"]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _folded(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else fold(text)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def user_columns(record: UserRecord) -> dict[str, Any]:
    """The ``users`` row for ``record`` (all columns)."""
    doc = record.document
    name = _dict(doc.get("name"))
    ext = _dict(doc.get(ENTERPRISE_USER_SCHEMA))
    manager = ext.get("manager")
    manager_id = manager if isinstance(manager, str) else _dict(manager).get("value")
    active = doc.get("active")
    display = _text(doc.get("displayName"))
    return {
        "directory_id": record.directory_id,
        "id": record.id,
        "user_name": record.user_name,
        "user_name_norm": normalize_user_name(record.user_name),
        "external_id": _text(doc.get("externalId")),
        "display_name": display,
        "display_name_norm": None if display is None else fold(display),
        "active": active if isinstance(active, bool) else None,
        "given_name": _folded(name.get("givenName")),
        "family_name": _folded(name.get("familyName")),
        "employee_number": _folded(ext.get("employeeNumber")),
        "department": _folded(ext.get("department")),
        "manager_id": _folded(manager_id),
        "title": _folded(doc.get("title")),
        "user_type": _folded(doc.get("userType")),
        "cost_center": _folded(ext.get("costCenter")),
        "organization": _folded(ext.get("organization")),
        "division": _folded(ext.get("division")),
        "source": record.source,
        "linked": record.linked,
        "document": doc,
        "version": record.version,
        "created": record.created,
        "last_modified": record.last_modified,
    }


def email_rows(record: UserRecord) -> list[dict[str, Any]]:
    """The ``user_emails`` rows for ``record``'s ``emails`` (one per value, in order)."""
    emails = record.document.get("emails")
    if not isinstance(emails, list):
        return []
    rows: list[dict[str, Any]] = []
    for position, email in enumerate(emails):
        if not isinstance(email, dict):
            continue
        value = _text(email.get("value"))
        rows.append(
            {
                "directory_id": record.directory_id,
                "user_id": record.id,
                "position": position,
                "value": value,
                "value_norm": None if value is None else fold(value),
                "type": _folded(email.get("type")),
                "primary": email.get("primary") is True,
            }
        )
    return rows


VALUE_KEYS: tuple[tuple[str, str], ...] = (("phoneNumbers", "value"), ("addresses", "country"))
"""The ``(attribute, sub-attribute)`` pairs kept as ``user_values`` rows (filter keys)."""


def value_rows(record: UserRecord) -> list[dict[str, Any]]:
    """The ``user_values`` rows for ``record``: one per non-empty value of each of
    :data:`VALUE_KEYS`, numbered by the value's position in its attribute."""
    rows: list[dict[str, Any]] = []
    for attribute, sub in VALUE_KEYS:
        items = record.document.get(attribute)
        if not isinstance(items, list):
            continue
        for position, item in enumerate(items):
            value = _folded(_dict(item).get(sub))
            if value is not None:
                rows.append(
                    {
                        "directory_id": record.directory_id,
                        "user_id": record.id,
                        "attribute": f"{attribute}.{sub}",
                        "position": position,
                        "value_norm": value,
                    }
                )
    return rows


def group_columns(record: GroupRecord) -> dict[str, Any]:
    """The ``groups`` row for ``record`` (all columns)."""
    return {
        "directory_id": record.directory_id,
        "id": record.id,
        "display_name": record.display_name,
        "display_name_norm": fold(record.display_name),
        "external_id": _text(record.document.get("externalId")),
        "document": record.document,
        "version": record.version,
        "created": record.created,
        "last_modified": record.last_modified,
    }
