"""The admin console at ``/admin``: server-rendered pages over the service layer (docs/console.md).

Like the management API (``scimdir.api``) it calls :class:`scimdir.composition.Services` use
cases only, never storage. :func:`create_console` builds the ASGI app that ``web/app.py`` mounts.
"""

from scimdir.admin.app import create_console
from scimdir.admin.headers import admin_root

__all__ = ["admin_root", "create_console"]
