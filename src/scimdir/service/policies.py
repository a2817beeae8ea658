"""Directory policies applied to every user the IdP writes.

Required attributes (`docs/product.md`, "Behaviour the directory must have"): the
application needs a non-empty userName, displayName and e-mail (work or primary). Entra retries a
failed user only on its next 40-minute cycle, so a refusal must name the missing attribute *and*
the attribute-mapping expression that fixes it, the first time. The expressions are the
recommended mappings of README.md, "Connecting Microsoft Entra ID", step 5.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scim2_models.exceptions import InvalidValueException, UniquenessException

from scimdir.scim.errors import SCIMException, shorten


@dataclass(frozen=True)
class Requirement:
    """One required attribute: how to read it and how an IdP admin fixes its absence."""

    name: str
    scim_path: str
    entra_fix: str
    generic_fix: str


REQUIREMENTS: Mapping[str, Requirement] = {
    "userName": Requirement(
        "userName",
        "userName",
        "map userName from userPrincipalName (the Entra default mapping)",
        "send a non-empty userName",
    ),
    "displayName": Requirement(
        "displayName",
        "displayName",
        'map displayName with the expression Switch(IsPresent([displayName]), , "True", '
        '[displayName], "False", Join(" ", [givenName], [surname]))',
        "send a non-empty displayName",
    ),
    "email": Requirement(
        "email",
        'emails[type eq "work"].value',
        'map emails[type eq "work"].value with the expression Switch(IsPresent([mail]), , '
        '"True", [mail], "False", [userPrincipalName])',
        "send an e-mail address in emails (type work, or marked primary)",
    ),
}


def primary_email(document: Mapping[str, Any]) -> str | None:
    """The user's e-mail as the application sees it: the work address, else the primary one,
    else the first non-empty one."""
    emails = [
        e
        for e in document.get("emails") or []
        if isinstance(e, Mapping) and isinstance(e.get("value"), str) and e["value"].strip()
    ]
    work = [e for e in emails if str(e.get("type", "")).lower() == "work"]
    primary = [e for e in emails if e.get("primary") is True]
    for candidates in (work, primary, emails):
        if candidates:
            value: str = candidates[0]["value"]
            return value
    return None


def _present(document: Mapping[str, Any], name: str) -> bool:
    if name == "email":
        return primary_email(document) is not None
    value = document.get(name)
    return isinstance(value, str) and bool(value.strip())


def missing_required(document: Mapping[str, Any], required: Iterable[str]) -> list[Requirement]:
    """The requirements ``document`` does not meet, in the order given."""
    return [REQUIREMENTS[name] for name in required if not _present(document, name)]


def check_required(
    document: Mapping[str, Any], required: Iterable[str], *, idp: str
) -> SCIMException | None:
    """The 400 ``invalidValue`` refusal for a user lacking required attributes, or None.

    The detail names each missing attribute and the mapping that fixes it, in the IdP's terms.
    """
    missing = missing_required(document, required)
    if not missing:
        return None
    fixes = "; ".join(
        f"{req.name} ({req.scim_path}) is empty: "
        + (req.entra_fix if idp == "entra" else req.generic_fix)
        for req in missing
    )
    who = shorten(document["userName"]) if document.get("userName") else "this user"
    name = document.get("name")
    name_parts = isinstance(name, Mapping) and any(
        isinstance(name.get(k), str) and name[k].strip() for k in ("givenName", "familyName")
    )
    # The structured facts travel in the exception's context for the provisioning log's
    # explanation (service/explanations.py); the client sees only the detail.
    return InvalidValueException(
        detail=f"The directory requires a non-empty {', '.join(r.name for r in missing)} for "
        f"every user, and {who} has none. Fix: {fixes}. Provisioning of this user resumes on the "
        "next cycle.",
        refusal="missing_required",
        missing=tuple(r.name for r in missing),
        name_parts=name_parts,
    )


def collision_refusal(
    user_name: str, existing_id: str, *, linked: bool, directory_id: str
) -> SCIMException:
    """The 409 ``uniqueness`` of a create that collides with ``existing_id``, carrying the facts
    the provisioning log explains it with (which account, and whether linking would resolve it)."""
    if linked:
        detail = sentence(*linked_collision(user_name, existing_id))
    else:
        detail = sentence(*unlinked_collision(user_name, directory_id))
    return UniquenessException(
        detail=detail,
        refusal="collision",
        user_name=user_name,
        existing_id=existing_id,
        linked=linked,
    )


def unlinked_collision(user_name: str, directory_id: str) -> tuple[str, str]:
    """``(cause, fix)`` when a create collides with an account the IdP does not manage yet.

    One wording for the 409 of ``POST /Users`` and for ``scimdir mapping preview --directory``.
    """
    cause = (
        f"an account with userName {shorten(user_name)} already exists in this directory but "
        "is not linked to the identity provider"
    )
    fix = (
        f"turn on the directory setting 'user_linking' (scimdir directory set {directory_id} "
        "user_linking true) to link it on creation"
    )
    return cause, fix


def linked_collision(user_name: str, existing_id: str) -> tuple[str, str]:
    """``(cause, fix)`` when a create collides with a user the IdP already provisioned."""
    cause = (
        f"a user with userName {shorten(user_name)} is already provisioned in this directory "
        f"(id {existing_id})"
    )
    fix = (
        "match on userName or externalId so the identity provider finds the existing user "
        "instead of creating it again"
    )
    return cause, fix


def sentence(cause: str, fix: str) -> str:
    """``cause`` and ``fix`` as one error detail: two sentences."""
    return f"{cause[:1].upper()}{cause[1:]}. {fix[:1].upper()}{fix[1:]}."
