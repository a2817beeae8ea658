"""Factory for ``uvicorn --factory scimdir.web.asgi:app_factory`` (worker processes).

Settings come from the ``SCIMDIR_`` environment, which the CLI's ``serve`` sets before it starts
uvicorn. Migrations have already run in the parent process, so workers do not repeat them.
"""

from __future__ import annotations

from fastapi import FastAPI

from scimdir.settings import Settings
from scimdir.web.app import create_app


def app_factory() -> FastAPI:
    """Build the app from the environment."""
    return create_app(Settings(), migrate=False)
