"""Every failure the provisioning log records, explained for the admin: what happened, and the fix.

Entra retries a failed user only on its next cycle (about 40 minutes) and shows the admin little
more than our ``detail``; the log is where the admin learns what to change. :func:`explain` is
pure: it reads the failure (status, scimType, the structured facts a refusal carries in its
``context``, the request body, the directory's IdP and settings, the reason an authentication
failed) and returns an :class:`Explanation` with a stable ``kind`` (the key open problems are
grouped by) and two sentences: the explanation and the fix. The mapping expressions are Entra's
attribute-mapping language (learn.microsoft.com/en-us/entra/identity/app-provisioning/
functions-for-customizing-application-data); the recommended ones are in the README.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from scimdir.scim.dialects import dialect_for, foreign_shape
from scimdir.service.policies import REQUIREMENTS

__all__ = ["DISPLAY_NAME_FALLBACK", "ROTATION_WINDOW", "Explanation", "Failure", "explain"]

ROTATION_WINDOW: Final = timedelta(hours=6)
"""A refused secret within this time after a rotation is read as "the IdP still has the old one"."""

DISPLAY_NAME_FALLBACK: Final = (
    'Switch(IsPresent([displayName]), [userPrincipalName], "True", [displayName], "False", '
    'Switch(IsPresent([surname]), [userPrincipalName], "True", Join(" ", [givenName], [surname])))'
)
_IDP_CHANGE = (
    "Set the directory's identity provider to {other}: scimdir directory set {id} idp {other}, "
    'or PATCH /api/v1/directories/{id} with {{"idp": "{other}"}} (its dialect accepts '
    "{other}'s request shapes); or point the {idp} application at this directory if it is "
    "meant for {idp}."
)


@dataclass(frozen=True)
class Failure:
    """What the log knows about one failed request (all optional but the status)."""

    status: int
    scim_type: str | None = None
    detail: str | None = None
    method: str = "GET"
    resource_type: str | None = None
    idp: str | None = None
    directory_id: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None
    auth_reason: str | None = None
    rotated_at: datetime | None = None
    now: datetime | None = None


@dataclass(frozen=True)
class Explanation:
    """The failure kind (stable, for grouping), what happened, and what the admin should do."""

    kind: str
    text: str
    fix: str


def explain(failure: Failure) -> Explanation:
    """The explanation and fix of ``failure``; every status >= 400 gets one."""
    if failure.status == 401 or failure.auth_reason:
        return _auth(failure)
    refusal = failure.facts.get("refusal")
    if refusal == "missing_required":
        return _missing(failure)
    if refusal == "collision":
        return _collision(failure)
    other = _dialect_mismatch(failure)
    if other is not None:
        idp = failure.idp or "generic"
        return Explanation(
            "dialect_mismatch",
            f"The request uses {other.capitalize()}'s capitalised PATCH operations "
            '("Replace", "Add"), but '
            f"this directory is set to the {idp} identity provider, whose dialect refuses them.",
            _IDP_CHANGE.format(id=failure.directory_id or "<id>", other=other, idp=idp),
        )
    return _generic(failure)


def _auth(failure: Failure) -> Explanation:
    reason = failure.auth_reason or "wrong_secret"
    rotated = failure.rotated_at
    recent = (
        rotated is not None
        and failure.now is not None
        and timedelta(0) <= failure.now - rotated <= ROTATION_WINDOW
    )
    if reason in ("wrong_secret", "revoked_secret", "expired_secret") and recent:
        assert rotated is not None
        return Explanation(
            "old_secret_after_rotation",
            f"The directory's secret was rotated at {rotated:%Y-%m-%d %H:%M} UTC and the "
            "identity provider still sends a secret that no longer opens it.",
            "Paste the new secret into the Secret Token field of the Entra application "
            "(Provisioning > Admin credentials), press Test Connection and save; or rotate "
            "with --keep-old-for 1h next time so the old one keeps working meanwhile.",
        )
    texts = {
        "no_credentials": (
            "The request carries no usable credentials (no Authorization header, or HTTP Basic "
            "with a user name other than the tenant id).",
            "Send 'Authorization: Bearer <secret>' (Entra: paste the secret into Secret Token).",
        ),
        "unknown_tenant": (
            "The tenant URL names a directory that does not exist (deleted, or mistyped).",
            "Copy the tenant URL again from 'scimdir directory list' into Entra's Tenant URL.",
        ),
        "revoked_secret": (
            "The secret was valid once but has been revoked by a rotation.",
            "Paste the directory's current secret into Entra's Secret Token field (or rotate "
            "the secret again to get a new one: scimdir directory rotate-secret <id>).",
        ),
        "expired_secret": (
            "The secret was kept working for a while after a rotation, and that time is over.",
            "Paste the directory's current secret into Entra's Secret Token field.",
        ),
    }
    text, fix = texts.get(
        reason,
        (
            "The secret is not one of this directory's secrets.",
            "Paste the directory's secret into Entra's Secret Token field; if it was lost, "
            "issue a new one with scimdir directory rotate-secret <id>.",
        ),
    )
    return Explanation(reason, text, fix)


def _missing(failure: Failure) -> Explanation:
    missing = [m for m in failure.facts.get("missing", ()) if m in REQUIREMENTS]
    entra = failure.idp == "entra"
    name_parts = bool(failure.facts.get("name_parts"))
    setting = (
        f"or drop it from the directory's required attributes (scimdir directory set "
        f"{failure.directory_id or '<id>'} required_attributes <the attributes to keep>)"
    )
    texts: list[str] = []
    fixes: list[str] = []
    for name in missing:
        req = REQUIREMENTS[name]
        if name == "displayName" and entra and not name_parts:
            texts.append(
                "displayName is empty and the user has no given name or surname either (a "
                "service account?): even the recommended mapping, which falls back to "
                "givenName + surname, produces nothing"
            )
            fixes.append(
                f"map displayName with the next fallback, the userPrincipalName: "
                f"{DISPLAY_NAME_FALLBACK}, {setting}"
            )
            continue
        texts.append(f"{name} ({req.scim_path}) is empty")
        fixes.append(f"{req.entra_fix if entra else req.generic_fix}, {setting}")
    if not texts:
        texts.append("a required attribute is empty")
        fixes.append(f"send every required attribute, {setting}")
    return Explanation(
        "missing_required_attribute",
        "The directory requires it, and " + "; ".join(texts) + ".",
        _capital("; ".join(fixes)) + ".",
    )


def _collision(failure: Failure) -> Explanation:
    name = failure.facts.get("user_name", "this userName")
    existing = failure.facts.get("existing_id", "unknown")
    if failure.facts.get("linked"):
        return Explanation(
            "duplicate_user",
            f"The identity provider tried to create {name!r} again, but that user is already "
            f"provisioned (id {existing}) and linked to it: its matching did not find the user. "
            "User linking would not help, the account is already linked.",
            "Make the identity provider match existing users on userName (Entra: Attribute "
            "mappings > Matching precedence 1 on userName) or externalId, then provision again.",
        )
    return Explanation(
        "unlinked_account",
        f"An account {name!r} (id {existing}) already exists in this directory, created outside "
        "the identity provider and not linked to it.",
        "Turn on user linking so the next create adopts it: scimdir directory set "
        f"{failure.directory_id or '<id>'} user_linking true.",
    )


def _dialect_mismatch(failure: Failure) -> str | None:
    """The IdP whose PATCH shape a refused PATCH has, if the directory's dialect cannot read it
    (the same test that refused it, :func:`scimdir.service.dialect_guard.refuse_foreign_shape`)."""
    if failure.method != "PATCH" or failure.status != 400:
        return None
    return foreign_shape(dialect_for(failure.idp or "generic"), failure.body)


_GENERIC: Final[dict[str, tuple[str, str]]] = {
    "invalidFilter": (
        "The filter names an attribute scimdir does not index, or is not valid RFC 7644 syntax.",
        "Filter on an indexed attribute (the README lists them); Entra's matching attribute "
        "must be one of them.",
    ),
    "invalidSyntax": (
        "The request body is not a SCIM document of the expected form.",
        "Check the body the IdP sends against RFC 7644; the detail names the field.",
    ),
    "invalidValue": (
        "A value in the request is not acceptable (the detail names it).",
        "Fix the attribute mapping that produces the value.",
    ),
    "invalidPath": (
        "A PATCH path does not name an attribute of the schema.",
        "Check the attribute mapping's target attribute name.",
    ),
    "mutability": (
        "The request tries to change a read-only or immutable attribute.",
        "Remove the mapping to that attribute.",
    ),
    "noTarget": ("A PATCH path selects nothing.", "Check the filter in the PATCH path."),
    "tooMany": (
        "The request asks for more than the server returns at once.",
        "Page the request or exclude large attributes (excludedAttributes=members).",
    ),
    "uniqueness": (
        "The request collides with an existing resource (the detail names the attribute).",
        "Rename one of the two, or match existing resources in the identity provider.",
    ),
}
_BY_STATUS: Final[dict[int, tuple[str, str, str]]] = {
    404: (
        "not_found",
        "The resource does not exist in this directory (deleted here, or a directory reset).",
        "Nothing to do if it was deleted on purpose; otherwise the IdP recreates it on its next "
        "cycle (Entra: restart provisioning to clear its cache of ids).",
    ),
    412: (
        "precondition_failed",
        "The resource changed since the identity provider read it (If-Match did not match).",
        "None needed: the identity provider reads it again and retries.",
    ),
    413: (
        "too_large",
        "The request body is larger than the server accepts.",
        "Split the request (fewer members per PATCH).",
    ),
    429: ("rate_limited", "Too many requests.", "None needed: the identity provider retries."),
}


def _generic(failure: Failure) -> Explanation:
    if failure.scim_type and failure.scim_type in _GENERIC:
        text, fix = _GENERIC[failure.scim_type]
        return Explanation(_snake(failure.scim_type), text, fix)
    if failure.status in _BY_STATUS:
        return Explanation(*_BY_STATUS[failure.status])
    if failure.status >= 500:
        return Explanation(
            "internal_error",
            "The server failed unexpectedly; nothing of the request was applied.",
            "The server log has the traceback under this request id; the identity provider "
            "retries on its next cycle.",
        )
    return Explanation(
        "refused",
        "The request was refused (the detail says why).",
        "Fix what the detail names; the identity provider retries on its next cycle.",
    )


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
