"""The SCIM schemas scimdir serves: core User, the Enterprise User extension, and Group.

RFC 7643 §4 (User, Group), §4.3 (Enterprise User) and §7 (attribute characteristics). This module is
the single source of truth for attribute names, types, case-exactness, mutability and what is
returned; discovery (`/Schemas`), filters, PATCH and projection all read it.

Why not scim2-models' pydantic resources: we keep the stored document as JSON and serve it without
a validation round trip on every read (docs/architecture.md, rule 4); a small,
explicit attribute table is cheaper to consult than model introspection and lets us publish exactly
what we store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class AttrType(StrEnum):
    """RFC 7643 §2.3 data types."""

    STRING = "string"
    BOOLEAN = "boolean"
    DECIMAL = "decimal"
    INTEGER = "integer"
    DATETIME = "dateTime"
    BINARY = "binary"
    REFERENCE = "reference"
    COMPLEX = "complex"


class Mutability(StrEnum):
    """RFC 7643 §7 "mutability"."""

    READ_ONLY = "readOnly"
    READ_WRITE = "readWrite"
    IMMUTABLE = "immutable"
    WRITE_ONLY = "writeOnly"


class Returned(StrEnum):
    """RFC 7643 §7 "returned"."""

    ALWAYS = "always"
    NEVER = "never"
    DEFAULT = "default"
    REQUEST = "request"


class Uniqueness(StrEnum):
    """RFC 7643 §7 "uniqueness"."""

    NONE = "none"
    SERVER = "server"
    GLOBAL = "global"


_Named = TypeVar("_Named")


def _first_by_lower(items: Iterable[_Named], name: Callable[[_Named], str]) -> dict[str, _Named]:
    """``items`` by their lower-cased name, the first of a name winning (as a scan in order
    would find it): lookups by name run for every key of every body and PATCH path, so the
    dict is built once instead of lower-casing each candidate on each lookup."""
    found: dict[str, _Named] = {}
    for item in items:
        found.setdefault(name(item).lower(), item)
    return found


@dataclass(frozen=True)
class Attribute:
    """One attribute definition (RFC 7643 §7).

    ``filterable`` is scimdir's own characteristic: whether storage can evaluate a filter on this
    attribute over an index. A filter on any other attribute is refused with ``invalidFilter``
    (RFC 7644 §3.4.2.2), never evaluated by scanning.
    """

    name: str
    type: AttrType = AttrType.STRING
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: Mutability = Mutability.READ_WRITE
    returned: Returned = Returned.DEFAULT
    uniqueness: Uniqueness = Uniqueness.NONE
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    sub_attributes: tuple[Attribute, ...] = ()
    description: str = ""
    filterable: bool = False
    _subs: Mapping[str, Attribute] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_subs", _first_by_lower(self.sub_attributes, lambda a: a.name))

    def sub(self, name: str) -> Attribute | None:
        """Return the sub-attribute called ``name`` (case-insensitive, RFC 7643 §2.1)."""
        return self._subs.get(name.lower())

    def to_dict(self) -> dict[str, object]:
        """Render the definition as RFC 7643 §7 schema JSON."""
        out: dict[str, object] = {
            "name": self.name,
            "type": self.type.value,
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability.value,
            "returned": self.returned.value,
            "uniqueness": self.uniqueness.value,
        }
        if self.canonical_values:
            out["canonicalValues"] = list(self.canonical_values)
        if self.reference_types:
            out["referenceTypes"] = list(self.reference_types)
        if self.sub_attributes:
            out["subAttributes"] = [s.to_dict() for s in self.sub_attributes]
        return out


@dataclass(frozen=True)
class Schema:
    """A schema: an URN and its attributes (RFC 7643 §7)."""

    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]
    _index: Mapping[str, Attribute] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {a.name.lower(): a for a in self.attributes})

    def get(self, name: str) -> Attribute | None:
        """Return the attribute called ``name`` (case-insensitive)."""
        return self._index.get(name.lower())

    def to_dict(self, location: str) -> dict[str, object]:
        """Render as a `/Schemas` resource (RFC 7643 §7, §8.7.1)."""
        return {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": [a.to_dict() for a in self.attributes],
            "meta": {"resourceType": "Schema", "location": location},
        }


def _s(name: str, **kw: object) -> Attribute:
    return Attribute(name, **kw)  # type: ignore[arg-type]


_RO = Mutability.READ_ONLY
_TYPE_VALUE = ("work", "home", "other")


def _multi(
    name: str,
    types: tuple[str, ...],
    *,
    filterable: bool = False,
    value_filterable: bool = False,
    value_type: AttrType = AttrType.STRING,
    extra: tuple[Attribute, ...] = (),
    description: str = "",
) -> Attribute:
    """A multi-valued complex attribute with the RFC 7643 §2.4 default sub-attributes.

    ``filterable`` indexes value, type and primary (``emails``); ``value_filterable`` only the
    value (``phoneNumbers``). ``value_type`` is the value's data type (RFC 7643 §4.1.2: a
    binary certificate, a reference for photos).
    """
    return Attribute(
        name,
        AttrType.COMPLEX,
        multi_valued=True,
        description=description,
        filterable=filterable or value_filterable,
        sub_attributes=(
            _s("value", type=value_type, filterable=filterable or value_filterable),
            _s("display"),
            _s("type", canonical_values=types, filterable=filterable),
            _s("primary", type=AttrType.BOOLEAN, filterable=filterable),
            *extra,
        ),
    )


META = Attribute(
    "meta",
    AttrType.COMPLEX,
    mutability=_RO,
    description="Resource metadata (RFC 7643 §3.1).",
    sub_attributes=(
        _s("resourceType", mutability=_RO, case_exact=True),
        _s("created", type=AttrType.DATETIME, mutability=_RO, filterable=True),
        _s("lastModified", type=AttrType.DATETIME, mutability=_RO, filterable=True),
        _s("location", type=AttrType.REFERENCE, mutability=_RO, case_exact=True),
        _s("version", mutability=_RO, case_exact=True),
    ),
)
ID = _s(
    "id",
    mutability=_RO,
    returned=Returned.ALWAYS,
    case_exact=True,
    uniqueness=Uniqueness.SERVER,
    filterable=True,
    description="Unique identifier assigned by scimdir (RFC 7643 §3.1).",
)
EXTERNAL_ID = _s(
    "externalId",
    case_exact=True,
    filterable=True,
    description="Identifier of the resource in the provisioning client (RFC 7643 §3.1).",
)

USER = Schema(
    id=USER_SCHEMA,
    name="User",
    description="User Account",
    attributes=(
        ID,
        EXTERNAL_ID,
        _s(
            "userName",
            required=True,
            uniqueness=Uniqueness.SERVER,
            filterable=True,
            description="Unique identifier for the user, case-insensitive (RFC 7643 §4.1.1).",
        ),
        Attribute(
            "name",
            AttrType.COMPLEX,
            sub_attributes=(
                _s("formatted"),
                _s("familyName", filterable=True),
                _s("givenName", filterable=True),
                _s("middleName"),
                _s("honorificPrefix"),
                _s("honorificSuffix"),
            ),
        ),
        _s("displayName", filterable=True),
        _s("nickName"),
        _s("profileUrl", type=AttrType.REFERENCE, reference_types=("external",)),
        _s("title", filterable=True),
        _s("userType", filterable=True),
        _s("preferredLanguage"),
        _s("locale"),
        _s("timezone"),
        _s("active", type=AttrType.BOOLEAN, filterable=True),
        _s(
            "password",
            mutability=Mutability.WRITE_ONLY,
            returned=Returned.NEVER,
            description="Accepted on write (Okta sends a placeholder); never stored or returned.",
        ),
        _multi("emails", _TYPE_VALUE, filterable=True),
        _multi(
            "phoneNumbers",
            ("work", "home", "mobile", "fax", "pager", "other"),
            value_filterable=True,
        ),
        _multi("ims", ("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo")),
        _multi(
            "photos",
            ("photo", "thumbnail"),
            value_type=AttrType.REFERENCE,
        ),
        Attribute(
            "addresses",
            AttrType.COMPLEX,
            multi_valued=True,
            filterable=True,
            sub_attributes=(
                _s("formatted"),
                _s("streetAddress"),
                _s("locality"),
                _s("region"),
                _s("postalCode"),
                _s("country", filterable=True),
                _s("type", canonical_values=_TYPE_VALUE),
                _s("primary", type=AttrType.BOOLEAN),
            ),
        ),
        Attribute(
            "groups",
            AttrType.COMPLEX,
            multi_valued=True,
            mutability=_RO,
            filterable=True,
            description="Groups the user belongs to, read from memberships (RFC 7643 §4.1.2).",
            sub_attributes=(
                _s("value", mutability=_RO, filterable=True),
                _s("$ref", type=AttrType.REFERENCE, mutability=_RO),
                _s("display", mutability=_RO),
                _s("type", mutability=_RO, canonical_values=("direct", "indirect")),
            ),
        ),
        _multi("entitlements", ()),
        _multi("roles", ()),
        _multi("x509Certificates", (), value_type=AttrType.BINARY),
        META,
    ),
)

ENTERPRISE_USER = Schema(
    id=ENTERPRISE_USER_SCHEMA,
    name="EnterpriseUser",
    description="Enterprise User",
    attributes=(
        _s("employeeNumber", filterable=True),
        _s("costCenter", filterable=True),
        _s("organization", filterable=True),
        _s("division", filterable=True),
        _s("department", filterable=True),
        Attribute(
            "manager",
            AttrType.COMPLEX,
            filterable=True,
            sub_attributes=(
                _s("value", filterable=True),
                _s("$ref", type=AttrType.REFERENCE, reference_types=("User",)),
                _s("displayName", mutability=_RO),
            ),
        ),
    ),
)

GROUP = Schema(
    id=GROUP_SCHEMA,
    name="Group",
    description="Group",
    attributes=(
        ID,
        EXTERNAL_ID,
        _s(
            "displayName",
            required=True,
            uniqueness=Uniqueness.SERVER,
            filterable=True,
            description="Name of the group, unique per directory (Entra matches groups on it).",
        ),
        Attribute(
            "members",
            AttrType.COMPLEX,
            multi_valued=True,
            filterable=True,
            description="Members, stored as rows of their own (one row per membership).",
            sub_attributes=(
                _s("value", mutability=Mutability.IMMUTABLE, case_exact=True, filterable=True),
                _s("$ref", type=AttrType.REFERENCE, mutability=Mutability.IMMUTABLE),
                _s("display", mutability=_RO),
                _s(
                    "type",
                    mutability=Mutability.IMMUTABLE,
                    canonical_values=("User", "Group"),
                ),
            ),
        ),
        META,
    ),
)


@dataclass(frozen=True)
class ResourceType:
    """A resource type: endpoint, core schema and extensions (RFC 7643 §6)."""

    name: str
    endpoint: str
    schema: Schema
    extensions: tuple[Schema, ...] = ()
    variant: str = ""
    """Names a directory's own variant (its declared extensions, scimdir.scim.extensions); caches
    keyed by resource type include it, so two directories never share a resolution."""
    _by_urn: Mapping[str, Schema] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_urn", _first_by_lower(self.extensions, lambda s: s.id))

    def schemas(self) -> Iterator[Schema]:
        """The core schema, then the extensions."""
        yield self.schema
        yield from self.extensions

    def extension(self, urn: str) -> Schema | None:
        """Return the extension with this URN (case-insensitive), if declared."""
        return self._by_urn.get(urn.lower())

    def resolve(self, urn: str | None, name: str) -> tuple[Schema, Attribute] | None:
        """Find ``name`` in the schema named by ``urn``, or in the core schema when ``urn`` is None.

        RFC 7644 §3.10: an attribute may be qualified by its schema URN; unqualified names are
        core-schema attributes.
        """
        if urn is None or urn.lower() == self.schema.id.lower():
            attr = self.schema.get(name)
            return (self.schema, attr) if attr else None
        ext = self.extension(urn)
        if ext is None:
            return None
        attr = ext.get(name)
        return (ext, attr) if attr else None

    def to_dict(self, location: str) -> dict[str, object]:
        """Render as a `/ResourceTypes` resource (RFC 7643 §6)."""
        return {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": self.name,
            "name": self.name,
            "endpoint": self.endpoint,
            "description": self.schema.description,
            "schema": self.schema.id,
            "schemaExtensions": [{"schema": e.id, "required": False} for e in self.extensions],
            "meta": {"resourceType": "ResourceType", "location": location},
        }


USER_TYPE = ResourceType("User", "/Users", USER, (ENTERPRISE_USER,))
GROUP_TYPE = ResourceType("Group", "/Groups", GROUP)
RESOURCE_TYPES: tuple[ResourceType, ...] = (USER_TYPE, GROUP_TYPE)
SCHEMAS: tuple[Schema, ...] = (USER, ENTERPRISE_USER, GROUP)
