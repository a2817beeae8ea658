"""Walkers shared by the value-rewriting quirks of :mod:`scimdir.scim.quirks`.

A quirk that fixes *values* (string booleans, a bare-string manager) must find them wherever a
client can put them: a PATCH value under a path (``active``, ``emails[type eq "work"].primary``,
``urn:...:User:manager``), a path-less PATCH value (plain, dotted or URN keys, or a nested
extension object) and a POST/PUT body. This module resolves each place against the schema table
(:func:`scimdir.scim.patchpath.resolve_path`) and hands the value to a per-quirk fixer. Anything
that does not resolve is left alone for the core to refuse. Nothing is mutated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scim2_models.exceptions import SCIMException

from scimdir.scim.patchpath import Target, resolve_path
from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA, Attribute, AttrType, ResourceType

__all__ = ["fix_manager", "fix_string_booleans", "map_operations"]

Rewrite = Callable[[dict[str, Any]], list[dict[str, Any]] | None]
Fixer = Callable[[Target, Any], Any]


def map_operations(body: Any, rewrite: Rewrite) -> tuple[Any, bool]:
    """Replace each PATCH operation for which ``rewrite`` returns a list (possibly longer)."""
    if not isinstance(body, dict):
        return body, False
    key = next((k for k in body if isinstance(k, str) and k.lower() == "operations"), None)
    if key is None or not isinstance(body[key], list):
        return body, False
    out: list[Any] = []
    fired = False
    for op in body[key]:
        new = rewrite(op) if isinstance(op, dict) else None
        if new is None:
            out.append(op)
        else:
            out.extend(new)
            fired = True
    return ({**body, key: out}, True) if fired else (body, False)


# Keys that name no attribute (``schemas`` in every POST body), remembered like the resolutions
# themselves (``resolve_path``): a failed resolution parses the text with scim2-models' grammar
# and raises, about a tenth of a user create's CPU when it ran for each key of each body.
_UNRESOLVED: set[tuple[str, str, str]] = set()
_UNRESOLVED_MAX = 4096


def _target(rt: ResourceType, text: Any) -> Target | None:
    if not isinstance(text, str):
        return None
    ext = rt.extension(text)
    if ext is not None:
        return Target(ext, None, None, None, text)
    key = (rt.name, rt.variant, text)
    if key in _UNRESOLVED:
        return None
    try:
        return resolve_path(rt, text)
    except SCIMException:
        if len(_UNRESOLVED) >= _UNRESOLVED_MAX:
            _UNRESOLVED.clear()
        _UNRESOLVED.add(key)
        return None


def _fix_object(rt: ResourceType, obj: dict[str, Any], fix: Fixer) -> dict[str, Any]:
    """Fix each attribute of a path-less PATCH value or a POST/PUT body."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        target = _target(rt, key)
        out[key] = value if target is None else fix(target, value)
    return out


def _walk(rt: ResourceType, body: Any, fix: Fixer) -> tuple[Any, bool]:
    if not isinstance(body, dict):
        return body, False
    has_ops = any(isinstance(k, str) and k.lower() == "operations" for k in body)
    if not has_ops:
        new = _fix_object(rt, body, fix)
        return (new, True) if new != body else (body, False)

    def rewrite(op: dict[str, Any]) -> list[dict[str, Any]] | None:
        if "value" not in op:
            return None
        value = op["value"]
        path = op.get("path")
        if path is None:
            if not isinstance(value, dict):
                return None
            new = _fix_object(rt, value, fix)
        else:
            target = _target(rt, path)
            new = value if target is None else fix(target, value)
        return [{**op, "value": new}] if new != value else None

    return map_operations(body, rewrite)


def _to_bool(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _bool_item(attr: Attribute, item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    out = {}
    for key, value in item.items():
        sub = attr.sub(key) if isinstance(key, str) else None
        out[key] = _to_bool(value) if sub is not None and sub.type == AttrType.BOOLEAN else value
    return out


def _bool_fixer(target: Target, value: Any) -> Any:
    attr = target.attr
    if attr is None:
        if not isinstance(value, dict):
            return value
        return {
            k: _bool_fixer(Target(target.schema, a, None, None, k), v)
            if (a := target.schema.get(k)) is not None
            else v
            for k, v in value.items()
        }
    if target.sub is not None:
        return _to_bool(value) if target.sub.type == AttrType.BOOLEAN else value
    if attr.type == AttrType.BOOLEAN:
        return _to_bool(value)
    if attr.type != AttrType.COMPLEX:
        return value
    if isinstance(value, list):
        return [_bool_item(attr, item) for item in value]
    return _bool_item(attr, value)


def fix_string_booleans(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """Turn ``"True"``/``"false"`` into booleans wherever the schema expects a boolean."""
    return _walk(rt, body, _bool_fixer)


def _is_manager(target: Target) -> bool:
    return (
        target.schema.id == ENTERPRISE_USER_SCHEMA
        and target.attr is not None
        and target.attr.name == "manager"
    )


def _manager_fixer(target: Target, value: Any) -> Any:
    if target.attr is None and target.schema.id == ENTERPRISE_USER_SCHEMA:
        if not isinstance(value, dict):
            return value
        return {
            k: _manager_fixer(Target(target.schema, a, None, None, k), v)
            if (a := target.schema.get(k)) is not None
            else v
            for k, v in value.items()
        }
    if not _is_manager(target) or target.sub is not None or target.filter is not None:
        return value
    if isinstance(value, str):
        return {"value": value}
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        return value[0]
    return value


def fix_manager(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """Wrap a bare-string manager id (or unwrap a one-element array) into ``{"value": id}``."""
    return _walk(rt, body, _manager_fixer)
