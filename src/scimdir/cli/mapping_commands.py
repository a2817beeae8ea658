"""``scimdir mapping``: evaluate Entra attribute-mapping expressions from the command line.

``scimdir mapping eval --jsonl`` is a stable machine interface (docs/idp/entra-expressions.md §9):
one JSON request per stdin line, ``{"expression", "attributes", "context"?}``, answered in order by
one JSON line, ``{"value": V}``, ``{"value": null, "flow": "ignored"}`` or ``{"error": message,
"position": N}``. One bad line, even invalid JSON, never stops the rest. ``scimdir mapping eval
'EXPR'`` is the human form: it prints the value, or the error with a caret under its position (exit
code 1). ``scimdir mapping preset NAME`` prints a shipped mappings preset; ``scimdir mapping
preview`` shows the payload Entra would send for sample users and which the directory would refuse;
with ``--directory ID`` it applies that directory's policies (required attributes from its settings,
userName uniqueness against its users) read through the service layer.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import click

from scimdir.composition import build_services
from scimdir.mapping import EvalContext, MappingError, evaluate
from scimdir.mapping.mappings import (
    PRESETS,
    load_mappings,
    matching_targets,
    preset_text,
)
from scimdir.mapping.preview import (
    TargetWarning,
    UserPreview,
    duplicate_user_names,
    load_users,
    preview_users,
    summarize,
)
from scimdir.mapping.values import to_json
from scimdir.service.directories import DirectoryNotFound
from scimdir.service.ports import normalize_user_name
from scimdir.service.preview_policy import DirectoryPreviewPolicy
from scimdir.settings import Settings

__all__ = ["answer_line", "mapping"]


@click.group()
def mapping() -> None:
    """Evaluate and preview Microsoft Entra attribute-mapping expressions."""


def _object(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"{what} is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{what} must be a JSON object")
    return data


def answer_line(line: str) -> dict[str, Any]:
    """The JSON answer to one request line (never raises)."""
    try:
        request = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"The line is not valid JSON: {exc.msg}.", "position": None}
    if not isinstance(request, dict):
        return {"error": "Each line must be a JSON object with an expression.", "position": None}
    expression = request.get("expression")
    attributes = request.get("attributes", {})
    if not isinstance(expression, str):
        return {"error": '"expression" must be a string.', "position": None}
    if not isinstance(attributes, Mapping):
        return {"error": '"attributes" must be a JSON object.', "position": None}
    try:
        context = EvalContext.from_json(request.get("context") or {})
    except ValueError as exc:
        return {"error": f"{exc}.", "position": None}
    try:
        return evaluate(expression, attributes, context).to_json()
    except MappingError as exc:
        return {"error": exc.message, "position": exc.position}
    except Exception:  # a bug must not stop the other lines, nor leak internals
        return {"error": "Internal error while evaluating this expression.", "position": None}


def _run_jsonl(stdin: TextIO) -> None:
    for line in stdin:
        if not line.strip():
            continue
        click.echo(json.dumps(answer_line(line), ensure_ascii=False))


@mapping.command("eval")
@click.argument("expression", required=False)
@click.option(
    "--attributes",
    default="{}",
    show_default=True,
    help='The source object as a JSON object, e.g. \'{"givenName": "John"}\'.',
)
@click.option(
    "--context",
    "context_json",
    default=None,
    help='JSON object: {"now": ISO-8601, "defaultDomain": str, "existingValues": [...]}.',
)
@click.option("--jsonl", is_flag=True, help="Read JSON Lines requests on stdin (machine form).")
def eval_command(
    expression: str | None, attributes: str, context_json: str | None, jsonl: bool
) -> None:
    """Evaluate EXPRESSION over --attributes and print the value."""
    if jsonl:
        if expression is not None:
            raise click.UsageError("--jsonl reads expressions from stdin; drop EXPRESSION.")
        _run_jsonl(sys.stdin)
        return
    if expression is None:
        raise click.UsageError("Give an EXPRESSION, or --jsonl to read requests from stdin.")
    source = _object(attributes, "--attributes")
    try:
        context = EvalContext.from_json(_object(context_json or "{}", "--context"))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    try:
        result = evaluate(expression, source, context)
    except MappingError as exc:
        click.echo(exc.caret(expression), err=True)
        raise SystemExit(1) from None
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.ignored:
        click.echo("(no value: IgnoreFlowIfNullOrEmpty drops the attribute from the flow)")
    elif isinstance(result.value, str):
        click.echo(result.value)
    else:
        click.echo(json.dumps(to_json(result.value), ensure_ascii=False))


@mapping.command("preset")
@click.argument("name", type=click.Choice(PRESETS))
def preset_command(name: str) -> None:
    """Print the mappings preset NAME (YAML), ready to edit and pass to preview."""
    click.echo(preset_text(name), nl=False)


def _read_users(path: Path) -> list[dict[str, Any]]:
    try:
        return load_users(path)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@mapping.command("preview")
@click.option(
    "--mappings",
    "mappings_path",
    required=True,
    help=f"Mappings file (JSON or YAML), or a preset name: {', '.join(PRESETS)}.",
)
@click.option(
    "--users",
    "users_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Sample users: a JSON list of Entra user objects, or Entra's user-export CSV.",
)
@click.option("--context", "context_json", default=None, help="JSON object, as for 'mapping eval'.")
@click.option(
    "--directory",
    "directory_id",
    default=None,
    help="Also check this directory's policies: its required attributes and userName uniqueness "
    "against its current users (reads the database of SCIMDIR_DATABASE_URL).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: users and summary.")
def preview_command(
    mappings_path: str,
    users_path: Path,
    context_json: str | None,
    directory_id: str | None,
    as_json: bool,
) -> None:
    """Show, per user, the SCIM payload Entra would POST and whether it would be accepted."""
    if mappings_path in PRESETS:
        text = preset_text(mappings_path)
    else:
        try:
            text = Path(mappings_path).read_text("utf-8")
        except OSError as exc:
            raise click.BadParameter(f"cannot read {mappings_path}: {exc.strerror}") from None
    try:
        mappings = load_mappings(text)
        context = EvalContext.from_json(_object(context_json or "{}", "--context"))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    users = _read_users(users_path)
    warnings: list[TargetWarning] = []
    if directory_id is None:
        previews = preview_users(mappings, users, context=context)
        previews = duplicate_user_names(previews, normalize_user_name)
    else:
        services = build_services(Settings())
        try:
            services.storage.migrate()
            try:
                policy = DirectoryPreviewPolicy(
                    services.directories, services.storage, directory_id, matching_targets(mappings)
                )
            except DirectoryNotFound:
                raise click.BadParameter(
                    f"no directory {directory_id!r}; 'scimdir directory list' shows the ids"
                ) from None
            warnings = policy.target_warnings(m.target for m in mappings)
            previews = preview_users(mappings, users, context=context, policy=policy.required)
            previews = duplicate_user_names(previews, normalize_user_name)
            previews = [policy.against_existing(preview) for preview in previews]
        finally:
            services.storage.dispose()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "targets": [
                        {
                            "target": w.target,
                            "outcome": w.outcome,
                            "message": w.message,
                            "fix": w.fix,
                        }
                        for w in warnings
                    ],
                    "users": [_preview_json(p) for p in previews],
                    "summary": summarize(previews),
                },
                ensure_ascii=False,
            )
        )
        return
    for warning in warnings:
        click.echo(
            f"warning: target {warning.target} would be {warning.outcome}: {warning.message}"
            + (f"; fix: {warning.fix}" if warning.fix else ""),
            err=True,
        )
    for preview in previews:
        verdict = "OK" if preview.ok else "WOULD FAIL"
        click.echo(f"== {preview.label}: {verdict}")
        click.echo(json.dumps(preview.payload, indent=2, ensure_ascii=False))
        for target, error in preview.errors.items():
            click.echo(f"  error in {target}: {error.message}")
        for problem in preview.problems:
            click.echo(
                f"  {problem.reason} {problem.attribute}: {problem.message}; fix: {problem.fix}"
            )
        for note in preview.notes:
            click.echo(f"  note: {note}")
    counts = summarize(previews)
    click.echo("Summary: " + ", ".join(f"{reason}: {n}" for reason, n in sorted(counts.items())))


def _preview_json(preview: UserPreview) -> dict[str, Any]:
    """One user's preview as JSON (``mapping preview --json``)."""
    return {
        "label": preview.label,
        "ok": preview.ok,
        "payload": preview.payload,
        "errors": {target: error.message for target, error in preview.errors.items()},
        "problems": [
            {"reason": p.reason, "attribute": p.attribute, "message": p.message, "fix": p.fix}
            for p in preview.problems
        ],
        "notes": list(preview.notes),
    }
