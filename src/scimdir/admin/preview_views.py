"""The mapping preview page: paste or upload sample users (a JSON list of Entra user objects, or
the CSV of Entra's user export: *Users → Download users* in the Entra admin center) and see, per
user, the payload Entra would POST under a shipped mappings preset and whether this directory
would accept it, with the fix (``service/mapping_preview.py``, as ``scimdir mapping preview
--directory``).

The form is multipart (it takes a file), so this page reads its own body, bounded: a request
larger than :data:`MAX_UPLOAD` plus the form's overhead is refused with 413 before it is parsed,
and a file that is not UTF-8, JSON or Entra's CSV gets a message saying so, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message

from scimdir.admin.console import Console, csrf_refused, signed_in
from scimdir.admin.manage import IDP_LABELS, missing_directory
from scimdir.admin.session import Session
from scimdir.mapping.mappings import PRESETS
from scimdir.mapping.preview import summarize, users_from_text
from scimdir.service.directories import AdminError, DirectoryNotFound
from scimdir.service.mapping_preview import MAX_USERS
from scimdir.service.ports import DirectoryRecord

__all__ = ["MAX_UPLOAD", "preview_routes"]

MAX_UPLOAD = 1024 * 1024
"""The largest users file or pasted text (1 MiB: thousands of users, more than a preview needs)."""
_OVERHEAD = 16 * 1024
_TOO_LARGE = f"The upload is too large: a preview takes at most {MAX_UPLOAD // 1024} KiB of users."
_PRESET_LABELS = {
    "entra-recommended": "Entra, recommended mappings (never-empty displayName and e-mail)",
    "entra-defaults": "Entra, default mappings",
}


class TooLarge(Exception):
    """The request body is larger than the preview takes."""


async def _bounded(request: Request, limit: int) -> Request:
    """``request`` with its body read, at most ``limit`` bytes. :raises TooLarge:"""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    body = b"".join(chunks)

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, replay)


async def _users_text(form: FormData) -> tuple[str, str]:
    """The sample users' text and where it came from (a chosen file wins over pasted text).

    :raises TooLarge: a file over :data:`MAX_UPLOAD`. :raises ValueError: not UTF-8 text.
    """
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise TooLarge
        try:
            return data.decode("utf-8-sig"), upload.filename
        except UnicodeDecodeError:
            raise ValueError(
                f"{upload.filename} is not UTF-8 text: upload the JSON or the CSV of Entra's "
                "user export as it was downloaded"
            ) from None
    pasted = form.get("users")
    return (pasted if isinstance(pasted, str) else ""), "The pasted text"


def preview_routes(console: Console) -> list[BaseRoute]:
    """The mapping preview route."""
    services = console.services

    def page(
        request: Request,
        session: Session,
        directory: DirectoryRecord,
        extra: dict[str, Any],
        status: int = 200,
    ) -> Response:
        context = {
            "directory": directory,
            "section": "preview",
            "idp_labels": IDP_LABELS,
            "presets": _PRESET_LABELS,
            "preset": "entra-recommended",
            "pasted": "",
            "max_kib": MAX_UPLOAD // 1024,
            "max_users": MAX_USERS,
            "pretty": _pretty,
            **extra,
        }
        return console.render(request, session, "preview.html", context, status=status)

    async def run(
        request: Request, session: Session, directory: DirectoryRecord, form: FormData
    ) -> Response:
        chosen = str(form.get("preset") or "")
        pasted = form.get("users")
        kept = {"preset": chosen, "pasted": pasted if isinstance(pasted, str) else ""}
        if chosen not in PRESETS:
            return page(
                request, session, directory, {**kept, "error": "Choose a mappings preset."}, 400
            )
        try:
            text, source = await _users_text(form)
            users = users_from_text(text, source)
            previews = await console.call(
                services.mapping_preview.preview, directory.id, chosen, users
            )
        except (ValueError, AdminError) as exc:  # AdminError is a ValueError; named for clarity
            message = str(exc)
            return page(
                request,
                session,
                directory,
                {**kept, "error": message[:1].upper() + message[1:] + "."},
                400,
            )
        except TooLarge:
            return page(request, session, directory, {**kept, "error": _TOO_LARGE}, 413)
        except DirectoryNotFound:
            return missing_directory(console, request, session)
        return page(
            request,
            session,
            directory,
            {**kept, "previews": previews, "summary": sorted(summarize(previews).items())},
        )

    async def view(request: Request, session: Session) -> Response:
        try:
            directory = await console.call(
                services.directories.get, request.path_params["directory_id"]
            )
        except DirectoryNotFound:
            return missing_directory(console, request, session)
        if request.method == "GET":
            return page(request, session, directory, {})
        return await run(request, session, directory, request.state.preview_form)

    return [
        Route(
            "/directories/{directory_id}/preview",
            _with_upload(console, signed_in(console, view)),
            methods=["GET", "POST"],
        )
    ]


def _with_upload(
    console: Console, inner: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """Read a POST's multipart form, bounded, before ``signed_in`` checks its CSRF token.

    ``signed_in`` reads the form with the console's limits for small forms (no files); this reads
    it first with room for one file, so the same parsed form is found there (Starlette keeps it on
    the request) and passed to the view.
    """

    async def endpoint(request: Request) -> Response:
        if request.method != "POST":
            return await inner(request)
        session = await console.session(request)
        if session.admin_id is None:
            return console.redirect(request, "/login", session)
        try:
            bounded = await _bounded(request, MAX_UPLOAD + _OVERHEAD)
            form = await bounded.form(max_files=1, max_fields=10, max_part_size=MAX_UPLOAD)
        except TooLarge:
            return _refused(console, request, session, 413, "The upload is too large", _TOO_LARGE)
        except (HTTPException, MultiPartException):
            return _refused(
                console,
                request,
                session,
                400,
                "The form could not be read",
                "Send the preview form from the console page again.",
            )
        try:
            if not session.csrf_ok(form.get("csrf_token")):
                return csrf_refused(console, request, session)
            bounded.state.preview_form = form
            return await inner(bounded)
        finally:
            await form.close()  # the uploaded file's temporary file

    return endpoint


def _pretty(payload: object) -> str:
    """A payload as indented JSON text (the template escapes it like any IdP value)."""
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _refused(
    console: Console, request: Request, session: Session, status: int, title: str, message: str
) -> Response:
    return console.render(
        request, session, "error.html", {"title": title, "message": message}, status=status
    )
