"""``scimdir schema ...``: a directory's declared extension schemas (docs/extensions.md).

::

    scimdir schema add --directory ID urn:ietf:params:scim:schemas:extension:acme:2.0:User \\
        --attribute costCenter --attribute badges:string:multi --attribute level:integer
    scimdir schema list --directory ID [--json]
    scimdir schema show --directory ID URN [--json]
    scimdir schema remove --directory ID URN

``--attribute`` takes ``NAME[:TYPE][:multi][:exact][:required][:unique]``
(:func:`scimdir.scim.extensions.parse_attribute_spec`); ``--file`` takes the whole declaration as
the management API's JSON body instead.
"""

from __future__ import annotations

import json
from typing import Any

import click

from scimdir.cli.output import directory_option, echo_json, echo_table, json_option, service_errors
from scimdir.cli.state import CliState, fail, pass_state
from scimdir.scim.extensions import DeclarationError, ExtensionDeclaration, parse_attribute_spec
from scimdir.service.extension_schemas import SchemaNotDeclared


@click.group()
def schema() -> None:
    """Declare the extension schemas of a directory's users and groups."""


def _print(declaration: ExtensionDeclaration) -> None:
    click.echo(f"{declaration.urn}  ({declaration.resource_type})")
    echo_table(
        ["ATTRIBUTE", "TYPE", "MULTI", "CASE EXACT", "REQUIRED", "UNIQUE"],
        [
            [
                a.name,
                a.type.value,
                a.multi_valued,
                a.case_exact,
                a.required,
                a.uniqueness.value,
            ]
            for a in declaration.attributes
        ],
    )


@schema.command("add")
@directory_option
@click.argument("urn")
@click.option(
    "--attribute",
    "attributes",
    multiple=True,
    help="NAME[:TYPE][:multi][:exact][:required][:unique]; TYPE is string (default), boolean, "
    "integer, decimal, dateTime or reference. Repeat for each attribute.",
)
@click.option(
    "--resource-type",
    type=click.Choice(["User", "Group"]),
    default="User",
    show_default=True,
    help="Whose extension it is.",
)
@click.option("--name", default="", help="A short name shown in /Schemas.")
@click.option("--description", default="", help="Shown in /Schemas.")
@click.option(
    "--file",
    "path",
    type=click.File("r"),
    help="The declaration as JSON (the management API's body); URN and options then unused.",
)
@json_option
@pass_state
def schema_add(
    state: CliState,
    directory_id: str,
    urn: str,
    attributes: tuple[str, ...],
    resource_type: str,
    name: str,
    description: str,
    path: Any,
    as_json: bool,
) -> None:
    """Declare the extension URN with its attributes for the directory."""
    if path is not None:
        try:
            data: Any = json.load(path)
        except ValueError as exc:
            fail(f"--file is not JSON: {exc}")
    else:
        if not attributes:
            fail("give at least one --attribute NAME[:TYPE], e.g. --attribute costCenter:string")
        try:
            specs = [parse_attribute_spec(a) for a in attributes]
        except DeclarationError as exc:
            fail(str(exc))
        data = {
            "urn": urn,
            "resourceType": resource_type,
            "name": name,
            "description": description,
            "attributes": specs,
        }
    with service_errors():
        declaration = state.services.extension_schemas.add(directory_id, data)
    if as_json:
        echo_json(declaration.to_json())
        return
    click.echo("Declared:")
    _print(declaration)


@schema.command("list")
@directory_option
@json_option
@pass_state
def schema_list(state: CliState, directory_id: str, as_json: bool) -> None:
    """List the directory's declared extension schemas."""
    with service_errors():
        declarations = state.services.extension_schemas.list(directory_id)
    if as_json:
        echo_json([d.to_json() for d in declarations])
        return
    if not declarations:
        click.echo("No extension schemas declared. Add one with `scimdir schema add`.")
    for declaration in declarations:
        _print(declaration)
        click.echo("")


@schema.command("show")
@directory_option
@click.argument("urn")
@json_option
@pass_state
def schema_show(state: CliState, directory_id: str, urn: str, as_json: bool) -> None:
    """Show one declared extension schema."""
    with service_errors():
        try:
            declaration = state.services.extension_schemas.get(directory_id, urn)
        except SchemaNotDeclared:
            fail(f"no extension {urn} is declared for this directory")
    if as_json:
        echo_json(declaration.to_json())
        return
    _print(declaration)


@schema.command("remove")
@directory_option
@click.argument("urn")
@pass_state
def schema_remove(state: CliState, directory_id: str, urn: str) -> None:
    """Remove a declaration (stored values stay in the documents, no longer filterable)."""
    with service_errors():
        try:
            gone = state.services.extension_schemas.remove(directory_id, urn)
        except SchemaNotDeclared:
            fail(f"no extension {urn} is declared for this directory")
    click.echo(f"Removed {gone.urn}.")
