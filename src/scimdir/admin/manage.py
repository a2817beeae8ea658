"""What the directory management pages share (Advanced settings, Rotate secret, Reset, Delete,
Mapping preview): the IdP labels and what each IdP's choice means, the overlap periods of a
secret rotation, the typed confirmation, and the 404 of a directory that is gone.

Changing a directory's IdP changes its dialect (the quirks of ``scim/dialects.py`` its requests
are accepted with) at once; its settings stay as they are unless the admin also applies the new
IdP's preset (``service/directory_settings.py``, :func:`preset`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from scimdir.admin.console import Console
from scimdir.admin.session import Session
from scimdir.scim.dialects import DIALECTS
from scimdir.scim.quirks import LENIENT_PREFIX
from scimdir.service.directory_settings import IDPS, DirectorySettings, preset
from scimdir.service.setup_guides import IDP_NAMES

__all__ = [
    "IDP_LABELS",
    "OVERLAPS",
    "IdpChoice",
    "confirmed",
    "idp_choices",
    "missing_directory",
]

IDP_LABELS: dict[str, str] = {
    **IDP_NAMES,
    "pingone": "PingOne",
    "authentik": "authentik",
}

OVERLAPS: dict[str, tuple[str, timedelta | None]] = {
    "none": ("None: the old secret stops working now", None),
    "1h": ("1 hour", timedelta(hours=1)),
    "24h": ("24 hours", timedelta(hours=24)),
    "7d": ("7 days", timedelta(days=7)),
}
"""The overlap periods a rotation offers: form value -> (label, how long old secrets work)."""


@dataclass(frozen=True)
class IdpChoice:
    """One IdP: its label, the quirks its dialect accepts (beyond the lenient ones every dialect
    runs), and its preset settings."""

    key: str
    label: str
    quirks: tuple[tuple[str, str], ...]
    preset: DirectorySettings


def idp_choices() -> list[IdpChoice]:
    """Every IdP a directory can be set to, in the order of ``IDPS``."""
    choices = []
    for key in IDPS:
        quirks = tuple(
            (q.name, q.summary)
            for q in DIALECTS[key].quirks
            if not q.name.startswith(LENIENT_PREFIX)
        )
        choices.append(IdpChoice(key, IDP_LABELS.get(key, key), quirks, preset(key)))
    return choices


def confirmed(typed: object, name: str) -> bool:
    """Whether the typed confirmation is the directory's name (surrounding spaces ignored)."""
    return isinstance(typed, str) and typed.strip() == name.strip()


def missing_directory(console: Console, request: Request, session: Session) -> Response:
    """The 404 page of a directory that does not exist (any more)."""
    return console.render(
        request,
        session,
        "error.html",
        {"title": "No such directory", "message": "It may have been deleted."},
        status=404,
    )
