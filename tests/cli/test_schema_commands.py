"""`scimdir schema add|list|show|remove`: a directory's declared extension schemas."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Run

ACME = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"


def _directory(run: Run) -> str:
    return str(json.loads(run("directory", "create", "--name", "D", "--json"))["id"])


def test_add_with_attribute_specs_then_list_show_and_remove(run: Run) -> None:
    """The declaration made from --attribute specs is listed, shown and removed."""
    d = _directory(run)
    added = json.loads(
        run(
            "schema", "add", "--directory", d, ACME,
            "--attribute", "costCenter",
            "--attribute", "level:integer:required",
            "--attribute", "tags:string:multi",
            "--json",
        )
    )  # fmt: skip
    assert [a["name"] for a in added["attributes"]] == ["costCenter", "level", "tags"]
    assert added["attributes"][1]["type"] == "integer" and added["attributes"][1]["required"]
    assert added["attributes"][2]["multiValued"] is True
    listed = json.loads(run("schema", "list", "--directory", d, "--json"))
    assert [s["urn"] for s in listed] == [ACME]
    shown = run("schema", "show", "--directory", d, ACME)
    assert "level" in shown and "integer" in shown
    assert "Removed" in run("schema", "remove", "--directory", d, ACME)
    assert json.loads(run("schema", "list", "--directory", d, "--json")) == []


def test_add_from_a_json_file(run: Run, tmp_path: Path) -> None:
    """--file takes the management API's body."""
    d = _directory(run)
    path = tmp_path / "decl.json"
    path.write_text(
        json.dumps(
            {
                "urn": "urn:ietf:params:scim:schemas:extension:acme:2.0:Group",
                "resourceType": "Group",
                "attributes": [{"name": "site"}],
            }
        )
    )
    added = json.loads(run("schema", "add", "--directory", d, "x", "--file", str(path), "--json"))
    assert added["resourceType"] == "Group"


def test_refusals_are_one_error_line(run: Run) -> None:
    """A bad URN, a bad attribute, a second declaration and an unknown id fail clearly."""
    d = _directory(run)
    out = run("schema", "add", "--directory", d, "not-a-urn", "--attribute", "a", ok=False)
    assert "Error: urn 'not-a-urn' is not a URN" in out
    out = run("schema", "add", "--directory", d, ACME, "--attribute", "a:complex", ok=False)
    assert "not supported" in out
    run("schema", "add", "--directory", d, ACME, "--attribute", "a")
    out = run("schema", "add", "--directory", d, ACME, "--attribute", "b", ok=False)
    assert "already declared" in out
    out = run("schema", "remove", "--directory", d, ACME + "x", ok=False)
    assert "no extension" in out
    out = run("schema", "list", "--directory", "nope", ok=False)
    assert "no directory nope" in out
    out = run("schema", "add", "--directory", d, ACME, ok=False)
    assert "--attribute" in out


def test_undeclared_attributes_setting(run: Run) -> None:
    """`directory set ID undeclared_attributes keep|refuse` is a directory setting."""
    d = _directory(run)
    run("directory", "set", d, "undeclared_attributes", "refuse")
    out = run("directory", "set", d, "undeclared_attributes", "maybe", ok=False)
    assert "refuse" in out and "keep" in out
