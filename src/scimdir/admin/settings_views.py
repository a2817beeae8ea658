"""A directory's management pages: Advanced settings, Rotate secret, Reset directory, Delete.

- **Advanced settings** edit every setting of ``service/directory_settings.py`` and the IdP through
  ``DirectoryService.update`` (all or nothing; the service records the change in the
  provisioning log). Each field is checked on its own first, so every wrong field shows its
  message next to it; only the settings that changed are sent.
- **Rotate secret** issues a new secret (shown once) and keeps the old ones working for the chosen
  overlap (``DirectoryService.rotate``), so the IdP can be updated without a gap.
- **Reset** and **Delete** need the directory's name typed as confirmation; Reset states first what
  it removes (``service/reset_plan.py``) and whether users are deleted or kept unlinked
  (``DirectoryService.reset(unlink_users=...)``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimdir.admin.console import Console, read_form, signed_in
from scimdir.admin.manage import (
    IDP_LABELS,
    OVERLAPS,
    confirmed,
    idp_choices,
    missing_directory,
)
from scimdir.admin.session import Session
from scimdir.service.directories import AdminError, DirectoryNotFound, SettingRefused
from scimdir.service.directory_settings import (
    IDPS,
    MIN_RATE_LIMIT,
    REQUIRABLE,
    DirectorySettings,
    SettingError,
    preset,
)
from scimdir.service.ports import DirectoryRecord

__all__ = ["settings_routes"]

_FIELDS = (
    "user_linking",
    "deletion",
    "required_attributes",
    "undeclared_attributes",
    "rate_limit",
    "rate_limit_burst",
    "cycle_minutes",
)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _number(value: float) -> str:
    return f"{value:g}"


def _form_of(settings: DirectorySettings, idp: str) -> dict[str, Any]:
    """The settings form's values for ``settings``."""
    return {
        "idp": idp,
        "apply_preset": False,
        "user_linking": settings.user_linking,
        "deletion": settings.deletion,
        "required_attributes": list(settings.required_attributes),
        "undeclared_attributes": settings.undeclared_attributes,
        "rate_limit": _number(settings.rate_limit),
        "rate_limit_burst": _number(settings.rate_limit_burst),
        "cycle_minutes": str(settings.cycle_minutes),
    }


def _posted(form: Any) -> dict[str, Any]:
    """The settings form as posted (bounded lengths: the fields are short)."""
    return {
        "idp": str(form.get("idp") or "")[:40],
        "apply_preset": bool(form.get("apply_preset")),
        "user_linking": bool(form.get("user_linking")),
        "deletion": str(form.get("deletion") or "")[:40],
        "required_attributes": [str(v)[:40] for v in form.getlist("required_attributes")][:10],
        "undeclared_attributes": str(form.get("undeclared_attributes") or "")[:40],
        "rate_limit": str(form.get("rate_limit") or "0").strip()[:40],
        "rate_limit_burst": str(form.get("rate_limit_burst") or "0").strip()[:40],
        "cycle_minutes": str(form.get("cycle_minutes") or "").strip()[:40],
    }


def _field_errors(values: dict[str, Any]) -> tuple[dict[str, str], DirectorySettings]:
    """Each field's error (checked alone, so all are shown at once) and the settings they give."""
    errors: dict[str, str] = {}
    if values["idp"] not in IDPS:
        labels = ", ".join(IDP_LABELS.get(i, i) for i in IDPS)
        errors["idp"] = f"Choose one of the identity providers: {labels}."
    typed = DirectorySettings()
    for key in _FIELDS:
        try:
            typed = typed.with_value(key, values[key])
        except SettingError as exc:
            errors[key] = str(exc)
    return errors, typed


def settings_routes(console: Console) -> list[BaseRoute]:
    """The routes of the management pages."""
    services = console.services
    directories = services.directories

    def base(directory: DirectoryRecord, section: str) -> dict[str, Any]:
        return {"directory": directory, "section": section, "idp_labels": IDP_LABELS}

    async def load(request: Request) -> DirectoryRecord | None:
        try:
            return await console.call(directories.get, request.path_params["directory_id"])
        except DirectoryNotFound:
            return None

    # Advanced settings -------------------------------------------------------------------

    def settings_page(
        request: Request,
        session: Session,
        directory: DirectoryRecord,
        values: dict[str, Any],
        errors: dict[str, str],
        status: int = 200,
    ) -> Response:
        context = {
            **base(directory, "settings"),
            "values": values,
            "errors": errors,
            "choices": idp_choices(),
            "requirable": REQUIRABLE,
            "min_rate": _number(MIN_RATE_LIMIT),
            "saved": request.query_params.get("saved") == "1" and not errors,
        }
        return console.render(request, session, "settings.html", context, status=status)

    async def settings(request: Request, session: Session) -> Response:
        directory = await load(request)
        if directory is None:
            return missing_directory(console, request, session)
        if request.method == "GET":
            try:
                current = await console.call(directories.settings, directory.id)
            except SettingError as exc:  # a stored value this release refuses: show it to fix
                values = _form_of(DirectorySettings(), directory.idp)
                return settings_page(request, session, directory, values, {"form": str(exc)})
            return settings_page(request, session, directory, _form_of(current, directory.idp), {})
        values = _posted(await read_form(request))
        errors, typed = _field_errors(values)
        if errors:
            return settings_page(request, session, directory, values, errors, status=400)
        idp = values["idp"]
        wanted = typed.to_json()
        if values["apply_preset"]:
            wanted = preset(idp).to_json()
        try:
            stored = DirectorySettings.from_json(directory.settings).to_json()
        except SettingError:  # a stored value being repaired: send every setting
            stored = {}
        changes = {k: v for k, v in wanted.items() if stored.get(k) != v}
        try:
            await console.call(
                directories.update,
                directory.id,
                idp=idp if idp != directory.idp else None,
                settings=changes or None,
            )
        except SettingRefused as exc:
            errors = {exc.key: str(exc)}
        except AdminError as exc:
            errors = {"form": str(exc)}
        except DirectoryNotFound:
            return missing_directory(console, request, session)
        if errors:
            return settings_page(request, session, directory, values, errors, status=400)
        return console.redirect(request, f"/directories/{directory.id}/settings?saved=1")

    # Rotate secret ------------------------------------------------------------------------

    async def rotate(request: Request, session: Session) -> Response:
        directory = await load(request)
        if directory is None:
            return missing_directory(console, request, session)
        context: dict[str, Any] = {
            **base(directory, "rotate"),
            "overlaps": OVERLAPS,
            "chosen": "24h",
            "when": _when,
            "tenant_url": f"{console.public_url}/scim/{directory.id}/v2",
        }
        status = 200
        if request.method == "POST":
            chosen = str((await read_form(request)).get("overlap") or "")
            if chosen not in OVERLAPS:
                context["error"] = "Choose how long the old secret keeps working."
                status = 400
            else:
                try:
                    rotation = await console.call(
                        directories.rotate, directory.id, OVERLAPS[chosen][1]
                    )
                except DirectoryNotFound:
                    return missing_directory(console, request, session)
                context.update(
                    chosen=chosen,
                    secret=rotation.secret,
                    overlapped=OVERLAPS[chosen][1] is not None,
                    previous_stop=_when(rotation.previous_stop),
                )
        context["secrets"] = [
            s for s in await console.call(directories.secrets, directory.id) if s.live
        ]
        return console.render(request, session, "rotate.html", context, status=status)

    # Reset and Delete ---------------------------------------------------------------------

    async def reset(request: Request, session: Session) -> Response:
        directory = await load(request)
        if directory is None:
            return missing_directory(console, request, session)
        context: dict[str, Any] = {**base(directory, "reset"), "unlink": False, "typed": ""}
        status = 200
        if request.method == "POST":
            form = await read_form(request)
            context["unlink"] = form.get("users") == "unlink"
            context["typed"] = str(form.get("confirm") or "")[:200]
            if not confirmed(form.get("confirm"), directory.name):
                context["error"] = (
                    f"Type the directory's name, {directory.name}, exactly to confirm the reset. "
                    "Nothing was removed."
                )
                status = 400
            else:
                try:
                    users, groups = await console.call(
                        lambda: directories.reset(directory.id, unlink_users=context["unlink"])
                    )
                except DirectoryNotFound:
                    return missing_directory(console, request, session)
                context.update(done=True, users=users, groups=groups)
        try:
            context["plan"] = await console.call(services.reset_plans.plan, directory.id)
        except DirectoryNotFound:
            return missing_directory(console, request, session)
        return console.render(request, session, "reset.html", context, status=status)

    async def delete(request: Request, session: Session) -> Response:
        directory = await load(request)
        if directory is None:
            return missing_directory(console, request, session)
        context: dict[str, Any] = {**base(directory, "delete"), "typed": ""}
        status = 200
        if request.method == "POST":
            form = await read_form(request)
            context["typed"] = str(form.get("confirm") or "")[:200]
            if confirmed(form.get("confirm"), directory.name):
                try:
                    await console.call(directories.delete, directory.id)
                except DirectoryNotFound:
                    return missing_directory(console, request, session)
                return console.render(request, session, "deleted.html", {"name": directory.name})
            context["error"] = (
                f"Type the directory's name, {directory.name}, exactly to confirm. "
                "Nothing was deleted."
            )
            status = 400
        context["plan"] = await console.call(services.reset_plans.plan, directory.id)
        return console.render(request, session, "delete.html", context, status=status)

    both = ["GET", "POST"]
    prefix = "/directories/{directory_id}"
    return [
        Route(f"{prefix}/settings", signed_in(console, settings), methods=both),
        Route(f"{prefix}/rotate", signed_in(console, rotate), methods=both),
        Route(f"{prefix}/reset", signed_in(console, reset), methods=both),
        Route(f"{prefix}/delete", signed_in(console, delete), methods=both),
    ]
