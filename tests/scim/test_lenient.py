"""The lenient quirks: unambiguous requests RFC 7644 refuses are read, the rest is left alone."""

from __future__ import annotations

from typing import Any

import pytest

from scimdir.scim.dialects import dialect_for
from scimdir.scim.lenient import extension_object_schemas, patch_without_schemas
from scimdir.scim.patch import apply_patch, parse_patch_request
from scimdir.scim.resource import parse_resource
from scimdir.scim.schema import PATCH_OP_SCHEMA, USER_SCHEMA, USER_TYPE

from .helpers import ENT, body, scim_error

OPS = [{"op": "replace", "path": "nickName", "value": "Babs"}]


@pytest.mark.parametrize("schemas", ["absent", None, []])
def test_patch_without_schemas_gets_the_patchop_urn(schemas: Any) -> None:
    """Operations without schemas (absent, null, empty) become a PatchOp message."""
    message: dict[str, Any] = {"Operations": OPS}
    if schemas != "absent":
        message["schemas"] = schemas
    new, fired = patch_without_schemas(USER_TYPE, message)
    assert (fired, new) == (True, {"schemas": [PATCH_OP_SCHEMA], "Operations": OPS})
    assert parse_patch_request(new)[0].value == "Babs"


def test_the_core_still_refuses_a_patch_without_schemas() -> None:
    """Without the quirk the RFC rule holds: the core answers invalidSyntax."""
    with scim_error("invalidSyntax"):
        parse_patch_request({"Operations": OPS})


@pytest.mark.parametrize(
    "message",
    [
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": OPS},
        {"Operations": []},
        {"operations": "x"},
        {"userName": "u"},
    ],
)
def test_patch_schemas_naming_something_else_or_no_operations_is_left(message: Any) -> None:
    """Another schemas value, or a body that is no PatchOp, is left for the core to refuse."""
    assert patch_without_schemas(USER_TYPE, message) == (message, False)


@pytest.mark.parametrize("idp", ["entra", "okta", "generic"])
def test_every_dialect_reads_a_patch_without_schemas_and_names_the_quirk(idp: str) -> None:
    """Being liberal is not IdP-specific: each dialect fires lenient.patch-without-schemas."""
    new, fired = dialect_for(idp).normalize_patch(USER_TYPE, {"Operations": OPS})
    assert "lenient.patch-without-schemas" in fired
    assert apply_patch(USER_TYPE, {"userName": "u"}, parse_patch_request(new)).document == {
        "userName": "u",
        "nickName": "Babs",
    }


def test_extension_schemas_are_dropped_under_an_extension_path() -> None:
    """python-scim's add on the enterprise URN with {"schemas": [URN], ...} sets department."""
    message = body({"op": "add", "path": ENT, "value": {"schemas": [ENT], "department": "R&D"}})
    new, fired = extension_object_schemas(USER_TYPE, message)
    assert fired is True
    result = apply_patch(USER_TYPE, {"userName": "u"}, parse_patch_request(new))
    assert result.document == {"userName": "u", ENT: {"department": "R&D"}}


def test_extension_schemas_are_dropped_in_pathless_values_and_post_bodies() -> None:
    """The same echo inside a path-less value and a POST body is read without it."""
    message = body({"op": "replace", "value": {ENT: {"schemas": [ENT.upper()], "division": "D"}}})
    new, fired = extension_object_schemas(USER_TYPE, message)
    assert (fired, new["Operations"][0]["value"]) == (True, {ENT: {"division": "D"}})
    post = {
        "schemas": [USER_SCHEMA, ENT],
        "userName": "u",
        ENT: {"schemas": [ENT], "division": "D"},
    }
    new, fired = extension_object_schemas(USER_TYPE, post)
    assert fired is True
    assert parse_resource(USER_TYPE, new).document == {"userName": "u", ENT: {"division": "D"}}


@pytest.mark.parametrize("listed", [[USER_SCHEMA], [ENT, USER_SCHEMA], "x", [1]])
def test_extension_schemas_naming_anything_else_are_left_for_the_core(listed: Any) -> None:
    """A schemas member that names another URN is not silently dropped; the core refuses it."""
    message = body({"op": "add", "path": ENT, "value": {"schemas": listed, "department": "R"}})
    assert extension_object_schemas(USER_TYPE, message) == (message, False)
    with scim_error("invalidValue"):
        apply_patch(USER_TYPE, {"userName": "u"}, parse_patch_request(message))
