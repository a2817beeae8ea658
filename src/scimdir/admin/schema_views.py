"""A directory's **Extension schemas** page: list, declare and remove the extension schemas of its
users and groups (RFC 7643 §3, §3.3; docs/extensions.md).

The third way to declare an extension, beside ``scimdir schema add`` and
``POST /api/v1/directories/{id}/schemas``: the form builds the management API's JSON body and
hands it to ``ExtensionSchemaService.add``, so all three are validated by the same code
(``scim/extensions.py``). Attributes are typed one per line in the CLI's
``NAME[:TYPE][:multi][:exact][:required][:unique]`` syntax (:func:`parse_attribute_spec`), which
needs no script in the page. A refused declaration is shown above the form with what was typed
(400); nothing is declared. Removing asks for confirmation first: the stored values stay in the
resource documents but are no longer validated, returned as declared or filterable.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimdir.admin.console import Console, read_form, signed_in
from scimdir.admin.manage import missing_directory
from scimdir.admin.session import Session
from scimdir.scim.extensions import DeclarationError, parse_attribute_spec
from scimdir.service.admin_users import AdminConflict
from scimdir.service.directories import AdminError, DirectoryNotFound
from scimdir.service.directory_settings import SettingError
from scimdir.service.extension_schemas import SchemaNotDeclared
from scimdir.service.ports import DirectoryRecord

__all__ = ["parse_attribute_lines", "schema_routes"]

RESOURCE_TYPES = ("User", "Group")
_MAX_LINES = 100  # the service's limit of attributes per extension
_MAX_TEXT = 20_000
_EXAMPLE_URN = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
_EMPTY = {"urn": "", "resource_type": "User", "attributes": "", "name": "", "description": ""}


def parse_attribute_lines(text: str) -> list[dict[str, Any]]:
    """One attribute per non-blank line, in the CLI's ``NAME[:TYPE][:flag...]`` syntax.

    :raises DeclarationError: no attribute, too many lines, or a line that is not a spec (the
        message names the line).
    """
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise DeclarationError(
            "Give at least one attribute, one per line, e.g. costCenter or level:integer."
        )
    if len(lines) > _MAX_LINES:
        raise DeclarationError(f"At most {_MAX_LINES} attributes per extension.")
    return [parse_attribute_spec(line, label=f"Line {n}") for n, line in lines]


def _posted(form: Any) -> dict[str, str]:
    """The declaration form as posted (bounded lengths)."""
    return {
        "urn": str(form.get("urn") or "").strip()[:1000],
        "resource_type": str(form.get("resource_type") or "User")[:20],
        "attributes": str(form.get("attributes") or "")[:_MAX_TEXT],
        "name": str(form.get("name") or "").strip()[:1000],
        "description": str(form.get("description") or "").strip()[:_MAX_TEXT],
    }


def schema_routes(console: Console) -> list[BaseRoute]:
    """The routes of the Extension schemas page and its removal confirmation."""
    services = console.services
    directories = services.directories
    schemas = services.extension_schemas

    async def load(request: Request) -> DirectoryRecord | None:
        try:
            return await console.call(directories.get, request.path_params["directory_id"])
        except DirectoryNotFound:
            return None

    async def page(
        request: Request,
        session: Session,
        directory: DirectoryRecord,
        values: dict[str, str],
        error: str = "",
        status: int = 200,
    ) -> Response:
        try:
            undeclared: str | None = (
                await console.call(directories.settings, directory.id)
            ).undeclared_attributes
        except SettingError:  # a stored value this release refuses: Advanced settings fixes it
            undeclared = None
        context = {
            "directory": directory,
            "section": "schemas",
            "declarations": await console.call(schemas.list, directory.id),
            "undeclared": undeclared,
            "values": values,
            "error": error,
            "resource_types": RESOURCE_TYPES,
            "example_urn": _EXAMPLE_URN,
            "declared": request.query_params.get("declared", "")[:300] if not error else "",
            "removed": request.query_params.get("removed", "")[:300] if not error else "",
        }
        return console.render(request, session, "schemas.html", context, status=status)

    async def listing(request: Request, session: Session) -> Response:
        directory = await load(request)
        if directory is None:
            return missing_directory(console, request, session)
        if request.method == "GET":
            return await page(request, session, directory, _EMPTY)
        values = _posted(await read_form(request))
        try:
            if values["resource_type"] not in RESOURCE_TYPES:
                raise DeclarationError("Choose the resource type: User or Group.")
            data = {
                "urn": values["urn"],
                "resourceType": values["resource_type"],
                "name": values["name"],
                "description": values["description"],
                "attributes": parse_attribute_lines(values["attributes"]),
            }
            declaration = await console.call(schemas.add, directory.id, data)
        except (DeclarationError, AdminError, AdminConflict) as exc:
            return await page(request, session, directory, values, str(exc), status=400)
        except DirectoryNotFound:
            return missing_directory(console, request, session)
        query = urlencode({"declared": declaration.urn})
        return console.redirect(request, f"/directories/{directory.id}/schemas?{query}")

    async def remove(request: Request, session: Session) -> Response:
        directory = await load(request)
        if directory is None:
            return missing_directory(console, request, session)
        form = await read_form(request)
        urn = str(form.get("urn") or "")[:1000]
        try:
            declaration = await console.call(schemas.get, directory.id, urn)
            if form.get("confirm") != "yes":
                context = {"directory": directory, "section": "schemas", "declaration": declaration}
                return console.render(request, session, "schema_remove.html", context)
            gone = await console.call(schemas.remove, directory.id, urn)
        except SchemaNotDeclared:
            return await page(
                request,
                session,
                directory,
                _EMPTY,
                f"No extension {urn} is declared for this directory; nothing was removed.",
                status=404,
            )
        except DirectoryNotFound:
            return missing_directory(console, request, session)
        query = urlencode({"removed": gone.urn})
        return console.redirect(request, f"/directories/{directory.id}/schemas?{query}")

    prefix = "/directories/{directory_id}/schemas"
    return [
        Route(prefix, signed_in(console, listing), methods=["GET", "POST"]),
        Route(f"{prefix}/remove", signed_in(console, remove), methods=["POST"]),
    ]
