"""One PATCH operation applied to one resolved target of the document (RFC 7644 §3.5.2.1-3).

Called by :func:`scimdir.scim.patch.apply_patch` once readOnly targets and ``members`` have been
dealt with. Semantics, per target:

- whole attribute: ``add`` appends to a multi-valued attribute (no duplicates) and merges a
  complex one; ``replace`` replaces a multi-valued attribute whole and merges a complex one
  ("sub-attributes that are not specified ... are left unchanged", §3.5.2.3); ``remove`` removes;
- ``attr.sub``: sets or removes the sub-attribute (on every value of a multi-valued attribute);
- ``attr[filter]`` / ``attr[filter].sub``: acts on the matching values; when none matches,
  ``add`` and ``replace`` create one value from the filter's ``eq`` conditions (Entra,
  docs/idp/entra.md §4.10: several ``add addresses[type eq "work"].x`` ops must fill one
  address) and ``remove`` is a no-op; a filter that pins nothing down (``or``, ``co``...)
  answers ``noTarget``;
- a value with ``"primary": true`` clears ``primary`` on the other values (RFC 7643 §2.4);
- an immutable attribute that already has a value cannot be changed (``mutability``).

Unassigned results (``null``, ``[]``, ``{}``) are removed from the document (RFC 7643 §2.5).
"""

from __future__ import annotations

from typing import Any

from scimdir.scim.errors import invalid_path, invalid_value, mutability, no_target, shorten
from scimdir.scim.patchpath import Target
from scimdir.scim.schema import Attribute, AttrType, Mutability, ResourceType, Schema
from scimdir.scim.valuefilter import eq_conditions, matches
from scimdir.scim.values import (
    canonical_complex,
    canonical_single,
    canonical_value,
    describe,
    is_unassigned,
    unique_values,
)

__all__ = ["apply_to_target"]


def apply_to_target(
    rt: ResourceType, doc: dict[str, Any], target: Target, op: str, value: Any
) -> None:
    """Apply ``op`` with ``value`` to ``target`` inside ``doc`` (mutated in place)."""
    schema = target.schema
    core = schema is rt.schema
    box: dict[str, Any] = doc if core else dict(doc.get(schema.id) or {})
    if target.attr is None:
        _apply_extension(schema, box, op, value)
    else:
        before = box.get(target.attr.name)
        if target.filter is not None:
            _apply_filtered(box, target, op, value)
        elif target.sub is not None:
            _apply_sub(box, target.attr, target.sub, op, value)
        else:
            shown = target.shown if core else f"{schema.id}:{target.shown}"
            _apply_whole(box, target.attr, op, value, shown)
        _check_immutable(target.attr, before, box.get(target.attr.name))
    if not core:
        if box:
            doc[schema.id] = box
        else:
            doc.pop(schema.id, None)


def _set(box: dict[str, Any], name: str, value: Any) -> None:
    if is_unassigned(value):
        box.pop(name, None)
    else:
        box[name] = value


def _check_immutable(attr: Attribute, before: Any, after: Any) -> None:
    if attr.mutability == Mutability.IMMUTABLE and before is not None and after != before:
        raise mutability(
            f"{attr.name} is immutable (RFC 7643 §7) and already set; it cannot be changed."
        )


def _apply_extension(schema: Schema, box: dict[str, Any], op: str, value: Any) -> None:
    """A bare extension URN as path, or an extension object in a path-less value: merge it."""
    if op == "remove":
        box.clear()
        return
    if value is None:
        if op == "replace":
            box.clear()
        return
    if not isinstance(value, dict):
        raise invalid_value(
            f"{schema.id} must be given a JSON object of its attributes; got {describe(value)}."
        )
    for key, sub_value in value.items():
        attr = schema.get(key) if isinstance(key, str) else None
        if attr is None:
            names = ", ".join(a.name for a in schema.attributes)
            raise invalid_value(
                f"{schema.id} has no attribute {shorten(key)}; use one of: {names}."
            )
        before = box.get(attr.name)
        _apply_whole(box, attr, op, sub_value, f"{schema.id}:{attr.name}")
        _check_immutable(attr, before, box.get(attr.name))


def _apply_whole(box: dict[str, Any], attr: Attribute, op: str, value: Any, shown: str) -> None:
    name = attr.name
    if op == "remove":
        box.pop(name, None)
        return
    if attr.multi_valued:
        wrapped = value if isinstance(value, list) or value is None else [value]
        items: list[Any] = canonical_value(attr, wrapped, shown) or []
        if op == "replace":
            _set(box, name, items)
            return
        current = list(box.get(name) or [])
        # RFC 7644 §3.5.2.1: adding an existing value changes nothing.
        fresh = unique_values(items, already=current)
        added = list(range(len(current), len(current) + len(fresh)))
        current.extend(fresh)
        _one_primary(current, added)
        _set(box, name, current)
        return
    if attr.type == AttrType.COMPLEX:
        new = canonical_complex(attr, value, shown)
        if new is None:
            if op == "replace":
                box.pop(name, None)
            return
        old = box.get(name)
        box[name] = {**(old if isinstance(old, dict) else {}), **new}
        return
    single = canonical_single(attr, value, shown)
    if single is None:
        if op == "replace":
            box.pop(name, None)
        return
    box[name] = single


def _apply_sub(box: dict[str, Any], attr: Attribute, sub: Attribute, op: str, value: Any) -> None:
    shown = f"{attr.name}.{sub.name}"
    new = None if op == "remove" else canonical_single(sub, value, shown)
    if attr.multi_valued:
        items = [dict(i) for i in box.get(attr.name) or [] if isinstance(i, dict)]
        if not items and new is not None:
            items = [{}]
        for item in items:
            _set(item, sub.name, new)
        _set(box, attr.name, [i for i in items if i])
        return
    current = box.get(attr.name)
    record = dict(current) if isinstance(current, dict) else {}
    if new is None and op == "add":
        return
    _set(record, sub.name, new)
    _set(box, attr.name, record)


def _apply_filtered(box: dict[str, Any], target: Target, op: str, value: Any) -> None:
    attr, sub, flt = target.attr, target.sub, target.filter
    assert attr is not None and flt is not None
    if not attr.multi_valued:
        if op != "remove":
            raise invalid_path(
                f"{shorten(target.text)} filters the single-valued {attr.name}; only remove may "
                f"do that. To set it, use path {attr.name} without brackets."
            )
        _remove_single_if_matching(box, target)
        return
    items = [dict(i) if isinstance(i, dict) else i for i in box.get(attr.name) or []]
    hits = [i for i, item in enumerate(items) if matches(attr, item, flt)]
    if op == "remove":
        if sub is None:
            items = [item for i, item in enumerate(items) if i not in hits]
        else:
            for i in hits:
                items[i].pop(sub.name, None)
        _set(box, attr.name, [i for i in items if i])
        return
    if sub is not None:
        new: dict[str, Any] | None = None
        single = canonical_single(sub, value, f"{attr.name}.{sub.name}")
        if single is not None:
            new = {sub.name: single}
        for i in hits:
            _set(items[i], sub.name, single)
    else:
        new = canonical_complex(attr, value, shorten(target.text))
        for i in hits:
            if new is None and op == "replace":
                items[i] = {}
            elif new is not None:
                base = items[i] if op == "add" else (eq_conditions(attr, flt) or {})
                items[i] = {**base, **new}
    touched = list(hits)
    if not hits and new is not None:
        conditions = eq_conditions(attr, flt)
        if conditions is None:
            raise no_target(
                f"{shorten(target.text)} matches no value and its filter does not say which "
                "value to create; use eq conditions joined by and, e.g. "
                'emails[type eq "work"].value.'
            )
        touched = [len(items)]
        items.append({**conditions, **new})
    _one_primary(items, touched)
    _set(box, attr.name, [i for i in items if i])


def _remove_single_if_matching(box: dict[str, Any], target: Target) -> None:
    """``remove manager[value eq "x"]`` (docs/idp/entra.md §4.9): only remove what matches."""
    attr = target.attr
    assert attr is not None and target.filter is not None
    current = box.get(attr.name)
    if not isinstance(current, dict) or not matches(attr, current, target.filter):
        return
    if target.sub is None:
        box.pop(attr.name)
    else:
        record = dict(current)
        record.pop(target.sub.name, None)
        _set(box, attr.name, record)


def _one_primary(items: list[Any], touched: list[int]) -> None:
    """RFC 7643 §2.4: at most one value is primary; the newest one wins."""
    chosen = [i for i in touched if isinstance(items[i], dict) and items[i].get("primary") is True]
    if not chosen:
        return
    for i, item in enumerate(items):
        if i != chosen[-1] and isinstance(item, dict) and item.get("primary") is True:
            items[i] = {k: v for k, v in item.items() if k != "primary"}
