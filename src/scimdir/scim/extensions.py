"""Custom schema extensions declared per directory (RFC 7643 §3, §3.3, §6, §7, §8.7).

An admin declares, for one directory, extension schemas of Users (and Groups): a URN such as
``urn:ietf:params:scim:schemas:extension:acme:2.0:User`` and its attributes. Entra sends custom
attributes of non-gallery apps as ``urn:ietf:params:scim:schemas:extension:<Name>:2.0:User:<attr>``
and allows only single-valued, non-complex ones ("Customize user provisioning
attribute-mappings", https://learn.microsoft.com/en-us/entra/identity/app-provisioning/customize-application-attributes);
scimdir accepts multi-valued ones too, never complex ones (nothing an IdP documents sends).

This module is pure: it validates a declaration (:func:`parse_declaration`), turns the stored
declarations of a directory into that directory's resource types (:func:`directory_schema`, cached
per distinct JSON so a request pays one dictionary lookup), and computes the index entries of a
document (:func:`index_entries`) that storage keeps so filters on extension attributes run over an
index (RFC 7644 §3.4.2.2; docs/extensions.md).

Rules of a declaration, each refusal a :class:`DeclarationError` that says what to send instead:

- the URN follows RFC 8141 (``urn:<NID>:<NSS>``, RFC 7643 §3 "schema URIs"), without a trailing
  ``:``, and is not a core or enterprise schema nor a SCIM message URN (RFC 7643 §8.7);
- attribute names follow RFC 7643 §2.1 ``ATTRNAME = ALPHA *(nameChar)``, unique case-insensitively;
- types are RFC 7643 §2.3 simple types: string, boolean, integer, decimal, dateTime, reference.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from scimdir.scim.errors import invalid_value, shorten
from scimdir.scim.schema import (
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    GROUP_TYPE,
    USER_SCHEMA,
    USER_TYPE,
    Attribute,
    AttrType,
    ResourceType,
    Schema,
    Uniqueness,
)

__all__ = [
    "EXTENSION_TYPES",
    "MAX_INDEXED_TEXT",
    "MAX_SAFE_INTEGER",
    "DeclarationError",
    "DirectorySchema",
    "ExtensionAttribute",
    "ExtensionDeclaration",
    "IndexEntry",
    "ResourceKind",
    "attribute_key",
    "check_addition",
    "check_extension_values",
    "check_urn",
    "directory_schema",
    "extension_urns",
    "fold_text",
    "index_entries",
    "parse_attribute",
    "parse_attribute_spec",
    "parse_declaration",
    "parse_time",
]

ResourceKind = Literal["User", "Group"]

EXTENSION_TYPES: tuple[AttrType, ...] = (
    AttrType.STRING,
    AttrType.BOOLEAN,
    AttrType.INTEGER,
    AttrType.DECIMAL,
    AttrType.DATETIME,
    AttrType.REFERENCE,
)
"""The RFC 7643 §2.3 types an extension attribute may have (no complex, no binary)."""

MAX_INDEXED_TEXT = 512
"""The longest string value an extension attribute takes: each is kept in an index (a
PostgreSQL B-tree entry holds at most about 2,700 bytes, and 512 characters of UTF-8 fit)."""

MAX_SAFE_INTEGER = 2**53
"""Integers beyond ±2^53 are refused: the index keeps numbers as doubles, exact up to this."""

MAX_ATTRIBUTES = 100
"""At most this many attributes per declared extension (each one is filterable)."""

_ATTRNAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
# RFC 8141 §2: NID = (alphanum) 0*30(ldh) (alphanum); NSS = pchar *(pchar / "/").
_URN = re.compile(
    r"urn:(?P<nid>[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]):"
    r"(?P<nss>(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
    r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*)\Z",
    re.IGNORECASE,
)
_RESERVED_PREFIXES = ("urn:ietf:params:scim:schemas:core:", "urn:ietf:params:scim:api:")
_RESERVED = {USER_SCHEMA.lower(), GROUP_SCHEMA.lower(), ENTERPRISE_USER_SCHEMA.lower()}
_MAX_URN = 200
_BUILT_IN = {"User": USER_TYPE, "Group": GROUP_TYPE}


class DeclarationError(ValueError):
    """A declaration scimdir cannot take; the message names the field and what to send."""


@dataclass(frozen=True)
class ExtensionAttribute:
    """One declared attribute: RFC 7643 §7 characteristics an admin may choose."""

    name: str
    type: AttrType = AttrType.STRING
    multi_valued: bool = False
    case_exact: bool = False
    required: bool = False
    uniqueness: Uniqueness = Uniqueness.NONE
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        """The stored (and API) form, with RFC 7643 §7 key names."""
        return {
            "name": self.name,
            "type": self.type.value,
            "multiValued": self.multi_valued,
            "caseExact": self.case_exact,
            "required": self.required,
            "uniqueness": self.uniqueness.value,
            "description": self.description,
        }

    def to_attribute(self) -> Attribute:
        """The schema-table attribute; every declared attribute is filterable (indexed)."""
        return Attribute(
            self.name,
            self.type,
            multi_valued=self.multi_valued,
            required=self.required,
            case_exact=self.case_exact,
            uniqueness=self.uniqueness,
            description=self.description,
            filterable=True,
            reference_types=("external",) if self.type == AttrType.REFERENCE else (),
        )


@dataclass(frozen=True)
class ExtensionDeclaration:
    """A declared extension schema of one resource type of one directory."""

    urn: str
    resource_type: ResourceKind
    attributes: tuple[ExtensionAttribute, ...]
    name: str = ""
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        """The stored (and API) form."""
        return {
            "urn": self.urn,
            "resourceType": self.resource_type,
            "name": self.name,
            "description": self.description,
            "attributes": [a.to_json() for a in self.attributes],
        }

    def to_schema(self) -> Schema:
        """The RFC 7643 §7 schema published at ``/Schemas`` and used to validate writes."""
        return Schema(
            id=self.urn,
            name=self.name or self.urn.rsplit(":", 1)[-1],
            description=self.description
            or f"Extension declared for this directory's {self.resource_type}s.",
            attributes=tuple(a.to_attribute() for a in self.attributes),
        )


def _bool(data: Mapping[str, Any], key: str, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise DeclarationError(f"{where}.{key} must be true or false, not {value!r}.")
    return value


def _text(data: Mapping[str, Any], key: str, where: str, limit: int = 500) -> str:
    value = data.get(key) or ""
    if not isinstance(value, str) or len(value) > limit:
        raise DeclarationError(f"{where}.{key} must be a string of at most {limit} characters.")
    return value


def parse_attribute(data: Any, where: str = "attribute") -> ExtensionAttribute:
    """Validate one attribute declaration (RFC 7643 §7 keys; unknown keys refused)."""
    if not isinstance(data, Mapping):
        raise DeclarationError(f"{where} must be an object such as {{'name': 'costCenter'}}.")
    unknown = sorted(
        set(data)
        - {"name", "type", "multiValued", "caseExact", "required", "uniqueness", "description"}
    )
    if unknown:
        raise DeclarationError(
            f"{where} has unknown keys {', '.join(map(str, unknown))}; an attribute has name, "
            "type, multiValued, caseExact, required, uniqueness and description."
        )
    name = data.get("name")
    if not isinstance(name, str) or not _ATTRNAME.match(name) or len(name) > 64:
        raise DeclarationError(
            f"{where}.name {name!r} is not an attribute name (RFC 7643 §2.1: a letter, then "
            "letters, digits, '-' or '_'; at most 64 characters), e.g. costCenter."
        )
    raw_type = data.get("type", "string")
    kind = next(
        (
            t
            for t in EXTENSION_TYPES
            if isinstance(raw_type, str) and t.value.lower() == raw_type.lower()
        ),
        None,
    )
    if kind is None:
        raise DeclarationError(
            f"{where}.type {raw_type!r} is not supported; use one of "
            f"{', '.join(t.value for t in EXTENSION_TYPES)}."
        )
    raw_unique = data.get("uniqueness", "none")
    unique = next(
        (u for u in Uniqueness if isinstance(raw_unique, str) and u.value == raw_unique.lower()),
        None,
    )
    if unique is None:
        raise DeclarationError(f"{where}.uniqueness must be none, server or global.")
    multi = _bool(data, "multiValued", where)
    if multi and unique != Uniqueness.NONE:
        raise DeclarationError(
            f"{where}: uniqueness applies to single-valued attributes; make {name} single-valued "
            "or set uniqueness none."
        )
    if unique != Uniqueness.NONE and kind == AttrType.BOOLEAN:
        raise DeclarationError(f"{where}: a boolean cannot be unique (it has two values).")
    return ExtensionAttribute(
        name=name,
        type=kind,
        multi_valued=multi,
        case_exact=_bool(data, "caseExact", where),
        required=_bool(data, "required", where),
        uniqueness=unique,
        description=_text(data, "description", where),
    )


def parse_attribute_spec(spec: str, label: str = "--attribute") -> dict[str, Any]:
    """The ``NAME[:TYPE][:flag...]`` form (CLI ``--attribute``, one console line) as a
    declaration object; ``label`` names where the spec came from in the error message.

    Flags: ``multi``, ``exact`` (caseExact), ``required``, ``unique`` (uniqueness server), e.g.
    ``costCenter:string``, ``badges:string:multi``, ``employeeId:string:exact:unique``.
    """
    parts = [p.strip() for p in spec.split(":")]
    if not parts or not parts[0]:
        raise DeclarationError(f"{label} {spec!r}: give NAME[:TYPE][:multi|exact|required|unique].")
    out: dict[str, Any] = {"name": parts[0]}
    flags = {"multi": "multiValued", "exact": "caseExact", "required": "required"}
    for part in parts[1:]:
        lowered = part.lower()
        if lowered in flags:
            out[flags[lowered]] = True
        elif lowered == "unique":
            out["uniqueness"] = "server"
        elif "type" not in out:
            out["type"] = part
        else:
            raise DeclarationError(
                f"{label} {spec!r}: unknown flag {part!r}; flags are multi, exact, "
                "required and unique."
            )
    return out


def check_urn(urn: Any, resource_type: str) -> str:
    """A valid extension URN (RFC 8141, RFC 7643 §3) that names no built-in schema."""
    if not isinstance(urn, str) or not urn:
        raise DeclarationError(
            "urn must be the extension's schema URN, e.g. "
            f"urn:ietf:params:scim:schemas:extension:acme:2.0:{resource_type}."
        )
    if len(urn) > _MAX_URN or not _URN.match(urn) or urn.endswith(":"):
        raise DeclarationError(
            f"urn {urn[:80]!r} is not a URN (RFC 8141: urn:<NID>:<NSS>, no spaces, '?', '#' or "
            f"trailing ':', at most {_MAX_URN} characters), e.g. "
            f"urn:ietf:params:scim:schemas:extension:acme:2.0:{resource_type}."
        )
    lowered = urn.lower()
    if lowered in _RESERVED or lowered.startswith(_RESERVED_PREFIXES):
        raise DeclarationError(
            f"urn {urn} is a schema scimdir defines itself (RFC 7643 §8.7); declare your own, "
            f"e.g. urn:ietf:params:scim:schemas:extension:acme:2.0:{resource_type}."
        )
    return urn


def parse_declaration(data: Any) -> ExtensionDeclaration:
    """Validate a declaration object (the API body, the CLI's arguments, a stored entry).

    :raises DeclarationError: naming the field and what to send instead.
    """
    if not isinstance(data, Mapping):
        raise DeclarationError("A declaration is an object with urn, resourceType and attributes.")
    unknown = sorted(set(data) - {"urn", "resourceType", "name", "description", "attributes"})
    if unknown:
        raise DeclarationError(
            f"Unknown keys {', '.join(map(str, unknown))}; a declaration has urn, resourceType, "
            "name, description and attributes."
        )
    kind = data.get("resourceType", "User")
    if kind not in ("User", "Group"):
        raise DeclarationError(f"resourceType must be User or Group, not {kind!r}.")
    urn = check_urn(data.get("urn"), kind)
    raw_attributes = data.get("attributes") or []
    if not isinstance(raw_attributes, list) or not raw_attributes:
        raise DeclarationError(
            "attributes must be a non-empty list, e.g. [{'name': 'costCenter', 'type': 'string'}]."
        )
    if len(raw_attributes) > MAX_ATTRIBUTES:
        raise DeclarationError(f"An extension has at most {MAX_ATTRIBUTES} attributes.")
    attributes = tuple(parse_attribute(a, f"attributes[{i}]") for i, a in enumerate(raw_attributes))
    seen: set[str] = set()
    for attr in attributes:
        if attr.name.lower() in seen:
            raise DeclarationError(
                f"The attribute {attr.name} is declared twice (names are case-insensitive, "
                "RFC 7643 §2.1)."
            )
        seen.add(attr.name.lower())
    return ExtensionDeclaration(
        urn=urn,
        resource_type=kind,
        attributes=attributes,
        name=_text(data, "name", "declaration", 100),
        description=_text(data, "description", "declaration"),
    )


def check_addition(existing: Sequence[ExtensionDeclaration], new: ExtensionDeclaration) -> None:
    """Refuse a URN already declared, or one that a path could confuse with another.

    ``urn:a:User`` and ``urn:a:User:x`` cannot both exist: ``urn:a:User:x:y`` would name
    attribute ``y`` of one and ``x:y`` of the other (RFC 7644 §3.10 paths end with ``:attr``).
    """
    lowered = new.urn.lower()
    for old in existing:
        other = old.urn.lower()
        if other == lowered:
            raise DeclarationError(
                f"{old.urn} is already declared for this directory's {old.resource_type}s; "
                "remove it first to change it."
            )
        if other.startswith(lowered + ":") or lowered.startswith(other + ":"):
            raise DeclarationError(
                f"{new.urn} and the declared {old.urn} would make attribute paths ambiguous; "
                "choose a URN that is not a prefix of the other."
            )


@dataclass(frozen=True)
class DirectorySchema:
    """A directory's resource types: the built-in ones plus its declared extensions."""

    declarations: tuple[ExtensionDeclaration, ...] = ()
    user_type: ResourceType = USER_TYPE
    group_type: ResourceType = GROUP_TYPE
    _by_urn: Mapping[str, ExtensionDeclaration] = field(default_factory=dict, compare=False)

    def declared(self, urn: str) -> ExtensionDeclaration | None:
        """The declaration of ``urn`` (case-insensitive), if any."""
        return self._by_urn.get(urn.lower())

    def type_of(self, kind: str) -> ResourceType:
        """The resource type ``User`` or ``Group`` of this directory."""
        return self.group_type if kind == "Group" else self.user_type


_DEFAULT = DirectorySchema()
_CACHE: dict[bytes, DirectorySchema] = {}
_CACHE_MAX = 1024


def directory_schema(stored: Sequence[Any] | None) -> DirectorySchema:
    """The resource types of a directory whose stored declarations are ``stored``.

    Built once per distinct JSON and then shared (the directory row, read on every request, is the
    key: a declaration made by any process is seen on the next request). Stored entries that no
    longer validate are skipped rather than failing every request of the directory.
    """
    if not stored:
        return _DEFAULT
    key = orjson.dumps(stored, option=orjson.OPT_SORT_KEYS)
    found = _CACHE.get(key)
    if found is None:
        found = _build(stored, key)
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def _build(stored: Sequence[Any], key: bytes) -> DirectorySchema:
    declarations: list[ExtensionDeclaration] = []
    for item in stored:
        try:
            declarations.append(parse_declaration(item))
        except DeclarationError:
            continue
    variant = hashlib.sha256(key).hexdigest()[:16]

    def extended(kind: ResourceKind) -> ResourceType:
        base = _BUILT_IN[kind]
        mine = tuple(d.to_schema() for d in declarations if d.resource_type == kind)
        if not mine:
            return base
        return ResourceType(
            base.name, base.endpoint, base.schema, base.extensions + mine, variant=variant
        )

    return DirectorySchema(
        declarations=tuple(declarations),
        user_type=extended("User"),
        group_type=extended("Group"),
        _by_urn={d.urn.lower(): d for d in declarations},
    )


def attribute_key(urn: str, name: str) -> str:
    """The filter key (and index ``attribute``) of an extension attribute: ``urn:name``."""
    return f"{urn}:{name}"


def extension_urns(document: Mapping[str, Any]) -> list[str]:
    """The extension URNs present in a stored document, other than the enterprise one."""
    return [k for k in document if k.startswith(("urn:", "URN:")) and k != ENTERPRISE_USER_SCHEMA]


@dataclass(frozen=True)
class IndexEntry:
    """One value of an extension attribute as storage indexes it.

    ``attribute`` is the lower-cased ``urn:name``; exactly one of ``text``/``number``/``time``
    holds the value (``text`` casefolded unless caseExact); ``unique`` is set only for attributes
    declared unique, and the database refuses two equal ones in a directory.
    """

    attribute: str
    position: int
    text: str | None = None
    number: float | None = None
    time: datetime | None = None
    unique: str | None = None


def fold_text(value: str, case_exact: bool) -> str:
    """The comparison form of a string value (casefolded unless caseExact)."""
    return value if case_exact else value.casefold()


def parse_time(value: str) -> datetime | None:
    """An ISO 8601 dateTime as an aware UTC datetime (naive ones read as UTC), else None."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def _entry(attr: ExtensionAttribute, key: str, position: int, value: Any) -> IndexEntry | None:
    unique = attr.uniqueness != Uniqueness.NONE
    if attr.type in (AttrType.STRING, AttrType.REFERENCE):
        if not isinstance(value, str) or value == "":
            return None
        text = fold_text(value, attr.case_exact)
        return IndexEntry(key, position, text=text, unique=text if unique else None)
    if attr.type == AttrType.BOOLEAN:
        return (
            IndexEntry(key, position, number=1.0 if value else 0.0)
            if isinstance(value, bool)
            else None
        )
    if attr.type in (AttrType.INTEGER, AttrType.DECIMAL):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return None
        number = float(value)
        return IndexEntry(key, position, number=number, unique=repr(number) if unique else None)
    if attr.type == AttrType.DATETIME and isinstance(value, str):
        moment = parse_time(value)
        if moment is None:
            return None
        return IndexEntry(key, position, time=moment, unique=moment.isoformat() if unique else None)
    return None


def index_entries(
    schema: DirectorySchema, kind: str, document: Mapping[str, Any]
) -> list[IndexEntry]:
    """The index entries of the declared extension attributes present in ``document``."""
    out: list[IndexEntry] = []
    for urn in extension_urns(document):
        declaration = schema.declared(urn)
        box = document.get(urn)
        if declaration is None or declaration.resource_type != kind or not isinstance(box, dict):
            continue
        for attr in declaration.attributes:
            value = box.get(attr.name)
            if value is None:
                continue
            key = attribute_key(declaration.urn, attr.name).lower()
            values: Iterable[Any] = value if isinstance(value, list) else (value,)
            for position, item in enumerate(values):
                entry = _entry(attr, key, position, item)
                if entry is not None:
                    out.append(entry)
    return out


def check_extension_values(schema: DirectorySchema, kind: str, document: Mapping[str, Any]) -> None:
    """What the index needs of declared extension values, checked on every write.

    The type of each value is checked by the core like any attribute's
    (:mod:`scimdir.scim.values`); this adds the declared ``required`` attributes of an extension
    the resource carries, the length of strings (:data:`MAX_INDEXED_TEXT`) and the range of
    numbers (:data:`MAX_SAFE_INTEGER`), each refusal naming the attribute and the fix.

    :raises scim2_models.exceptions.SCIMException: 400 ``invalidValue``.
    """
    for urn in extension_urns(document):
        declaration = schema.declared(urn)
        box = document.get(urn)
        if declaration is None or declaration.resource_type != kind or not isinstance(box, dict):
            continue
        for attr in declaration.attributes:
            shown = attribute_key(declaration.urn, attr.name)
            value = box.get(attr.name)
            if value is None:
                if attr.required:
                    raise invalid_value(
                        f"{shown} is required when a {kind} carries {declaration.urn} (declared "
                        "for this directory); send it, or leave out the whole extension."
                    )
                continue
            for item in value if isinstance(value, list) else (value,):
                if isinstance(item, str) and len(item) > MAX_INDEXED_TEXT:
                    raise invalid_value(
                        f"{shown} holds {len(item)} characters; scimdir keeps extension values of "
                        f"at most {MAX_INDEXED_TEXT} characters (each is indexed for filters)."
                    )
                if (
                    isinstance(item, int | float)
                    and not isinstance(item, bool)
                    and not (math.isfinite(item) and abs(item) <= MAX_SAFE_INTEGER)
                ):
                    raise invalid_value(
                        f"{shown} is {shorten(item)}; scimdir keeps numbers between -2^53 and "
                        "2^53 (exactly comparable in filters). Send a smaller number."
                    )
