"""How CLI commands print: one JSON value with ``--json``, aligned tables for people, and
service errors as one ``Error:`` line on stderr with exit status 1.

JSON output of the user and group commands is the management API's own models
(``scimdir.api.resource_models``), so a script sees the same shape from the shell and from HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from pydantic import BaseModel

from scimdir.cli.state import fail
from scimdir.service.admin_groups import GroupNotFound
from scimdir.service.admin_users import UserNotFound
from scimdir.service.api_keys import ApiKeyNotFound
from scimdir.service.directories import AdminError, DirectoryNotFound

directory_option = click.option(
    "--directory", "directory_id", required=True, help="The directory id."
)
"""``--directory ID``: the directory a user or group command works in."""
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
"""``--json``: print the result as one JSON object (the stable interface for scripts)."""

__all__ = [
    "directory_option",
    "echo_json",
    "echo_pairs",
    "echo_table",
    "json_option",
    "service_errors",
]


def echo_json(value: BaseModel | Any) -> None:
    """Print ``value`` (a pydantic model or plain JSON data) as one line of JSON."""
    if isinstance(value, BaseModel):
        click.echo(value.model_dump_json())
    else:
        click.echo(json.dumps(value))


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print ``rows`` under ``headers``, columns aligned (``-`` for an empty cell)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    for row in [list(headers), *cells]:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def echo_pairs(pairs: Sequence[tuple[str, Any]]) -> None:
    """Print ``key  value`` lines, keys aligned."""
    width = max((len(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        click.echo(f"{key.ljust(width)}  {_cell(value)}")


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value) or "-"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


@contextmanager
def service_errors() -> Iterator[None]:
    """Turn the service's refusals and unknown ids into an ``Error:`` line and exit status 1."""
    try:
        yield
    except DirectoryNotFound as exc:
        fail(f"no directory {exc}")
    except UserNotFound as exc:
        fail(f"no user {exc} in this directory")
    except GroupNotFound as exc:
        fail(f"no group {exc} in this directory")
    except ApiKeyNotFound as exc:
        fail(f"no API key {exc}")
    except AdminError as exc:
        fail(str(exc))
