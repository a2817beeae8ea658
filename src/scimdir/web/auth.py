"""Credentials of a SCIM request: ``Authorization: Bearer <secret>`` or HTTP Basic with the tenant
id as user name and the secret as password (the product's two modes)."""

from __future__ import annotations

import base64
import binascii


def presented_secret(authorization: str | None, tenant_id: str) -> str | None:
    """The secret a request presents for ``tenant_id``, or None when it presents none usable.

    A Basic user name other than the tenant id in the URL presents nothing, so one directory's
    credentials never open another.
    """
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        if sep and user == tenant_id and password:
            return password
    return None
