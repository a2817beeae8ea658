"""Whether an identity provider can reach a tenant URL at all.

Microsoft Entra's provisioning service runs in Microsoft's cloud and calls the tenant URL over
the internet ("The SCIM endpoint must be reachable from the internet",
https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups);
so do Okta's and the other IdPs' provisioning services. A tenant URL on a loopback address
(``127.0.0.1``, ``::1``, ``localhost``) or the unspecified address can never work from there:
*Test Connection* fails with a connection error that names nothing on our side. We say so when
the URL is handed out, with the fix (docs/deployment.md, "Reaching the server").
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["unreachable_reason"]

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def unreachable_reason(base_url: str) -> str | None:
    """Why an IdP in the cloud cannot reach ``base_url``, or None when it may.

    >>> unreachable_reason("http://127.0.0.1:8000") is not None
    True
    >>> unreachable_reason("https://scim.example.com") is None
    True
    """
    host = (urlsplit(base_url).hostname or "").lower()
    local = host in _LOCAL_NAMES or host.endswith(".localhost")
    if not local:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return None
        local = address.is_loopback or address.is_unspecified
    if not local:
        return None
    return (
        f"The tenant URL points at {host}, an address of this machine only: Entra, Okta and the "
        "other identity providers call from the internet and cannot reach it. Set "
        "SCIMDIR_PUBLIC_URL to the https address they reach (a reverse proxy, or a tunnel to "
        "try it from a laptop; docs/deployment.md, 'Reaching the server')."
    )
