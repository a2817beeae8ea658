"""What to do in the IdP to connect a directory, per IdP: the console's Add directory page and
``scimdir directory guide`` show the same steps.

The Entra steps and attribute mappings are the README's "Connecting Microsoft Entra ID"
(Microsoft's tutorial: https://learn.microsoft.com/en-us/entra/identity/app-provisioning/
use-scim-to-provision-users-and-groups); the 40-minute cycle is Entra's incremental cycle
(https://learn.microsoft.com/en-us/entra/identity/app-provisioning/how-provisioning-works).

The other IdPs' steps (:data:`GUIDES`) are section 9 ("Setup guide") of their pages in
docs/idp/, each of which cites the vendor's documentation; Okta's follow Okta's *Connect your
SCIM API service to Okta* (https://developer.okta.com/docs/guides/
scim-provisioning-integration-connect/main/). Google Workspace has no preset (it provisions only
to catalogue apps, docs/idp/google-workspace.md): its steps are part of the generic guide.
Steps are trusted markup written here; the only values put into them (the tenant URL, the
directory id) are escaped by :func:`setup_guide`.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from scimdir.service.directory_settings import DirectorySettings
from scimdir.service.ports import DirectoryRecord

__all__ = [
    "ENTRA_MAPPINGS",
    "GUIDES",
    "IDP_NAMES",
    "Guide",
    "Mapping",
    "SetupGuide",
    "setup_guide",
]

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


@dataclass(frozen=True)
class Guide:
    """The setup steps of one IdP: ``steps`` are markup with ``{tenant_url}`` and
    ``{directory_id}`` placeholders; ``mappings`` are the IdP-side attribute sources that fill
    what the preset requires; ``source`` is the page the steps come from."""

    title: str
    steps: tuple[str, ...]
    mappings: tuple[Mapping, ...]
    source: str
    note: str = ""


@dataclass(frozen=True)
class SetupGuide:
    """A :class:`Guide` for one directory: steps with its values filled in (escaped), and the
    attributes its settings require."""

    title: str
    steps: tuple[Markup, ...]
    mappings: tuple[Mapping, ...]
    required: tuple[str, ...]
    source: str
    note: str


_URL = "<code>{tenant_url}</code>"
_SECRET = "the <strong>Secret token</strong> above"
_CHECK = (
    "Assign a first user, then open this directory's page: every request, and every refusal "
    "with its fix, is in its log (<code>scimdir directory log {directory_id} --failures</code>)."
)

GUIDES: dict[str, Guide] = {
    "okta": Guide(
        "Set up provisioning in Okta",
        (
            "In the Okta Admin Console open <em>Applications → Create App Integration</em> and "
            "create a SAML 2.0 or SWA app (Okta offers SCIM for these, not for OIDC apps).",
            "On its <em>General</em> tab, <em>App Settings → Edit</em>, set "
            "<em>Provisioning</em> to <em>SCIM</em> and save.",
            "On the <em>Provisioning</em> tab, <em>Integration → Edit</em>: <em>SCIM connector "
            "base URL</em> = " + _URL + "; <em>Unique identifier field for users</em> = "
            "<code>userName</code>; tick <em>Push New Users</em>, <em>Push Profile Updates</em> "
            "and <em>Push Groups</em>.",
            "<em>Authentication Mode</em> = <em>HTTP Header</em>; <em>Authorization</em> = "
            + _SECRET
            + ". Press <em>Test Connector Configuration</em> (it lists users and groups) and "
            "save.",
            "Under <em>Provisioning → To App</em> enable <em>Create Users</em>, <em>Update User "
            "Attributes</em> and <em>Deactivate Users</em>. Okta deactivates rather than deletes.",
            "Check the mappings below, then assign people on <em>Assignments</em> and push "
            "groups on <em>Push Groups</em>.",
            _CHECK,
        ),
        (
            Mapping("userName", "Okta username (Application username format)", "match key"),
            Mapping(
                "displayName",
                'user.displayName, or user.firstName + " " + user.lastName',
                "required by the preset; some profiles have no displayName",
            ),
            Mapping('emails[type eq "work"].value', "user.email", "required by the preset"),
        ),
        "docs/idp/okta.md §2, §3",
    ),
    "onelogin": Guide(
        "Set up provisioning in OneLogin",
        (
            "In OneLogin open <em>Applications → Add App</em>, choose <em>SCIM Provisioner with "
            "SAML (SCIM v2 Enterprise)</em> and save.",
            "On the <em>Configuration</em> tab: <em>SCIM Base URL</em> = "
            + _URL
            + "; <em>SCIM Bearer Token</em> = "
            + _SECRET
            + "; <em>Custom Headers</em> <code>Content-Type: application/scim+json</code>.",
            "In the <em>SCIM JSON Template</em> keep the RFC schema URNs and add the mappings "
            "below; leave out parameters your users do not have (they would arrive empty).",
            "On the <em>Parameters</em> tab set <em>scimusername</em> to <em>Email</em> if the "
            "application expects e-mail user names.",
            "<em>Configuration → Enable</em>; on the <em>Provisioning</em> tab tick <em>Enable "
            "provisioning</em>, save, and assign users.",
            _CHECK,
        ),
        (
            Mapping("userName", "{$parameters.scimusername}", "required by the preset"),
            Mapping("displayName", "{$user.display_name}", "optional; templates often omit it"),
            Mapping('emails[type eq "work"].value', "{$user.email}", "optional"),
        ),
        "docs/idp/onelogin.md §9",
        "This preset deactivates users on DELETE and links existing accounts on create.",
    ),
    "jumpcloud": Guide(
        "Set up provisioning in JumpCloud",
        (
            "In the JumpCloud admin portal open <em>SSO</em>, your (custom SAML) application, "
            "then its <em>Identity Management</em> tab.",
            "<em>API Type</em> SCIM API; <em>SCIM Version</em> 2.0; <em>Base URL</em> = "
            + _URL
            + "; <em>Token Key</em> = "
            + _SECRET
            + " (Bearer Token).",
            "<em>Test User Email</em> = a new, unused address in your domain. <strong>Test "
            "Connection creates and then deletes a test user and group</strong> in this "
            "directory: they show up in its log.",
            "Press <em>Test Connection</em>, then <em>Activate</em>, then <em>Save</em>.",
            "On the <em>User Groups</em> tab bind the groups whose members are provisioned.",
            _CHECK,
        ),
        (
            Mapping("userName", "the user's e-mail (JumpCloud's login)", "required"),
            Mapping('emails[type eq "work"].value', "the user's e-mail", "required"),
        ),
        "docs/idp/jumpcloud.md §9",
        "Keep user linking off: Test Connection deletes its test user, and must never adopt a "
        "real account.",
    ),
    "pingone": Guide(
        "Set up provisioning in PingOne or PingFederate",
        (
            "In PingOne add a provisioning connection that uses the SCIM provisioner "
            "(PingFederate: an SP connection with an outbound provisioning channel and the SCIM "
            "Provisioner). Menu names change between releases: follow Ping's page for yours.",
            "<em>SCIM URL</em> = "
            + _URL
            + "; <em>SCIM Version</em> 2.0; <em>Authentication</em> = <em>OAuth 2 Bearer "
            "Token</em>; <em>Access Token</em> = " + _SECRET + ".",
            "<em>User Identifier</em> = <code>userName</code>; keep the default filter "
            'expression or use <code>userName eq "%s"</code>, never <code>email co "%s"</code>.',
            "Map the attributes below and choose the <em>Remove User Action</em> (disable or "
            "delete): scimdir does what the request says.",
            "Enable group provisioning if needed, and save.",
            _CHECK,
        ),
        (
            Mapping("userName", "the user identifier (username or e-mail)", "required; match key"),
            Mapping("displayName", "Formatted name", "recommended"),
            Mapping('emails[type eq "work"].value', "Email address", "recommended"),
        ),
        "docs/idp/pingone.md §9",
    ),
    "rippling": Guide(
        "Set up provisioning in Rippling",
        (
            "In Rippling open <em>IT → Third-Party Access → Add Integration → Create New "
            "Custom Integration</em> (older consoles: <em>Identity Management → Custom App → "
            "Create New App</em>) and tick <em>User Management via SCIM</em>.",
            "<em>SCIM Version</em> 2.0; <em>SCIM Base URL</em> = "
            + _URL
            + "; <em>SCIM Authorization Method</em> = <em>Bearer Token</em>.",
            "Tick <em>Supports Groups</em>, <em>Supports Pagination</em>, <em>Create &amp; "
            "Delete Groups</em> and <em>Use PATCH to edit Groups</em>; leave <em>Mutually "
            "Exclusive Groups</em> off.",
            "Under <em>Supported SCIM Attributes</em> list the attributes below (and "
            "<code>employeeNumber</code> if the application wants it).",
            "Install, paste " + _SECRET + " as the Bearer Token, set the access rules and press "
            "<em>Test Connection</em>.",
            _CHECK,
        ),
        (
            Mapping("userName", "work e-mail", "required by the preset"),
            Mapping("emails.primary", "work e-mail", "required by the preset"),
            Mapping("name.givenName / name.familyName", "first and last name", "recommended"),
            Mapping("externalId", "employee id", "recommended: stable across e-mail changes"),
        ),
        "docs/idp/rippling.md §9",
        "This preset deactivates users on DELETE: a rehire finds the account again.",
    ),
    "authentik": Guide(
        "Set up provisioning in authentik",
        (
            "In the authentik admin interface open <em>Applications → Providers → Create</em> "
            "and choose <em>SCIM Provider</em>.",
            "<em>URL</em> = " + _URL + "; <em>Token</em> = " + _SECRET + "; compatibility mode "
            "<em>Default</em>; keep the default user and group property mappings.",
            "Edit the application and add the provider under <em>Backchannel Providers</em>.",
            "Run a sync.",
            _CHECK,
        ),
        (
            Mapping("userName", "username (default mapping)", "required by the preset"),
            Mapping("displayName", "name (default mapping)", "required by the preset"),
        ),
        "docs/idp/authentik.md §9",
        "This preset links an existing account on create: authentik looks users up only "
        "after a 409.",
    ),
    "generic": Guide(
        "Set up provisioning in your SCIM 2.0 client",
        (
            "In the identity provider's SCIM provisioning settings enter " + _URL + " as the "
            "SCIM base URL and " + _SECRET + " as the bearer token (HTTP header "
            "<code>Authorization: Bearer &lt;token&gt;</code>), then test the connection.",
            "Map at least <code>userName</code>; this directory follows RFC 7644 strictly and "
            "accepts no IdP-specific shapes, so pick the IdP's own preset when there is one.",
            "<strong>Google Workspace</strong> provisions only to apps of its catalogue: there "
            "is no custom SCIM app. Provision from an IdP that has one (Entra, Okta, OneLogin, "
            "JumpCloud) with Google Workspace as its source.",
            _CHECK,
        ),
        (Mapping("userName", "a unique, stable login", "required (RFC 7643 §4.1)"),),
        "docs/idp/README.md; docs/idp/google-workspace.md §0, §4",
    ),
}
"""Setup steps per IdP preset, except Entra's (the console's own card, :data:`ENTRA_MAPPINGS`)."""


def setup_guide(directory: DirectoryRecord, tenant_url: str) -> SetupGuide | None:
    """The setup steps for ``directory``'s IdP with its tenant URL and id filled in (escaped:
    ``Markup.format`` escapes its arguments), or None for Entra and unknown IdPs."""
    guide = GUIDES.get(directory.idp)
    if guide is None:
        return None
    steps = tuple(
        Markup(step).format(tenant_url=tenant_url, directory_id=directory.id)
        for step in guide.steps
    )
    required = DirectorySettings.of(directory).required_attributes
    return SetupGuide(guide.title, steps, guide.mappings, required, guide.source, guide.note)
