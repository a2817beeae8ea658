"""How the provisioning use cases handle extension attributes on a write.

Between the IdP dialect and the core parser, :func:`prepare_resource`/:func:`prepare_patch`
take out what belongs to extensions the directory has not declared (refused, or kept as sent by
the ``undeclared_attributes`` setting, :mod:`scimdir.service.undeclared`); after the core has
built the new document, :func:`finish_document`/:func:`finish_patch` put the kept data back and
check what the extension index needs of declared values
(:func:`scimdir.scim.extensions.check_extension_values`). :func:`extension_uniqueness` turns the
storage's violation of an attribute declared unique into a 409 naming it.
"""

from __future__ import annotations

from typing import Any

from scimdir.scim.errors import SCIMException, shorten, uniqueness
from scimdir.scim.extensions import check_extension_values
from scimdir.scim.schema import ResourceType
from scimdir.service.context import ScimContext
from scimdir.service.ports import UniquenessViolation
from scimdir.service.undeclared import KeptPatch, refusal, split_patch, split_resource

__all__ = [
    "extension_uniqueness",
    "finish_document",
    "finish_patch",
    "has_operations",
    "prepare_patch",
    "prepare_resource",
]


def _refuse(ctx: ScimContext, rt: ResourceType) -> Any:
    def refuse(target: tuple[str, str | None], path: bool) -> Exception:
        return refusal(rt, ctx.directory_id, target, path=path)

    return refuse


def _keeps(ctx: ScimContext) -> bool:
    return ctx.settings.undeclared_attributes == "keep"


def prepare_resource(ctx: ScimContext, rt: ResourceType, body: Any) -> tuple[Any, dict[str, Any]]:
    """The POST/PUT body for the core parser, and the undeclared extensions kept aside."""
    body, kept = split_resource(rt, body, _keeps(ctx), _refuse(ctx, rt))
    ctx.kept_undeclared.extend(kept)
    return body, kept


def finish_document(
    ctx: ScimContext, kind: str, document: dict[str, Any], kept: dict[str, Any]
) -> dict[str, Any]:
    """The document to store: the core's, checked for the index, plus the kept extensions."""
    check_extension_values(ctx.schema, kind, document)
    return {**document, **kept} if kept else document


def prepare_patch(ctx: ScimContext, rt: ResourceType, body: Any) -> tuple[Any, KeptPatch]:
    """The PatchOp body for the core, and the operations on undeclared extensions kept aside."""
    body, kept = split_patch(rt, body, _keeps(ctx), _refuse(ctx, rt))
    ctx.kept_undeclared.extend(kept.names)
    return body, kept


def has_operations(body: Any) -> bool:
    """Whether a PatchOp body still holds operations for the core (all may have been kept)."""
    if not isinstance(body, dict):
        return True
    ops = next(
        (v for k, v in body.items() if isinstance(k, str) and k.lower() == "operations"), None
    )
    return not isinstance(ops, list) or bool(ops)


def finish_patch(
    ctx: ScimContext, kind: str, document: dict[str, Any], kept: KeptPatch
) -> dict[str, Any]:
    """The patched document to store: kept operations applied, declared values checked."""
    if kept.operations:
        document = kept.apply(document)
    check_extension_values(ctx.schema, kind, document)
    return document


def extension_uniqueness(
    exc: UniquenessViolation, kind: str, ctx: ScimContext | None = None
) -> SCIMException | None:
    """The 409 for an extension attribute declared unique, or None for another field.

    The storage names the attribute in its index form (lower case); ``ctx`` gives it back its
    declared spelling.
    """
    if exc.field != "extension" and not exc.field.startswith("urn:"):
        return None
    shown = "an extension attribute declared unique"
    if exc.field != "extension":
        shown = shorten(exc.field, 160)
        if ctx is not None:
            for declaration in ctx.schema.declarations:
                for attr in declaration.attributes:
                    name = f"{declaration.urn}:{attr.name}"
                    if name.lower() == exc.field:
                        shown = shorten(name, 160)
    return uniqueness(
        f"Another {kind.lower()} in this directory already has this value of {shown} "
        "(declared with uniqueness server); send a different value."
    )
