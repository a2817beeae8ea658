"""The PATCH engine: RFC 7644 §3.5.2 over the stored document.

:func:`parse_patch_request` checks the PatchOp message; :func:`apply_patch` applies its operations
in order to a copy of the document and returns the new document plus the membership changes (a
group's members are rows of their own, docs/architecture.md, "Data", so they never enter the
document). Operations are atomic: the first error raises and nothing is returned.

Interoperability rules on top of the RFC text, each from the IdP research:

- path-less ``add``/``replace`` values are applied key by key and merge complex attributes;
  keys may be attribute paths (``"name.givenName"``, ``"urn:...:User:employeeNumber"``) or a
  nested extension object, and ``id``/``meta``/``schemas`` echoed in them are ignored (Entra with
  ``aadOptscim062020``, docs/idp/entra.md §6; Okta's name PATCH after membership changes,
  docs/idp/okta.md §4);
- a filtered ``add``/``replace`` that matches nothing creates the value from the filter's ``eq``
  conditions, so several ops on ``addresses[type eq "work"]`` fill one record (entra §4.10);
  a ``remove`` that matches nothing succeeds;
- ``remove`` with a filter on the single-valued ``manager`` removes it if it matches
  (``manager[value eq "x"]``, entra §4.9);
- operations on ``members`` become :class:`MemberChange` values; only ``members`` and
  ``members[value eq "x" (or value eq "y")...]`` are accepted (entra §5.5-5.6, okta §4).

Hand-written rather than scim2-models' ``PatchOp.patch``: that works on pydantic resources, while
we patch the stored JSON and need the membership changes out as row diffs.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from scim2_models import Path
from scim2_models.exceptions import SCIMException
from scim2_models.path import CompareOperator, Comparison, FilterNode, LogicalExpr, LogicalOperator

from scimdir.scim.characters import check_identifiers, check_storable
from scimdir.scim.errors import (
    invalid_filter,
    invalid_path,
    invalid_syntax,
    invalid_value,
    mutability,
    no_target,
    shorten,
)
from scimdir.scim.filterlimits import check_filter_size
from scimdir.scim.limits import InputLimits
from scimdir.scim.patchapply import apply_to_target
from scimdir.scim.patchpath import Target, resolve_path
from scimdir.scim.resource import parse_members
from scimdir.scim.schema import PATCH_OP_SCHEMA, Mutability, ResourceType
from scimdir.scim.values import describe

__all__ = [
    "MemberChange",
    "PatchOperation",
    "PatchResult",
    "apply_patch",
    "parse_patch_request",
]

OpName = Literal["add", "remove", "replace"]
_OPS: tuple[OpName, ...] = ("add", "remove", "replace")
_ECHOED = ("id", "meta", "schemas")


@dataclass(frozen=True)
class PatchOperation:
    """One checked operation of a PatchOp message (RFC 7644 §3.5.2)."""

    op: OpName
    path: str | None
    value: Any


@dataclass(frozen=True)
class MemberChange:
    """A change to a group's memberships; ``members`` holds ``(value, type)`` pairs.

    For ``remove`` the type is always ``"User"`` (a filter names only the value): match removals
    on the value alone. ``remove_all`` carries no members.
    """

    kind: Literal["add", "remove", "replace", "remove_all"]
    members: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PatchResult:
    """The patched document (the input is never mutated) and the membership changes, in order."""

    document: dict[str, Any]
    member_changes: tuple[MemberChange, ...]


def _field(body: dict[str, Any], name: str) -> Any:
    return next((v for k, v in body.items() if isinstance(k, str) and k.lower() == name), None)


def parse_patch_request(body: Any, limits: InputLimits | None = None) -> list[PatchOperation]:
    """Check a PatchOp message and return its operations.

    Each path is measured against ``limits`` (its brackets hold a filter,
    :func:`~scimdir.scim.filterlimits.check_filter_size`) before it is parsed.

    Ops must already be lower-case (the dialects lower-case Entra's ``Replace``).

    :raises scim2_models.exceptions.SCIMException: ``invalidSyntax`` for a malformed message or
        unknown op, ``invalidPath`` for a bad path, ``noTarget`` for a remove without path,
        ``invalidValue`` for an add/replace without value.
    :rfc: 7644 §3.5.2
    """
    example = (
        f'send {{"schemas": ["{PATCH_OP_SCHEMA}"], "Operations": '
        '[{"op": "replace", "path": "displayName", "value": "New name"}]}'
    )
    if not isinstance(body, dict):
        raise invalid_syntax(f"A PATCH body must be a JSON object; {example}.")
    schemas = _field(body, "schemas")
    if not isinstance(schemas, list) or PATCH_OP_SCHEMA not in schemas:
        raise invalid_syntax(f'"schemas" must contain {PATCH_OP_SCHEMA}; {example}.')
    raw_ops = _field(body, "operations")
    if not isinstance(raw_ops, list) or not raw_ops:
        raise invalid_syntax(f'"Operations" must be a non-empty array; {example}.')
    limits = limits or InputLimits()
    return [_parse_operation(i, raw, limits) for i, raw in enumerate(raw_ops)]


def _parse_operation(index: int, raw: Any, limits: InputLimits) -> PatchOperation:
    where = f"Operations[{index}]"
    if not isinstance(raw, dict):
        raise invalid_syntax(f"{where} must be an object with op, path and value.")
    op = _field(raw, "op")
    if op not in _OPS:
        raise invalid_syntax(
            f'{where}.op is {describe(op) if op is not None else "missing"}; use "add", '
            '"remove" or "replace" (RFC 7644 §3.5.2).'
        )
    path = _field(raw, "path")
    if path is not None and not isinstance(path, str):
        raise invalid_syntax(f"{where}.path must be a string; got {describe(path)}.")
    path = path.strip() if path else None
    if path:
        check_filter_size(path, limits, what=f"{where}.path")
        # The syntax is checked here so that a bad path fails before any operation is applied.
        try:
            Path(path)
        except SCIMException as exc:
            raise invalid_path(
                f"{where}.path {shorten(path)} is not a valid attribute path "
                f"({shorten(exc.detail, 200)}); write it "
                'as in RFC 7644 §3.5.2, e.g. emails[type eq "work"].value.'
            ) from exc
    has_value = any(isinstance(k, str) and k.lower() == "value" for k in raw)
    if op == "remove" and path is None:
        raise no_target(f'{where} is a remove without "path"; name the attribute to remove.')
    if op != "remove" and not has_value:
        raise invalid_value(f'{where} is an {op} without "value"; send the value to {op}.')
    return PatchOperation(op=cast(OpName, op), path=path, value=_field(raw, "value"))


def apply_patch(
    rt: ResourceType,
    document: dict[str, Any],
    operations: Sequence[PatchOperation],
    limits: InputLimits | None = None,
) -> PatchResult:
    """Apply ``operations`` in order to a copy of ``document``.

    The result must keep every multi-valued attribute the PATCH grew within
    ``limits.max_values_per_attribute``, and a changed ``userName`` (a group's ``displayName``)
    free of control and invisible characters (:func:`~scimdir.scim.characters.check_identifiers`).

    :raises scim2_models.exceptions.SCIMException: 400 with ``mutability``, ``invalidValue``,
        ``invalidPath``, ``invalidFilter`` or ``noTarget``; nothing is applied then.
    :rfc: 7644 §3.5.2.1-3
    """
    doc = copy.deepcopy(document)
    changes: list[MemberChange] = []
    for operation in operations:
        if operation.path is None:
            _apply_pathless(rt, doc, changes, operation)
        else:
            target = resolve_path(rt, operation.path)
            _apply(rt, doc, changes, target, op=operation.op, value=operation.value)
    for attr in rt.schema.attributes:
        if attr.required and document.get(attr.name) and not doc.get(attr.name):
            raise invalid_value(f"{attr.name} is required and cannot be removed; replace it.")
    _check_grown(rt, document, doc, limits or InputLimits())
    check_identifiers(rt, document, doc)
    return PatchResult(document=doc, member_changes=tuple(changes))


def _check_grown(
    rt: ResourceType, before: dict[str, Any], after: dict[str, Any], limits: InputLimits
) -> None:
    """Refuse a multi-valued attribute that this PATCH grew beyond the published limit."""
    cap = limits.max_values_per_attribute
    for schema in rt.schemas():
        old = before if schema is rt.schema else before.get(schema.id) or {}
        new = after if schema is rt.schema else after.get(schema.id) or {}
        for attr in schema.attributes:
            values = new.get(attr.name)
            if not attr.multi_valued or not isinstance(values, list) or len(values) <= cap:
                continue
            if len(values) > len(old.get(attr.name) or ()):
                raise invalid_value(
                    f"{attr.name} would hold {len(values)} values; scimdir keeps at most {cap} "
                    "values per multi-valued attribute (a published limit). Remove some first."
                )


def _apply_pathless(
    rt: ResourceType, doc: dict[str, Any], changes: list[MemberChange], op: PatchOperation
) -> None:
    """RFC 7644 §3.5.2.1/§3.5.2.3 without ``path``: the value holds attributes of the resource."""
    if not isinstance(op.value, dict):
        raise invalid_value(
            f"An {op.op} without path needs an object of attributes as value, e.g. "
            f'{{"displayName": "New name"}}; got {describe(op.value)}.'
        )
    for key, value in op.value.items():
        if not isinstance(key, str) or key.lower() in _ECHOED:
            continue  # Okta echoes the group id in its name PATCH (docs/idp/okta.md §4).
        ext = rt.extension(key)
        target = Target(ext, None, None, None, key) if ext else resolve_path(rt, key)
        _apply(rt, doc, changes, target, op=op.op, value=value)


def _apply(
    rt: ResourceType,
    doc: dict[str, Any],
    changes: list[MemberChange],
    target: Target,
    *,
    op: OpName,
    value: Any,
) -> None:
    attr = target.attr
    if attr is not None and target.schema is rt.schema and attr.name == "members":
        changes.extend(_member_changes(target, op, value))
        return
    for part in (attr, target.sub):
        if part is not None and part.mutability == Mutability.READ_ONLY:
            raise mutability(
                f"{target.shown} is readOnly and cannot be changed by PATCH (RFC 7643 §7); "
                "remove this operation."
            )
    if attr is not None and attr.mutability == Mutability.WRITE_ONLY:
        return  # a password is accepted and never stored
    apply_to_target(rt, doc, target, op, value)


def _member_changes(target: Target, op: OpName, value: Any) -> list[MemberChange]:
    if target.sub is not None:
        raise invalid_path(
            f"{shorten(target.text)} cannot be patched; change members through the path members or "
            'members[value eq "<id>"].'
        )
    if target.filter is not None:
        ids = _member_ids(target.filter)
        if op != "remove" or ids is None:
            raise invalid_filter(
                f"{shorten(target.text)} is not supported: a members filter may only remove, "
                'in the form members[value eq "<id>"] or '
                'members[value eq "<a>" or value eq "<b>"]; '
                'add members with path "members" and a value array.'
            )
        for member_id in ids:
            check_storable(member_id, "members[value eq ...]")
        return [MemberChange("remove", tuple((i, "User") for i in ids))]
    if op == "remove":
        if value is None:
            return [MemberChange("remove_all")]
        if value == []:
            return []
        raise invalid_value(
            'A remove of "members" with a value is not defined by RFC 7644 §3.5.2.2; remove '
            'members one by one with path members[value eq "<id>"].'
        )
    members = tuple(parse_members(value, "members"))
    if op == "replace":
        return [MemberChange("replace", members)]
    return [MemberChange("add", members)] if members else []


def _member_ids(node: FilterNode) -> list[str] | None:
    terms = node.terms if isinstance(node, LogicalExpr) else (node,)
    if isinstance(node, LogicalExpr) and node.op != LogicalOperator.or_:
        return None
    ids: list[str] = []
    for term in terms:
        if not (
            isinstance(term, Comparison)
            and term.op == CompareOperator.eq
            and term.attr_path.uri is None
            and term.attr_path.sub_attr is None
            and term.attr_path.attr.lower() == "value"
            and isinstance(term.value, str)
            and term.value
        ):
            return None
        ids.append(term.value)
    return ids
