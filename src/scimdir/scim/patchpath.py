"""PATCH paths resolved against the schema table (RFC 7644 §3.5.2, §3.10).

The grammar (``attrPath``, ``valuePath [subAttr]``, URN-qualified names, errata 7122) is parsed by
scim2-models (``scim2_models.Path``); this module resolves the parsed path against
:mod:`scimdir.scim.schema`: which schema, attribute, sub-attribute and value filter it designates.
Names are case-insensitive (RFC 7643 §2.1): Entra writes ``emails[type eq "work"].Value``.

A bare extension URN (``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User``) designates
the whole extension object; scim2-models splits it as attribute ``User`` of schema ``...:2.0``,
which is undone here.
"""

from __future__ import annotations

from dataclasses import dataclass

from scim2_models import Path
from scim2_models.exceptions import SCIMException
from scim2_models.path import AttrPath, FilterNode, ValuePath

from scimdir.scim.errors import invalid_path, shorten
from scimdir.scim.schema import Attribute, AttrType, ResourceType, Schema

__all__ = ["Target", "resolve_path"]


@dataclass(frozen=True)
class Target:
    """What a PATCH path designates.

    ``attr`` is ``None`` when the path is a bare extension URN (the whole extension object).
    ``filter`` is the bracket filter of a value path, ``sub`` the sub-attribute after it or after
    the dot.
    """

    schema: Schema
    attr: Attribute | None
    sub: Attribute | None
    filter: FilterNode | None
    text: str

    @property
    def shown(self) -> str:
        """The canonical spelling of the target, for error details."""
        if self.attr is None:
            return self.schema.id
        name = self.attr.name
        return name if self.sub is None else f"{name}.{self.sub.name}"


_RESOLVED: dict[tuple[str, str, str], Target] = {}
_RESOLVED_MAX = 4096


def resolve_path(rt: ResourceType, text: str) -> Target:
    """Resolve a PATCH path of ``rt``.

    Resolutions are remembered (a :class:`Target` is immutable and depends only on the path and
    the resource type): every request body names the same few dozen attributes, and parsing them
    again was a quarter of a user create's time (docs/performance.md).

    :raises scim2_models.exceptions.SCIMException: ``invalidPath`` for bad syntax, an unknown
        schema, attribute or sub-attribute.
    """
    key = (rt.name, rt.variant, text)
    found = _RESOLVED.get(key)
    if found is None:
        found = _resolve_path(rt, text)
        if len(_RESOLVED) >= _RESOLVED_MAX:
            _RESOLVED.clear()
        _RESOLVED[key] = found
    return found


def _resolve_path(rt: ResourceType, text: str) -> Target:
    try:
        node = Path(text).ast
    except SCIMException as exc:
        raise invalid_path(
            f"The path {shorten(text)} is not a valid SCIM attribute path "
            f"({shorten(exc.detail, 200)}); write it as in "
            'RFC 7644 §3.5.2, e.g. name.givenName or emails[type eq "work"].value.'
        ) from exc
    if isinstance(node, ValuePath):
        return _resolve(rt, node.attr_path, node.sub_attr, node.val_filter, text)
    if isinstance(node, AttrPath):
        if node.uri is not None and node.sub_attr is None:
            ext = rt.extension(f"{node.uri}:{node.attr}")
            if ext is not None:
                return Target(ext, None, None, None, text)
        return _resolve(rt, node, node.sub_attr, None, text)
    raise invalid_path(
        f"The path {shorten(text)} is a filter, not an attribute path; name the attribute, e.g. "
        'emails[type eq "work"].value.'
    )


def _resolve(
    rt: ResourceType,
    path: AttrPath,
    sub_name: str | None,
    value_filter: FilterNode | None,
    text: str,
) -> Target:
    if path.uri is not None and path.uri.lower() != rt.schema.id.lower():
        schema = rt.extension(path.uri)
        if schema is None:
            known = ", ".join(s.id for s in rt.schemas())
            raise invalid_path(
                f"The path {shorten(text)} names the schema {shorten(path.uri)}, which "
                f"{rt.endpoint} does not have; use one of {known}."
            )
    else:
        schema = rt.schema
    attr = schema.get(path.attr)
    if attr is None:
        names = ", ".join(a.name for a in schema.attributes)
        raise invalid_path(
            f"The path {shorten(text)} names {shorten(path.attr)}, which is not an attribute "
            f"of {schema.id}; use one of: {names}."
        )
    sub: Attribute | None = None
    if sub_name is not None:
        sub = attr.sub(sub_name) if attr.type == AttrType.COMPLEX else None
        if sub is None:
            subs = ", ".join(s.name for s in attr.sub_attributes) or "none"
            raise invalid_path(
                f"The path {shorten(text)} names the sub-attribute {shorten(sub_name)}, which "
                f"{attr.name} does not have (sub-attributes: {subs})."
            )
    if value_filter is not None and attr.type != AttrType.COMPLEX:
        raise invalid_path(
            f"The path {shorten(text)} filters {attr.name}, which is not a complex attribute; "
            "brackets select values of attributes such as emails or members."
        )
    return Target(schema, attr, sub, value_filter, text)
