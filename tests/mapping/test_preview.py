"""Preview: CSV users, computed IsSoftDeleted and the required-attribute policy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scimdir.cli.mapping_commands import mapping
from scimdir.mapping.mappings import load_mappings, preset_text
from scimdir.mapping.preview import (
    FIXES,
    preview_users,
    required_attribute_problems,
    summarize,
    user_from_csv_row,
    users_from_text,
    with_computed_attributes,
)


def test_csv_headers_map_to_entra_attributes() -> None:
    """Entra export headers become source attribute names; empty cells are absent."""
    row = {
        "User principal name": "a@c.com",
        "Display name": "A",
        "First name": "Ann",
        "Last name": "Lee",
        "Email": "",
        "Id": "42",
        "Account enabled": "No",
    }
    assert user_from_csv_row(row) == {
        "userPrincipalName": "a@c.com",
        "displayName": "A",
        "givenName": "Ann",
        "surname": "Lee",
        "objectId": "42",
        "accountEnabled": False,
    }


def test_is_soft_deleted_is_computed() -> None:
    """IsSoftDeleted is true for a disabled, unassigned or deleted sample user."""
    assert with_computed_attributes({"accountEnabled": False})["IsSoftDeleted"] is True
    assert with_computed_attributes({"assigned": False})["IsSoftDeleted"] is True
    assert with_computed_attributes({})["IsSoftDeleted"] is False


def test_policy_names_the_fixing_mapping() -> None:
    """Missing userName, displayName and e-mail each name the mapping that fixes them."""
    problems = required_attribute_problems({"emails": [{"type": "home", "value": "x"}]})
    assert [(p.attribute, p.fix) for p in problems] == [
        ("userName", FIXES["userName"]),
        ("displayName", FIXES["displayName"]),
        ("email", FIXES["email"]),
    ]


def test_primary_email_satisfies_the_policy() -> None:
    """A non-empty primary e-mail of any type is enough."""
    payload = {
        "userName": "a",
        "displayName": "A",
        "emails": [{"type": "other", "primary": True, "value": "a@c.com"}],
    }
    assert required_attribute_problems(payload) == ()


def test_recommended_mappings_fix_users_without_mail() -> None:
    """With the recommended preset a user without mail or displayName is accepted."""
    users = [{"userPrincipalName": "bob@c.com", "givenName": "Bob", "surname": "B"}]
    defaults = preview_users(load_mappings(preset_text("entra-defaults")), users)
    recommended = preview_users(load_mappings(preset_text("entra-recommended")), users)
    assert summarize(defaults) == {"missing displayName": 1, "missing email": 1}
    assert summarize(recommended) == {"ok": 1}


def test_preview_command_prints_payloads_and_summary(tmp_path: Path) -> None:
    """scimdir mapping preview reads the CSV export and ends with the summary counts."""
    users = tmp_path / "users.csv"
    users.write_text(
        "User principal name,Display name,Mail\nann@c.com,Ann,ann@c.com\nbob@c.com,,\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        mapping, ["preview", "--mappings", "entra-defaults", "--users", str(users)]
    )
    assert result.exit_code == 0
    assert "== bob@c.com: WOULD FAIL" in result.output
    assert result.output.splitlines()[-1] == (
        "Summary: missing displayName: 1, missing email: 1, ok: 1"
    )


def test_preset_command_prints_the_preset() -> None:
    """scimdir mapping preset NAME prints the shipped YAML."""
    result = CliRunner().invoke(mapping, ["preset", "entra-recommended"])
    assert result.output == preset_text("entra-recommended")


def test_preview_command_json_is_one_object(tmp_path: Path) -> None:
    """`mapping preview --json` prints one object: each user's verdict, payload, problems and
    fixes, and the summary counts."""
    users = tmp_path / "users.csv"
    users.write_text(
        "User principal name,Display name,Mail\nann@c.com,Ann,ann@c.com\nbob@c.com,,\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        mapping, ["preview", "--mappings", "entra-defaults", "--users", str(users), "--json"]
    )
    out = json.loads(result.output)
    assert [(u["label"], u["ok"]) for u in out["users"]] == [
        ("ann@c.com", True),
        ("bob@c.com", False),
    ]
    assert {p["attribute"] for p in out["users"][1]["problems"]} == {"displayName", "email"}
    assert out["users"][1]["problems"][0]["fix"]
    assert out["summary"] == {"missing displayName": 1, "missing email": 1, "ok": 1}


def test_users_from_text_reads_json_one_object_and_entra_csv() -> None:
    """Pasted text: a JSON list, one JSON object (one user), or the export's CSV (BOM allowed)."""
    assert users_from_text('[{"mail": "a@c.com"}]', "x") == [{"mail": "a@c.com"}]
    assert users_from_text(' {"mail": "a@c.com"} ', "x") == [{"mail": "a@c.com"}]
    csv_text = "\ufeffUser principal name,Block sign in\nann@c.com,Yes\n"
    assert users_from_text(csv_text, "x") == [
        {"userPrincipalName": "ann@c.com", "accountEnabled": False}
    ]


def test_users_from_text_names_what_is_wrong() -> None:
    """Empty text, CSV without any column of Entra's export, and JSON that is not a list of user
    objects are refused with the source's name and the reason."""
    cases = {
        "  \n": "upload.json is empty",
        "name;age\nann;3": "none of the export's columns",
        "[1]": "must hold a JSON list of user objects",
        "[{": "is neither CSV nor valid JSON",
    }
    for text, message in cases.items():
        with pytest.raises(ValueError, match=re.escape(message)):
            users_from_text(text, "upload.json")
