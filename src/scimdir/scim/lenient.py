"""Rewrites that accept what RFC 7644 refuses but whose meaning is unambiguous, for every IdP.

The robustness principle (RFC 1122 §1.2.2, "be liberal in what you accept"): a client that forgets
the PatchOp ``schemas`` or serialises an extension object with its own ``schemas`` still means one
thing only, and refusing it would stop provisioning for no gain. Each rewrite here is registered
as a named quirk in :mod:`scimdir.scim.quirks` (prefix ``lenient.``), runs in every dialect, and
so shows in the provisioning log whenever it fires. Like every quirk it is pure, never mutates its
input, and leaves anything it does not recognise for the core to refuse.
"""

from __future__ import annotations

from typing import Any

from scimdir.scim.quirkvalues import map_operations
from scimdir.scim.schema import PATCH_OP_SCHEMA, ResourceType

__all__ = ["extension_object_schemas", "patch_without_schemas"]


def _key(body: dict[str, Any], name: str) -> str | None:
    return next((k for k in body if isinstance(k, str) and k.lower() == name), None)


def patch_without_schemas(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """A PATCH body with ``Operations`` (an array of objects) but no ``schemas`` (absent, null or
    ``[]``) gets the PatchOp URN.

    RFC 7644 §3.5.2 makes ``schemas`` mandatory, but a body whose only content is an
    ``Operations`` array can only be a PatchOp message. A ``schemas`` naming something else is
    left for the core to refuse: that client may mean another message.
    """
    if not isinstance(body, dict):
        return body, False
    ops = _key(body, "operations")
    listed = body[ops] if ops is not None else None
    if not isinstance(listed, list) or not listed or not all(isinstance(o, dict) for o in listed):
        return body, False
    key = _key(body, "schemas")
    if key is not None and body[key] not in (None, []):
        return body, False
    rest = {k: v for k, v in body.items() if k != key}
    return {"schemas": [PATCH_OP_SCHEMA], **rest}, True


def _without_own_schemas(urn: str, value: Any) -> Any:
    """``value`` without a ``schemas`` member that names only the extension ``urn``, else None."""
    if not isinstance(value, dict):
        return None
    key = _key(value, "schemas")
    if key is None:
        return None
    listed = value[key]
    if not isinstance(listed, list) or not all(
        isinstance(s, str) and s.lower() == urn.lower() for s in listed
    ):
        return None
    return {k: v for k, v in value.items() if k != key}


def _fix_extension_keys(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any] | None:
    """``obj`` with each extension object's echoed ``schemas`` dropped, or None if none was."""
    out: dict[str, Any] = {}
    fired = False
    for key, value in obj.items():
        ext = rt.extension(key) if isinstance(key, str) else None
        fixed = _without_own_schemas(ext.id, value) if ext is not None else None
        if fixed is None:
            out[key] = value
        else:
            out[key] = fixed
            fired = True
    return out if fired else None


def extension_object_schemas(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """An extension object carrying its own ``"schemas": ["<its URN>"]`` is read without it.

    python-scim's scim2-models serialises an extension model that way as a PATCH value
    (``{"op": "add", "path": "urn:...:enterprise:2.0:User", "value": {"schemas": [...], ...}}``);
    RFC 7643 §3.3 names extensions in the resource's ``schemas`` only. Handled under an
    extension-URN path, as a path-less PATCH value key, and in POST/PUT bodies. A ``schemas``
    naming anything but that extension is left for the core to refuse.
    """
    if not isinstance(body, dict):
        return body, False
    if _key(body, "operations") is None:
        fixed = _fix_extension_keys(rt, body)
        return (fixed, True) if fixed is not None else (body, False)

    def rewrite(op: dict[str, Any]) -> list[dict[str, Any]] | None:
        path, value = op.get("path"), op.get("value")
        ext = rt.extension(path.strip()) if isinstance(path, str) else None
        if ext is not None:
            cleaned = _without_own_schemas(ext.id, value)
            return None if cleaned is None else [{**op, "value": cleaned}]
        if path is None and isinstance(value, dict):
            keys = _fix_extension_keys(rt, value)
            return None if keys is None else [{**op, "value": keys}]
        return None

    return map_operations(body, rewrite)
