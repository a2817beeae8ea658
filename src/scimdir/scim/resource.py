"""POST and PUT bodies validated into the stored document (RFC 7644 §3.3, §3.5.1).

The stored *document* of a resource is its SCIM JSON without ``id``, ``meta``, ``schemas``, a
group's ``members`` (kept as membership rows, docs/architecture.md, "Data") and a user's ``groups``
(read from those rows). Attribute names are spelt as in :mod:`scimdir.scim.schema` (RFC 7643 §2.1:
names are case-insensitive) and an extension lives as a nested object under its URN.

Rules applied, each refusal a 400 whose detail names the cause and the fix:

- the body is a JSON object whose ``schemas`` lists the core schema (RFC 7643 §3);
- readOnly attributes sent by the client (``id``, ``meta``, ``groups``, ``members.display``) are
  ignored (RFC 7644 §3.3) — Okta's PUT echoes ``id``, ``meta`` and ``"groups": []``
  (docs/idp/okta.md §3.3) and must not lose memberships;
- ``password`` (writeOnly) is accepted and never stored (Okta sends a placeholder on create,
  docs/idp/okta.md §3.1);
- ``null`` and ``[]`` are unassigned (RFC 7643 §2.5; Entra's ``"roles": []`` and explicit nulls,
  docs/idp/entra.md §4.2);
- unknown attributes and undeclared extension URNs are refused with ``invalidValue``, never
  silently dropped (Entra's Microsoft group URN and typo'd enterprise URN are rewritten earlier by
  the dialect, :mod:`scimdir.scim.quirks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scimdir.scim.characters import check_identifiers, check_storable
from scimdir.scim.errors import invalid_syntax, invalid_value, shorten
from scimdir.scim.schema import Mutability, ResourceType, Schema
from scimdir.scim.values import canonical_value, describe

__all__ = ["ParsedResource", "parse_members", "parse_resource", "render_document"]

_MEMBER_TYPES = {"user": "User", "group": "Group"}


@dataclass(frozen=True)
class ParsedResource:
    """A validated POST/PUT body.

    ``members`` is only set for groups: ``[(value, "User"|"Group")]``, or ``None`` when the body
    has no ``members`` key (a PUT without members is the service's decision, not ours).
    """

    document: dict[str, Any]
    members: list[tuple[str, str]] | None


def parse_resource(rt: ResourceType, body: Any) -> ParsedResource:
    """Validate a POST/PUT body for ``rt`` and return its canonical document and members.

    :raises scim2_models.exceptions.SCIMException: 400 ``invalidSyntax`` for a body that is not a
        resource, 400 ``invalidValue`` for a wrong schema list, unknown attribute or wrong type.
    :rfc: 7644 §3.3, §3.5.1; 7643 §2
    """
    if not isinstance(body, dict):
        raise invalid_syntax(
            f"The body must be a JSON object representing a {rt.name}; got {describe(body)}."
        )
    _check_schemas(rt, body)
    document: dict[str, Any] = {}
    members: list[tuple[str, str]] | None = None
    for key, value in body.items():
        if not isinstance(key, str):  # pragma: no cover - JSON keys are strings
            raise invalid_syntax("Attribute names must be strings.")
        lowered = key.lower()
        if lowered in ("schemas", "id", "meta"):
            continue
        if lowered == "members" and rt.schema.get("members") is not None:
            members = parse_members(value, "members")
            continue
        ext = rt.extension(key)
        if ext is not None:
            if value is None:
                continue
            if not isinstance(value, dict):
                raise invalid_value(
                    f"{ext.id} must be a JSON object of its attributes; got {describe(value)}."
                )
            stored = _canonical_object(ext, value, prefix=f"{ext.id}:")
            if stored:
                document[ext.id] = stored
            continue
        if lowered.startswith("urn:"):
            raise _undeclared(rt, key)
        document.update(_canonical_object(rt.schema, {key: value}, prefix=""))
    for attr in rt.schema.attributes:
        if attr.required and document.get(attr.name) in (None, ""):
            raise invalid_value(
                f"{attr.name} is required for a {rt.name}; send it as a non-empty value."
            )
    check_identifiers(rt, None, document)
    return ParsedResource(document=document, members=members)


def _check_schemas(rt: ResourceType, body: dict[str, Any]) -> None:
    schemas = next((v for k, v in body.items() if k.lower() == "schemas"), None)
    if not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas):
        raise invalid_syntax(
            f'The body needs "schemas": ["{rt.schema.id}"] (RFC 7643 §3); '
            f"got {describe(schemas) if schemas is not None else 'none'}."
        )
    lowered = {s.lower() for s in schemas}
    if rt.schema.id.lower() not in lowered:
        raise invalid_value(
            f'"schemas" must list {rt.schema.id} for a {rt.name}; got '
            f"{shorten(', '.join(schemas), 200)}."
        )
    for urn in schemas:
        if urn.lower() != rt.schema.id.lower() and rt.extension(urn) is None:
            raise _undeclared(rt, urn)


def _undeclared(rt: ResourceType, urn: str) -> Exception:
    known = ", ".join(e.id for e in rt.extensions) or "none"
    return invalid_value(
        f"The schema {shorten(urn)} is not supported for {rt.endpoint}; remove it and its "
        f"attributes (extensions scimdir supports here: {known})."
    )


def _canonical_object(schema: Schema, obj: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Canonicalise the attributes of one schema; readOnly dropped, writeOnly checked, dropped."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        attr = schema.get(key) if isinstance(key, str) else None
        if attr is None:
            names = ", ".join(a.name for a in schema.attributes if a.name not in ("id", "meta"))
            raise invalid_value(
                f"Unknown attribute {shorten(prefix + str(key))} in {schema.id}; remove it or "
                f"use one of: {names}."
            )
        if attr.mutability == Mutability.READ_ONLY:
            continue  # RFC 7644 §3.3
        checked = canonical_value(attr, value, prefix + attr.name)
        if attr.mutability == Mutability.WRITE_ONLY or checked is None:
            continue  # the password is validated and never stored
        out[attr.name] = checked
    return out


def parse_members(value: Any, shown: str) -> list[tuple[str, str]]:
    """Read a list of group members ``[{value, type?, display?, $ref?}]``.

    ``type`` defaults to ``"User"``: Okta never sends it (docs/idp/okta.md §4,
    https://github.com/Captain-P-Goldfish/SCIM-SDK/issues/419). Duplicates are dropped.
    """
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise invalid_value(
            f'{shown} must be an array of members, e.g. [{{"value": "<user id>"}}]; '
            f"got {describe(value)}."
        )
    out: list[tuple[str, str]] = []
    for i, item in enumerate(value):
        where = f"{shown}[{i}]"
        if not isinstance(item, dict):
            raise invalid_value(
                f'{where} must be an object such as {{"value": "<user id>"}}; got {describe(item)}.'
            )
        fields = {str(k).lower(): v for k, v in item.items()}
        unknown = sorted(set(fields) - {"value", "type", "display", "$ref"})
        if unknown:
            raise invalid_value(
                f"{where} has unknown keys {shorten(', '.join(unknown))}; a member has value, "
                "type, display and $ref."
            )
        member_id = fields.get("value")
        if not isinstance(member_id, str) or not member_id:
            raise invalid_value(
                f"{where}.value must be the non-empty id of a user or group; "
                f"got {describe(member_id) if member_id is not None else 'none'}."
            )
        check_storable(member_id, f"{where}.value")
        raw_type = fields.get("type")
        kind = "User" if raw_type is None else _MEMBER_TYPES.get(str(raw_type).lower())
        if kind is None or (raw_type is not None and not isinstance(raw_type, str)):
            raise invalid_value(
                f'{where}.type must be "User" or "Group"; got {describe(raw_type)}.'
            )
        out.append((member_id, kind))
    return list(dict.fromkeys(out))


def render_document(rt: ResourceType, document: dict[str, Any]) -> dict[str, Any]:
    """The document with its ``schemas`` list: the core URN, then each extension present.

    ``id``, ``meta``, ``members`` and ``groups`` are the service's to add.
    """
    schemas = [rt.schema.id] + [e.id for e in rt.extensions if e.id in document]
    return {"schemas": schemas, **document}
