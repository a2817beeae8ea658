"""Attributes of undeclared extension schemas: refused with the way to declare them, or kept.

A directory's ``undeclared_attributes`` setting (:mod:`scimdir.service.directory_settings`)
decides what happens to an extension URN the directory has not declared
(:mod:`scimdir.scim.extensions`), after the IdP dialect has run:

- ``refuse``: 400 whose detail names the URN and attribute and says how to declare it (the CLI
  command and the management API call) or how to keep such attributes instead;
- ``keep``: the URN's data is stored and returned as it came, is not filterable (a filter naming
  it is refused with ``invalidFilter``), and the provisioning log entry of the request says which
  attributes were kept undeclared.

Entra sends every custom attribute mapping of a non-gallery app as
``urn:ietf:params:scim:schemas:extension:<Name>:2.0:User:<attr>`` (docs/idp/entra.md §9); one such
mapping refused makes every user fail on every cycle, which is why the Entra preset keeps them.

A URN is *undeclared* when neither the core schema nor an extension of the directory's resource
type equals it or is a prefix of it (``<urn>:<attr>``). In a PATCH path or path-less key
``<urn>:<attr>`` the attribute is the part after the last ``:`` (RFC 7644 §3.10), unless that
part is the resource type's name (``...:2.0:User``), which names the whole extension object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scimdir.scim.errors import invalid_path, invalid_value, shorten
from scimdir.scim.schema import ResourceType

__all__ = ["KeptPatch", "refusal", "split_patch", "split_resource", "undeclared_target"]


def undeclared_target(rt: ResourceType, text: Any) -> tuple[str, str | None] | None:
    """``(urn, attribute or None)`` when ``text`` names an undeclared extension, else None."""
    if not isinstance(text, str) or text[:4].lower() != "urn:":
        return None
    lowered = text.lower()
    for schema in rt.schemas():
        known = schema.id.lower()
        if lowered == known or lowered.startswith(known + ":"):
            return None
    head, _, tail = text.rpartition(":")
    if tail.lower() == rt.name.lower() or head.count(":") < 2:
        return text, None
    return head, tail


def _shown(target: tuple[str, str | None]) -> str:
    urn, attr = target
    return urn if attr is None else f"{urn}:{attr}"


def refusal(
    rt: ResourceType, directory_id: str, target: tuple[str, str | None], *, path: bool
) -> Exception:
    """The 400 for an undeclared extension attribute at a ``refuse`` directory."""
    urn, attr = target
    example = f"{attr or 'NAME'}:string"
    detail = (
        f"{shorten(_shown(target), 160)} belongs to the schema {shorten(urn, 120)}, which this "
        f"directory has not declared for its {rt.name}s. An administrator declares it with "
        f"`scimdir schema add --directory {directory_id} {shorten(urn, 120)} "
        f"--resource-type {rt.name} "
        f"--attribute {shorten(example, 60)}` (or POST "
        f"/api/v1/directories/{directory_id}/schemas), "
        f"or lets the directory keep undeclared attributes as sent with `scimdir directory set "
        f"{directory_id} undeclared_attributes keep`."
    )
    return invalid_path(detail) if path else invalid_value(detail)


def _find_key(document: dict[str, Any], name: str) -> str:
    lowered = name.lower()
    return next((k for k in document if isinstance(k, str) and k.lower() == lowered), name)


@dataclass
class KeptPatch:
    """The operations on undeclared extensions of a PATCH, applied as sent (``keep``)."""

    operations: list[tuple[str, tuple[str, str | None], Any]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The attributes (or whole URNs) the operations touch."""
        return [_shown(t) for _, t, _ in self.operations]

    def apply(self, document: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``document`` with the kept operations applied in order."""
        doc = dict(document)
        for op, (urn, attr), value in self.operations:
            key = _find_key(doc, urn)
            if attr is None:
                if op == "remove" or value is None:
                    doc.pop(key, None)
                elif op == "add" and isinstance(value, dict) and isinstance(doc.get(key), dict):
                    doc[key] = {**doc[key], **value}
                else:
                    doc[key] = value
                continue
            box = doc.get(key)
            box = dict(box) if isinstance(box, dict) else {}
            name = _find_key(box, attr)
            if op == "remove" or value is None:
                box.pop(name, None)
            else:
                box[name] = value
            if box:
                doc[key] = box
            else:
                doc.pop(key, None)
        return doc


Refuse = Callable[[tuple[str, str | None], bool], Exception]


def split_resource(
    rt: ResourceType, body: Any, keep: bool, refuse: Refuse
) -> tuple[Any, dict[str, Any]]:
    """A POST/PUT body without its undeclared extensions, and those extensions (``keep``).

    :raises scim2_models.exceptions.SCIMException: ``refuse(target, path=False)`` when ``keep``
        is false and the body names an undeclared extension (in ``schemas`` or as a key).
    """
    if not isinstance(body, dict):
        return body, {}
    kept: dict[str, Any] = {}
    out: dict[str, Any] = {}
    for key, value in body.items():
        target = undeclared_target(rt, key)
        if target is None:
            out[key] = value
        elif not keep:
            raise refuse(target, False)
        elif value is not None:
            kept[key] = value
    schemas_key = next((k for k in out if isinstance(k, str) and k.lower() == "schemas"), None)
    schemas = out.get(schemas_key) if schemas_key is not None else None
    if isinstance(schemas, list):
        declared = []
        for urn in schemas:
            target = undeclared_target(rt, urn)
            if target is None:
                declared.append(urn)
            elif not keep:
                raise refuse(target, False)
        if len(declared) != len(schemas):
            out[schemas_key] = declared  # type: ignore[index]
    return (out, kept) if kept or out != body else (body, kept)


def split_patch(rt: ResourceType, body: Any, keep: bool, refuse: Refuse) -> tuple[Any, KeptPatch]:
    """A PatchOp body without its operations on undeclared extensions, and those operations."""
    kept = KeptPatch()
    if not isinstance(body, dict):
        return body, kept
    ops_key = next((k for k in body if isinstance(k, str) and k.lower() == "operations"), None)
    ops = body.get(ops_key) if ops_key is not None else None
    if not isinstance(ops, list):
        return body, kept
    out: list[Any] = []
    changed = False
    for raw in ops:
        if not isinstance(raw, dict):
            out.append(raw)
            continue
        fields = {str(k).lower(): k for k in raw}
        op_name = raw.get(fields.get("op", "op"))
        op = op_name.lower() if isinstance(op_name, str) else ""
        path = raw.get(fields.get("path", "path"))
        value = raw.get(fields.get("value", "value"))
        if path is not None:
            target = undeclared_target(rt, path)
            if target is None:
                out.append(raw)
                continue
            if not keep:
                raise refuse(target, True)
            kept.operations.append((op, target, value))
            changed = True
            continue
        if not isinstance(value, dict):
            out.append(raw)
            continue
        rest: dict[str, Any] = {}
        for key, item in value.items():
            target = undeclared_target(rt, key)
            if target is None:
                rest[key] = item
            elif not keep:
                raise refuse(target, True)
            else:
                kept.operations.append((op, target, item))
                changed = True
        if len(rest) == len(value):
            out.append(raw)
        elif rest:
            out.append({**raw, fields.get("value", "value"): rest})
    if not changed:
        return body, kept
    return {**body, ops_key: out}, kept
