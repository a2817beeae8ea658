"""The interactive documentation page at ``/api/v1/docs``, served entirely from the package.

Swagger UI's files ship in ``static/`` (see its README for the version and licence), so the page
works without reaching a CDN: an air-gapped server, or a strict Content-Security-Policy.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

__all__ = ["install"]


def install(app: FastAPI, title: str) -> None:
    """Add ``/docs`` and ``/static`` to ``app`` (mounted at ``/api/v1``)."""
    app.mount("/static", StaticFiles(packages=[("scimdir.api", "static")]), name="api-static")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=title,
            swagger_js_url=f"{root}/static/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/static/swagger-ui.css",
            swagger_favicon_url=f"{root}/static/favicon-32x32.png",
        )
