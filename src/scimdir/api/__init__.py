"""The management API (``/api/v1``): FastAPI routers over the service layer.

A thin adapter like ``web/`` and ``cli/``: it authenticates API keys, validates requests with
pydantic models, calls one service use case per route and renders errors as RFC 9457 problems.
It never touches storage.
"""

from scimdir.api.app import TITLE, api_not_found, create_api

__all__ = ["TITLE", "api_not_found", "create_api"]
