"""Every IdP quirk scimdir accepts, named, sourced and in one place.

A *rewriting* quirk turns a request an IdP really sends into the RFC 7644 form the core
(:mod:`scimdir.scim.resource`, :mod:`scimdir.scim.patch`) accepts. Each is a pure function
``(resource_type, payload) -> (new_payload, fired)`` that never mutates its input and leaves
anything it does not recognise (including non-object bodies) untouched for the core to refuse
with a clean error. :mod:`scimdir.scim.dialects` picks which quirks run for which IdP.

Quirks named ``lenient.*`` (:mod:`scimdir.scim.lenient`) belong to no IdP: they read requests any
client may send whose meaning is unambiguous although RFC 7644 refuses them, and every dialect
runs them.

Behaviours that RFC 7643/7644 already allows (readOnly values ignored, ``null`` as unassigned,
members without ``type``...) need no rewriting; they are implemented by the core and listed in
:data:`CORE_BEHAVIOURS` so that this module stays the one index of IdP accommodations.

Sources: docs/idp/*.md (one page per IdP), which quote
the Microsoft Learn pages, Okta's developer docs and the GitHub issues linked below.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scim2_models import Path
from scim2_models.exceptions import SCIMException
from scim2_models.path import AttrPath, ValuePath

from scimdir.scim.authentik_quirks import AUTHENTIK_FILTER_SOURCE, unquoted_filter_value
from scimdir.scim.body_facts import BodyFacts
from scimdir.scim.lenient import extension_object_schemas, patch_without_schemas
from scimdir.scim.onelogin_quirks import (
    ONELOGIN_EMAILS_SOURCE,
    ONELOGIN_URN_SOURCE,
    emails_object,
    legacy_schema_urns,
)
from scimdir.scim.quirkvalues import fix_manager, fix_string_booleans, map_operations
from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA, ResourceType

__all__ = [
    "CORE_BEHAVIOURS",
    "LENIENT_PREFIX",
    "MICROSOFT_GROUP_URN",
    "QUIRKS",
    "TYPO_ENTERPRISE_URN",
    "FilterQuirkFn",
    "Guard",
    "Quirk",
    "QuirkFn",
    "bare_string_manager",
    "capitalised_op",
    "emails_object",
    "enterprise_urn_typo",
    "legacy_schema_urns",
    "member_remove_by_value",
    "microsoft_group_urn",
    "string_booleans",
    "unqualified_extension_path",
    "unquoted_filter_value",
]

QuirkFn = Callable[[ResourceType, Any], tuple[Any, bool]]
Guard = Callable[[BodyFacts], bool]
FilterQuirkFn = Callable[[str], tuple[str, bool]]
MICROSOFT_GROUP_URN = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
TYPO_ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"

_KNOWN_ISSUES = (
    "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/"
    "application-provisioning-config-problem-scim-compatibility"
)
_TUTORIAL = (
    "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/"
    "use-scim-to-provision-users-and-groups"
)
_OKTA_SCIM20 = "https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/"
LENIENT_PREFIX = "lenient."
"""Quirks named ``lenient.*`` accept what no particular IdP needs but any client may send; every
dialect runs them (:mod:`scimdir.scim.lenient`)."""


@dataclass(frozen=True)
class Quirk:
    """One named accommodation: what it is, where it is documented, and its rewrites.

    ``patch`` rewrites a PatchOp body, ``resource`` a POST/PUT body, ``filter`` the ``filter``
    query parameter (or ``.search`` member) of a list request; all ``None`` means the core
    handles it as RFC-compatible behaviour (see :data:`CORE_BEHAVIOURS`).

    ``may_rewrite`` reads a POST/PUT body's :class:`~scimdir.scim.body_facts.BodyFacts` and
    answers False only when ``resource`` would leave that body unchanged (not fire); the dialect
    skips the walks when no quirk may fire. ``None``: ``resource`` always runs.
    """

    name: str
    summary: str
    source: str
    patch: QuirkFn | None = None
    resource: QuirkFn | None = None
    filter: FilterQuirkFn | None = None
    may_rewrite: Guard | None = None


def capitalised_op(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """Lower-case PATCH ``op`` names: Entra sends ``"Add"``, ``"Replace"``, ``"Remove"``.

    Source: Microsoft Learn, known issues (``aadOptscim062020``), docs/idp/entra.md §0.4, §6.
    """

    def rewrite(op: dict[str, Any]) -> list[dict[str, Any]] | None:
        name = op.get("op")
        lowered = name.lower() if isinstance(name, str) else None
        if lowered in ("add", "remove", "replace") and name != lowered:
            return [{**op, "op": lowered}]
        return None

    return map_operations(body, rewrite)


def string_booleans(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """``"True"``/``"False"`` (any case) become booleans wherever the schema says boolean.

    Entra's default ``active`` mapping emits strings, in PATCH (path-ful and path-less) and POST
    (https://github.com/AzureAD/SCIMReferenceCode/issues/21; lower-case seen in
    https://github.com/scimmyjs/scimmy/issues/86). Applies to ``active``, ``emails.primary`` and
    every other boolean attribute or sub-attribute. Source: known issues page, entra §4.7.
    Named after Entra, where it was first documented; the OneLogin dialect runs it too (its
    templates put ``"true"`` strings in ``active``, docs/idp/onelogin.md §7). The name is kept:
    it is stored in provisioning logs and counted in metrics.
    """
    return fix_string_booleans(rt, body)


def bare_string_manager(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """A manager given as ``"271"`` (or as a one-element array) becomes ``{"value": "271"}``.

    RFC 7643 §4.3 makes ``manager`` complex; current Entra tenants send the bare target-side id
    (https://github.com/Captain-P-Goldfish/SCIM-SDK/issues/541), older ones an array of one
    object (Microsoft Learn tutorial, Example 5). docs/idp/entra.md §4.9.
    """
    return fix_manager(rt, body)


def member_remove_by_value(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """``remove`` + ``path: "members"`` + a value array removes exactly those members.

    Entra's default remove (no ``aadOptscim062020``) reads, by the letter of RFC 7644
    §3.5.2.2, as "remove every member"; it is rewritten into one
    ``members[value eq "<id>"]`` remove per listed member. Source: Microsoft Learn tutorial and
    known issues page; https://github.com/MicrosoftDocs/azure-docs/issues/30826; entra §5.6.
    JumpCloud (https://app.uni-moni.com/en/kb/sso-setup-jumpcloud, docs/idp/jumpcloud.md §4)
    and authentik (``authentik/providers/scim/clients/groups.py`` in
    https://github.com/goauthentik/authentik, docs/idp/authentik.md) send the same shape, so
    their dialects run it too; the name is kept because logs and metrics store it.
    """

    def rewrite(op: dict[str, Any]) -> list[dict[str, Any]] | None:
        path, value = op.get("path"), op.get("value")
        if str(op.get("op")).lower() != "remove" or not isinstance(path, str):
            return None
        if path.strip().lower() != "members" or not isinstance(value, list) or not value:
            return None
        ids = [m.get("value") if isinstance(m, dict) else None for m in value]
        if not all(isinstance(i, str) and i for i in ids):
            return None
        return [{"op": "remove", "path": f"members[value eq {json.dumps(i)}]"} for i in ids]

    return map_operations(body, rewrite)


def microsoft_group_urn(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """Drop Microsoft's extra group schema URN from ``schemas`` (it carries no attributes).

    Entra's group create lists
    ``http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group``
    (Microsoft Learn tutorial, *Create Group*; docs/idp/entra.md §5.1).
    """
    if not isinstance(body, dict):
        return body, False
    lowered = MICROSOFT_GROUP_URN.lower()
    out: dict[str, Any] = {}
    for key, value in body.items():
        name = key.lower() if isinstance(key, str) else key
        if name == lowered:
            continue
        if name == "schemas" and isinstance(value, list):
            out[key] = [s for s in value if not (isinstance(s, str) and s.lower() == lowered)]
        else:
            out[key] = value
    return (out, True) if out != body else (body, False)


def enterprise_urn_typo(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """Read ``urn:...:enterprise:2.0User`` (missing colon) as the enterprise extension URN.

    Seen in Microsoft's own older *Provision a user* sample (Microsoft Learn tutorial,
    docs/idp/entra.md §4.2). Fixed in ``schemas``, body keys, PATCH paths and path-less keys.
    """

    def fix(text: Any) -> Any:
        if isinstance(text, str) and text.lower().startswith(TYPO_ENTERPRISE_URN.lower()):
            rest = text[len(TYPO_ENTERPRISE_URN) :]
            if not rest or rest.startswith(":"):
                return ENTERPRISE_USER_SCHEMA + rest
        return text

    def fix_keys(obj: dict[str, Any]) -> dict[str, Any]:
        return {fix(k): v for k, v in obj.items()}

    if not isinstance(body, dict):
        return body, False
    new = fix_keys(body)
    schemas = next((k for k in new if k.lower() == "schemas"), None)
    if schemas is not None and isinstance(new[schemas], list):
        new[schemas] = [fix(s) for s in new[schemas]]

    def rewrite(op: dict[str, Any]) -> list[dict[str, Any]] | None:
        value = op.get("value")
        fixed = {**op, "path": fix(op.get("path"))} if "path" in op else dict(op)
        if "path" not in op and isinstance(value, dict):
            fixed["value"] = fix_keys(value)
        return [fixed] if fixed != op else None

    new, _ = map_operations(new, rewrite)
    return (new, True) if new != body else (body, False)


def unqualified_extension_path(rt: ResourceType, body: Any) -> tuple[Any, bool]:
    """A PATCH path naming an extension attribute without its URN (``manager``) is qualified.

    RFC 7644 §3.10 reads unqualified names as core attributes, but Entra's documented manager
    write uses ``"path": "manager"`` (Microsoft Learn tutorial, Example 5) and its removal
    ``manager[value eq "..."]`` (https://github.com/thomaspoignant/scim-patch/issues/453).
    Only names that no core attribute has and exactly one extension has are qualified.
    """

    def qualify(text: Any) -> Any:
        if not isinstance(text, str):
            return text
        try:
            node = Path(text).ast
        except SCIMException:
            return text
        attr_path = node.attr_path if isinstance(node, ValuePath) else node
        if not isinstance(attr_path, AttrPath) or attr_path.uri is not None:
            return text
        if rt.schema.get(attr_path.attr) is not None:
            return text
        owners = [e for e in rt.extensions if e.get(attr_path.attr) is not None]
        return f"{owners[0].id}:{text.strip()}" if len(owners) == 1 else text

    def rewrite(op: dict[str, Any]) -> list[dict[str, Any]] | None:
        value = op.get("value")
        fixed = {**op, "path": qualify(op.get("path"))} if "path" in op else dict(op)
        if "path" not in op and isinstance(value, dict):
            fixed["value"] = {qualify(k): v for k, v in value.items()}
        return [fixed] if fixed != op else None

    return map_operations(body, rewrite)


# The guards of the resource rewrites (see Quirk.may_rewrite): each names what its rewrite
# needs to find before it changes anything.
_TYPO = TYPO_ENTERPRISE_URN.lower()
_MICROSOFT = MICROSOFT_GROUP_URN.lower()


def _may_fix_typo(facts: BodyFacts) -> bool:
    # enterprise_urn_typo rewrites a top-level key or a ``schemas`` entry starting with the typo.
    return any(k.startswith(_TYPO) for k in facts.top_keys) or any(
        s.startswith(_TYPO) for s in facts.schemas
    )


def _may_drop_object_schemas(facts: BodyFacts) -> bool:
    # extension_object_schemas drops the ``schemas`` member of a top-level extension object.
    return facts.object_schemas


def _may_drop_microsoft_urn(facts: BodyFacts) -> bool:
    # microsoft_group_urn drops a member named by the URN or its entry in ``schemas``.
    return _MICROSOFT in facts.top_keys or _MICROSOFT in facts.schemas


def _may_fix_manager(facts: BodyFacts) -> bool:
    # bare_string_manager rewrites the value of an attribute named manager (under the
    # enterprise URN key, or a key qualified with it): a name holding "manager".
    return any("manager" in k for k in facts.keys)


def _may_fix_booleans(facts: BodyFacts) -> bool:
    # string_booleans changes nothing but strings reading true or false.
    return facts.boolean_strings


QUIRKS: tuple[Quirk, ...] = (
    Quirk(
        "lenient.patch-without-schemas",
        'A PATCH body with "Operations" but no "schemas" is read as a PatchOp message.',
        "https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2",
        patch=patch_without_schemas,
    ),
    Quirk(
        "entra.capitalised-op",
        'PATCH op names in any case ("Replace", "Add", "Remove") are lower-cased.',
        _KNOWN_ISSUES,
        patch=capitalised_op,
    ),
    Quirk(
        "onelogin.legacy-schema-urns",
        "urn:scim:schemas:core:1.0/2.0 and urn:scim:schemas:extension:enterprise:1.0/2.0 "
        "are read as the RFC 7643 core and enterprise URNs.",
        ONELOGIN_URN_SOURCE,
        resource=legacy_schema_urns,
    ),
    Quirk(
        "entra.enterprise-urn-typo",
        "urn:...:enterprise:2.0User (missing colon) is read as the enterprise extension URN.",
        _TUTORIAL,
        patch=enterprise_urn_typo,
        resource=enterprise_urn_typo,
        may_rewrite=_may_fix_typo,
    ),
    Quirk(
        "lenient.extension-object-schemas",
        'An extension object carrying its own "schemas" (python-scim\'s PATCH values) is read '
        "without it.",
        "https://github.com/python-scim/scim2-models",
        patch=extension_object_schemas,
        resource=extension_object_schemas,
        may_rewrite=_may_drop_object_schemas,
    ),
    Quirk(
        "entra.microsoft-group-urn",
        "Microsoft's ADSCIM group schema URN in a group body is accepted and dropped.",
        _TUTORIAL,
        resource=microsoft_group_urn,
        may_rewrite=_may_drop_microsoft_urn,
    ),
    Quirk(
        "entra.unqualified-extension-path",
        'PATCH paths such as "manager" are qualified with the enterprise extension URN.',
        "https://github.com/thomaspoignant/scim-patch/issues/453",
        patch=unqualified_extension_path,
    ),
    Quirk(
        "entra.member-remove-by-value",
        'remove + path "members" + value array removes exactly the listed members, never all.',
        _KNOWN_ISSUES,
        patch=member_remove_by_value,
    ),
    Quirk(
        "entra.bare-string-manager",
        'A manager sent as "271" or [{"value": "271"}] is stored as {"value": "271"}.',
        "https://github.com/Captain-P-Goldfish/SCIM-SDK/issues/541",
        patch=bare_string_manager,
        resource=bare_string_manager,
        may_rewrite=_may_fix_manager,
    ),
    Quirk(
        "onelogin.emails-object",
        'A single "emails" object (POST/PUT, PATCH value) is read as a one-element array.',
        ONELOGIN_EMAILS_SOURCE,
        patch=emails_object,
        resource=emails_object,
    ),
    Quirk(
        "entra.string-boolean",
        '"True"/"False" in any case become JSON booleans for boolean attributes.',
        "https://github.com/AzureAD/SCIMReferenceCode/issues/21",
        patch=string_booleans,
        resource=string_booleans,
        may_rewrite=_may_fix_booleans,
    ),
    Quirk(
        "authentik.unquoted-filter-value",
        'A bare-word filter value (userName eq akadmin) is read as a string ("akadmin").',
        AUTHENTIK_FILTER_SOURCE,
        filter=unquoted_filter_value,
    ),
)
"""The rewriting quirks, in the order they must run (URN and path fixes before value fixes)."""

CORE_BEHAVIOURS: tuple[Quirk, ...] = (
    Quirk(
        "entra.pathless-attribute-paths",
        'Path-less values with dotted ("name.givenName") or URN-qualified keys, or a nested '
        "extension object, are merged attribute by attribute.",
        _KNOWN_ISSUES,
    ),
    Quirk(
        "entra.filtered-add-creates",
        'add/replace on emails[type eq "work"].value creates the value when none matches; '
        "several ops on one filter fill one record.",
        "https://github.com/Captain-P-Goldfish/SCIM-SDK/issues/680",
    ),
    Quirk(
        "entra.manager-filter-remove",
        'remove manager[value eq "x"] removes the manager only if it is x.',
        "https://github.com/thomaspoignant/scim-patch/issues/453",
    ),
    Quirk(
        "entra.client-meta-and-nulls",
        'Client-sent meta is ignored; explicit nulls and "roles": [] mean unassigned.',
        _TUTORIAL,
    ),
    Quirk(
        "entra.roles-json-string",
        "A role whose value is a JSON string is stored as that string.",
        "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/"
        "customize-application-attributes",
    ),
    Quirk(
        "okta.readonly-echo",
        'A PUT echoing id, meta and "groups": [] ignores them; memberships are untouched.',
        _OKTA_SCIM20,
    ),
    Quirk(
        "okta.password-on-create",
        "The placeholder password on create is accepted and never stored nor returned.",
        _OKTA_SCIM20,
    ),
    Quirk(
        "okta.pathless-replace-with-id",
        'Path-less replace {"id": ..., "displayName": ...} ignores the id and leaves members.',
        "https://github.com/imulab/go-scim/issues/57",
    ),
    Quirk(
        "okta.members-without-type",
        'Members sent without "type" are users.',
        "https://github.com/Captain-P-Goldfish/SCIM-SDK/issues/419",
    ),
    Quirk(
        "okta.replace-members-empty",
        "replace members [] (with or without path) empties the group and keeps it.",
        "https://github.com/Captain-P-Goldfish/SCIM-SDK/issues/757",
    ),
)
"""Accommodations the core implements as RFC-compatible behaviour (no rewrite needed)."""
