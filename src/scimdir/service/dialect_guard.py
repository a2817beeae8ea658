"""Refuse a request whose shape belongs to another IdP's dialect, naming the fix.

A directory created with the wrong IdP (an Entra application pointed at a directory set to
``okta``) would otherwise get the core's generic "op must be add, remove or replace", which
blames the RFC and not the setting. :func:`refuse_foreign_shape` answers 400 ``invalidSyntax``
(RFC 7644 §3.12) with a detail that names the directory's IdP and both ways to change it; the
provisioning log files the failure as ``dialect_mismatch`` (:mod:`scimdir.service.explanations`,
which uses the same :func:`scimdir.scim.dialects.foreign_shape`).
"""

from __future__ import annotations

from typing import Any

from scimdir.scim.dialects import foreign_shape
from scimdir.scim.errors import invalid_syntax
from scimdir.service.context import ScimContext

__all__ = ["idp_change_hint", "refuse_foreign_shape"]


def idp_change_hint(directory_id: str, idp: str) -> str:
    """How an administrator sets the directory's IdP to ``idp`` (CLI and management API)."""
    return (
        f"`scimdir directory set {directory_id} idp {idp}` or PATCH "
        f'/api/v1/directories/{directory_id} with {{"idp": "{idp}"}}'
    )


def refuse_foreign_shape(ctx: ScimContext, body: Any) -> None:
    """Raise a 400 if ``body`` (after the dialect's rewrites) is another IdP's PATCH shape."""
    other = foreign_shape(ctx.dialect, body)
    if other is None:
        return
    raise invalid_syntax(
        f'This PATCH uses {other}\'s capitalised operation names ("Replace", "Add", '
        f'"Remove"), but this directory is set to the {ctx.directory.idp} identity provider, '
        f"whose dialect follows RFC 7644 (lower-case ops). If {other} provisions this "
        f"directory, an administrator of the SCIM service changes its identity provider with "
        f"{idp_change_hint(ctx.directory_id, other)}."
    )
