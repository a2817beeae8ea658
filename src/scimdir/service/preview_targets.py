"""``scimdir mapping preview --directory``: each mapping target against the directory's schema.

An Entra attribute mapping whose target the directory cannot store fails (or silently loses)
that attribute for every user on every cycle, so the preview says so before the first cycle:

- a target that resolves against the directory's User type (core, enterprise, declared
  extensions; :mod:`scimdir.scim.extensions`) is stored, unless it is readOnly (``id``,
  ``groups``, ``meta``: ignored on write, RFC 7644 §3.3, ``dropped``) or writeOnly (``password``:
  accepted, never stored, ``dropped``);
- an attribute of an undeclared extension URN is ``refused`` at a directory whose
  ``undeclared_attributes`` is ``refuse`` (with the command that declares it) and ``kept`` (stored
  as sent, not filterable) at one that keeps them (:mod:`scimdir.service.undeclared`);
- anything else (an unknown core attribute, bad path syntax, an unknown attribute of a declared
  extension) is ``refused``, with the server's own detail.
"""

from __future__ import annotations

from collections.abc import Iterable

from scimdir.mapping.preview import TargetWarning
from scimdir.scim.errors import SCIMException
from scimdir.scim.patchpath import resolve_path
from scimdir.scim.schema import Mutability, ResourceType
from scimdir.service.directory_settings import DirectorySettings
from scimdir.service.undeclared import refusal, undeclared_target

__all__ = ["target_warnings"]


def _declare_fix(directory_id: str, urn: str, attr: str | None, kind: str) -> str:
    return (
        f"scimdir schema add --directory {directory_id} {urn} --resource-type {kind} "
        f"--attribute {attr or 'NAME'}:string (or set undeclared_attributes keep)"
    )


def target_warnings(
    rt: ResourceType,
    settings: DirectorySettings,
    directory_id: str,
    targets: Iterable[str],
) -> list[TargetWarning]:
    """The warnings for ``targets`` (mapping target attribute paths), in their order."""
    warnings: list[TargetWarning] = []
    for target in dict.fromkeys(targets):
        undeclared = undeclared_target(rt, target)
        if undeclared is not None:
            urn, attr = undeclared
            if settings.undeclared_attributes == "keep":
                warnings.append(
                    TargetWarning(
                        target,
                        "kept",
                        f"{urn} is not declared for this directory: the value is stored and "
                        "returned as sent, but cannot be filtered on or validated",
                        _declare_fix(directory_id, urn, attr, rt.name),
                    )
                )
            else:
                detail = str(refusal(rt, directory_id, undeclared, path=True))
                warnings.append(
                    TargetWarning(
                        target,
                        "refused",
                        f"every user would fail: {detail}",
                        _declare_fix(directory_id, urn, attr, rt.name),
                    )
                )
            continue
        try:
            resolved = resolve_path(rt, target)
        except SCIMException as exc:
            warnings.append(
                TargetWarning(
                    target,
                    "refused",
                    f"every user would fail: {exc.detail}",
                    "remove the mapping or change its target attribute",
                )
            )
            continue
        attribute = resolved.sub or resolved.attr
        if attribute is None:
            continue
        if attribute.mutability == Mutability.READ_ONLY or (
            resolved.attr is not None and resolved.attr.mutability == Mutability.READ_ONLY
        ):
            warnings.append(
                TargetWarning(
                    target,
                    "dropped",
                    f"{resolved.shown} is readOnly: the server ignores it on write (RFC 7644 §3.3)",
                    "remove the mapping",
                )
            )
        elif attribute.mutability == Mutability.WRITE_ONLY:
            warnings.append(
                TargetWarning(
                    target,
                    "dropped",
                    f"{resolved.shown} is accepted and never stored",
                    "remove the mapping unless the IdP requires it",
                )
            )
    return warnings
