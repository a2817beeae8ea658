"""What the Add directory page tells an admin to do in the IdP, per IdP.

The Entra steps and attribute mappings are the README's "Connecting Microsoft Entra ID"
(Microsoft's tutorial: https://learn.microsoft.com/en-us/entra/identity/app-provisioning/
use-scim-to-provision-users-and-groups); the 40-minute cycle is Entra's incremental cycle
(https://learn.microsoft.com/en-us/entra/identity/app-provisioning/how-provisioning-works).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ENTRA_MAPPINGS", "IDP_NAMES", "Mapping"]

IDP_NAMES: dict[str, str] = {
    "entra": "Microsoft Entra ID",
    "okta": "Okta",
    "onelogin": "OneLogin",
    "jumpcloud": "JumpCloud",
    "pingone": "PingOne / PingFederate",
    "rippling": "Rippling",
    "authentik": "authentik",
    "generic": "Generic SCIM 2.0",
}

_DISPLAY_NAME = (
    'Switch(IsPresent([displayName]), , "True", [displayName], "False", '
    'Join(" ", [givenName], [surname]))'
)


@dataclass(frozen=True)
class Mapping:
    """One row of Entra's attribute mappings: the SCIM target, the source, why."""

    target: str
    source: str
    why: str


ENTRA_MAPPINGS: tuple[Mapping, ...] = (
    Mapping("userName", "userPrincipalName", "default"),
    Mapping(
        "active",
        'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
        "default expression",
    ),
    Mapping("displayName", _DISPLAY_NAME, "prefers displayName, falls back to the full name"),
    Mapping(
        'emails[type eq "work"].value',
        'Switch(IsPresent([mail]), , "True", [mail], "False", [userPrincipalName])',
        "users without a mailbox fall back to the UPN",
    ),
    Mapping("name.givenName", "givenName", "default"),
    Mapping("name.familyName", "surname", "default"),
    Mapping("name.formatted", _DISPLAY_NAME, "same expression as displayName"),
    Mapping("externalId", "objectId", "optional: stable; set before the first sync"),
)
