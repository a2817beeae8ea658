"""The CLI's directory and user commands, a stable interface other tools script against."""

from __future__ import annotations

import json

import pytest

from scimdir.scim.dialects import dialect_for
from scimdir.scim.quirks import CORE_BEHAVIOURS, QUIRKS
from scimdir.service.directory_settings import IDPS, preset

from .conftest import Run


def test_create_json_prints_exactly_the_documented_keys(run: Run) -> None:
    """`directory create --json` prints one JSON object: id, name, idp, tenant_url, secret."""
    out = json.loads(run("directory", "create", "--name", "Jira", "--idp", "okta", "--json"))
    assert sorted(out) == ["id", "idp", "name", "secret", "tenant_url"]
    assert out["idp"] == "okta"
    assert out["tenant_url"] == f"https://scim.example.test/scim/{out['id']}/v2"
    assert out["secret"].startswith("scimdir_")
    assert len(out["secret"]) >= 8 + 43


def test_list_and_show_never_print_the_secret(run: Run) -> None:
    """The secret is shown once: list and show do not contain it."""
    out = json.loads(run("directory", "create", "--name", "Once", "--json"))
    listed = run("directory", "list")
    shown = run("directory", "show", out["id"], "--json")
    assert out["id"] in listed
    assert out["secret"] not in listed + shown
    assert json.loads(shown)["live_secrets"] == 1


def test_set_validates_keys_and_values(run: Run) -> None:
    """`directory set` changes a setting and refuses unknown keys or values with the choices."""
    did = json.loads(run("directory", "create", "--name", "S", "--json"))["id"]
    assert json.loads(run("directory", "set", did, "user_linking", "true"))["user_linking"] is True
    bad = run("directory", "set", did, "deletion", "shred", ok=False)
    assert "delete" in bad and "deactivate" in bad
    unknown = run("directory", "set", did, "colour", "blue", ok=False)
    assert "user_linking" in unknown


def test_rotate_secret_prints_a_new_secret(run: Run) -> None:
    """rotate-secret --json prints a different secret; a bad duration is refused."""
    out = json.loads(run("directory", "create", "--name", "R", "--json"))
    rotated = json.loads(
        run("directory", "rotate-secret", out["id"], "--keep-old-for", "1h", "--json")
    )
    assert rotated["secret"] != out["secret"]
    run("directory", "rotate-secret", out["id"], "--keep-old-for", "soon", ok=False)


def test_reset_needs_the_typed_confirmation(run: Run) -> None:
    """reset asks for the directory id typed back; a mismatch resets nothing."""
    did = json.loads(run("directory", "create", "--name", "X", "--json"))["id"]
    run("directory", "reset", did, input="wrong\n", ok=False)
    assert "Reset: 0 users removed" in run("directory", "reset", did, input=f"{did}\n")
    assert "Reset:" in run("directory", "reset", did, "--yes", "--unlink")


def test_user_create_makes_a_local_account(run: Run) -> None:
    """`user create` makes an unlinked local account; a duplicate userName is refused."""
    did = json.loads(run("directory", "create", "--name", "U", "--json"))["id"]
    out = json.loads(run("user", "create", "--directory", did, "--user-name", "a@b.c", "--json"))
    assert out["userName"] == "a@b.c"
    dup = run("user", "create", "--directory", did, "--user-name", "A@B.C", ok=False)
    assert "already exists" in dup


def test_unknown_directory_is_a_clear_error(run: Run) -> None:
    """Commands on an unknown directory exit non-zero naming it."""
    assert "no directory nope" in run("directory", "show", "nope", ok=False)


def test_quirks_lists_each_quirk_with_its_source(run: Run) -> None:
    """`quirks --json` names every Entra quirk with a source link and the dialects that apply it."""
    rows = {row["name"]: row for row in json.loads(run("quirks", "--json"))}
    assert "entra" in rows["entra.member-remove-by-value"]["dialects"]
    assert "okta" not in rows["entra.member-remove-by-value"]["dialects"]
    assert rows["entra.string-boolean"]["source"].startswith("https://")
    okta_only = {row["name"] for row in json.loads(run("quirks", "--idp", "okta", "--json"))}
    assert "entra.capitalised-op" not in okta_only


@pytest.mark.parametrize("idp", IDPS)
def test_quirks_for_an_idp_lists_exactly_its_dialect(run: Run, idp: str) -> None:
    """`quirks --idp X` lists X's rewriting quirks, no other, then the core behaviours."""
    rows = json.loads(run("quirks", "--idp", idp, "--json"))
    rewrites = [row["name"] for row in rows if row["kind"] == "rewrite"]
    assert rewrites == [q.name for q in dialect_for(idp).quirks]
    assert {row["name"] for row in rows if row["kind"] == "core"} == {
        q.name for q in CORE_BEHAVIOURS
    }
    text = run("quirks", "--idp", idp)
    others = {q.name for q in QUIRKS} - set(rewrites)
    assert not [name for name in others if f"{name}  [" in text]


def test_set_idp_changes_the_dialect_and_keeps_the_settings(run: Run) -> None:
    """`directory set ID idp X` changes the IdP (what the 400 detail tells admins to run)."""
    did = json.loads(run("directory", "create", "--name", "I", "--idp", "okta", "--json"))["id"]
    run("directory", "set", did, "user_linking", "true")
    out = json.loads(run("directory", "set", did, "idp", "Entra"))
    assert out["idp"] == "entra" and out["user_linking"] is True
    assert json.loads(run("directory", "show", did, "--json"))["idp"] == "entra"
    bad = run("directory", "set", did, "idp", "azure-ad", ok=False)
    assert "pingone" in bad and "authentik" in bad


@pytest.mark.parametrize(
    "args",
    [
        ("directory", "show", "nope"),
        ("directory", "set", "nope", "idp", "okta"),
        ("directory", "delete", "nope", "--yes"),
        ("directory", "set", "nope", "user_linking", "true"),
        ("directory", "rotate-secret", "nope"),
        ("directory", "reset", "nope", "--yes"),
        ("user", "create", "--directory", "nope", "--user-name", "a"),
        ("user", "list", "--directory", "nope"),
        ("group", "list", "--directory", "nope"),
    ],
)
def test_every_unknown_directory_exits_non_zero(run: Run, args: tuple[str, ...]) -> None:
    """Each directory command given an unknown id exits non-zero naming it on stderr."""
    assert "no directory nope" in run(*args, ok=False)


def test_show_prints_settings_as_a_table(run: Run) -> None:
    """`directory show` prints settings one per row, never as a Python dict."""
    did = json.loads(run("directory", "create", "--name", "T", "--json"))["id"]
    out = run("directory", "show", did)
    assert "{" not in out and "'" not in out
    assert any(line.split() == ["user_linking", "no"] for line in out.splitlines())
    assert any(
        line.split() == ["required_attributes", "userName,", "displayName,", "email"]
        for line in out.splitlines()
    )


def test_reset_json(run: Run) -> None:
    """`directory reset --json` prints one object: id, mode, users, groups."""
    did = json.loads(run("directory", "create", "--name", "X", "--json"))["id"]
    out = json.loads(run("directory", "reset", did, "--yes", "--unlink", "--json"))
    assert out == {"id": did, "mode": "unlink", "users": 0, "groups": 0}


def test_rotate_refuses_an_unbounded_duration(run: Run) -> None:
    """--keep-old-for beyond 366 days is a usage error, not a crash."""
    did = json.loads(run("directory", "create", "--name", "X", "--json"))["id"]
    runner_out = run("directory", "rotate-secret", did, "--keep-old-for", "99999999d", ok=False)
    assert "at most" in runner_out


def test_create_with_the_rippling_preset(run: Run) -> None:
    """`directory create --idp rippling` makes a directory with Rippling's preset."""
    did = json.loads(run("directory", "create", "--name", "HR", "--idp", "rippling", "--json"))
    shown = json.loads(run("directory", "show", did["id"], "--json"))
    assert shown["idp"] == "rippling"
    settings = shown["settings"]
    assert (settings["required_attributes"], settings["deletion"]) == (
        ["userName", "email"],
        "deactivate",
    )


@pytest.mark.parametrize("idp", IDPS)
def test_guide_gives_the_idps_steps_with_the_tenant_url(run: Run, idp: str) -> None:
    """`directory guide ID` prints the same steps as the console, as text and as JSON: the
    tenant URL inside them, no markup left, and the attributes the preset requires."""
    created = json.loads(run("directory", "create", "--name", "G", "--idp", idp, "--json"))
    guide = json.loads(run("directory", "guide", created["id"], "--json"))
    assert guide["idp"] == idp
    assert guide["tenant_url"] == created["tenant_url"]
    assert any(created["tenant_url"] in step for step in guide["steps"])
    assert not [step for step in guide["steps"] if "<" in step and "</" in step]
    assert guide["required_attributes"] == list(preset(idp).required_attributes)
    text = run("directory", "guide", created["id"])
    assert guide["title"] in text
    assert f"1. {guide['steps'][0]}" in text


def test_guide_for_entra_lists_the_mapping_expressions(run: Run) -> None:
    """Entra's guide carries the attribute-mapping table, each expression ready to copy."""
    created = json.loads(run("directory", "create", "--name", "E", "--idp", "entra", "--json"))
    guide = json.loads(run("directory", "guide", created["id"], "--json"))
    targets = {m["target"]: m["source"] for m in guide["mappings"]}
    assert targets["userName"] == "userPrincipalName"
    assert targets['emails[type eq "work"].value'].startswith("Switch(IsPresent([mail])")
    assert "Switch([IsSoftDeleted]" in run("directory", "guide", created["id"])


def test_guide_of_an_unknown_directory_fails_with_one_line(run: Run) -> None:
    assert "no directory nope" in run("directory", "guide", "nope", ok=False)
