"""Declarations of extension schemas (scimdir.scim.extensions): what is accepted and refused."""

from __future__ import annotations

from typing import Any

import pytest

from scimdir.scim.extensions import (
    DeclarationError,
    check_addition,
    directory_schema,
    index_entries,
    parse_attribute_spec,
    parse_declaration,
)
from scimdir.scim.patchpath import resolve_path
from scimdir.scim.schema import USER_TYPE, AttrType, Uniqueness

ACME = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"


def declaration(**extra: Any) -> dict[str, Any]:
    return {"urn": ACME, "attributes": [{"name": "costCenter"}], **extra}


def test_a_valid_declaration_becomes_a_filterable_schema() -> None:
    """Attributes keep their characteristics and are all filterable."""
    parsed = parse_declaration(
        declaration(
            attributes=[
                {"name": "level", "type": "integer", "required": True},
                {"name": "tags", "type": "string", "multiValued": True, "caseExact": True},
                {"name": "badge", "uniqueness": "server"},
            ]
        )
    )
    schema = parsed.to_schema()
    level, tags, badge = schema.attributes
    assert (level.type, level.required, level.filterable) == (AttrType.INTEGER, True, True)
    assert (tags.multi_valued, tags.case_exact) == (True, True)
    assert badge.uniqueness == Uniqueness.SERVER
    assert schema.id == ACME and schema.name == "User"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (declaration(urn="acme:User"), "not a URN"),
        (declaration(urn="urn:acme User"), "not a URN"),
        (declaration(urn="urn:ietf:params:scim:schemas:core:2.0:User"), "scimdir defines"),
        (
            declaration(urn="urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            "scimdir defines",
        ),
        (declaration(urn=ACME + ":"), "not a URN"),
        (declaration(attributes=[]), "non-empty"),
        (declaration(attributes=[{"name": "1abc"}]), "RFC 7643 §2.1"),
        (declaration(attributes=[{"name": "a.b"}]), "RFC 7643 §2.1"),
        (declaration(attributes=[{"name": "x", "type": "complex"}]), "not supported"),
        (declaration(attributes=[{"name": "x", "type": "binary"}]), "not supported"),
        (declaration(attributes=[{"name": "x"}, {"name": "X"}]), "declared twice"),
        (declaration(attributes=[{"name": "x", "bogus": 1}]), "unknown keys"),
        (declaration(attributes=[{"name": "x", "multiValued": "yes"}]), "true or false"),
        (
            declaration(attributes=[{"name": "x", "multiValued": True, "uniqueness": "server"}]),
            "single-valued",
        ),
        (declaration(resourceType="Device"), "User or Group"),
        (declaration(extra=1), "Unknown keys"),
    ],
)
def test_invalid_declarations_are_refused_with_the_fix(data: dict[str, Any], fragment: str) -> None:
    """Each refusal names what is wrong."""
    with pytest.raises(DeclarationError, match=fragment.replace(".", r"\.")):
        parse_declaration(data)


def test_a_urn_cannot_be_declared_twice_or_as_a_prefix_of_another() -> None:
    """Paths would otherwise be ambiguous."""
    first = parse_declaration(declaration())
    with pytest.raises(DeclarationError, match="already declared"):
        check_addition([first], parse_declaration(declaration(urn=ACME.replace("acme", "ACME"))))
    with pytest.raises(DeclarationError, match="ambiguous"):
        check_addition([first], parse_declaration(declaration(urn=ACME + ":Sub")))


def test_cli_attribute_specs() -> None:
    """NAME[:TYPE][:flags] reads as a declaration object."""
    assert parse_attribute_spec("costCenter") == {"name": "costCenter"}
    assert parse_attribute_spec("n:integer:multi:exact:required") == {
        "name": "n",
        "type": "integer",
        "multiValued": True,
        "caseExact": True,
        "required": True,
    }
    assert parse_attribute_spec("e:string:unique")["uniqueness"] == "server"
    with pytest.raises(DeclarationError, match="unknown flag"):
        parse_attribute_spec("a:string:integer")


def test_directory_types_carry_the_extension_and_their_own_path_cache() -> None:
    """A PATCH path resolves against the directory's type, never another directory's."""
    schema = directory_schema([declaration()])
    target = resolve_path(schema.user_type, f"{ACME}:costCenter")
    assert target.schema.id == ACME and target.attr is not None
    with pytest.raises(Exception, match="does not have"):
        resolve_path(USER_TYPE, f"{ACME}:costCenter")
    assert directory_schema([declaration()]) is schema  # cached per stored JSON


def test_index_entries_fold_unless_case_exact() -> None:
    """Strings are casefolded unless caseExact; numbers and booleans are numbers."""
    schema = directory_schema(
        [
            declaration(
                attributes=[
                    {"name": "a"},
                    {"name": "b", "caseExact": True},
                    {"name": "n", "type": "integer"},
                    {"name": "flag", "type": "boolean"},
                    {"name": "t", "multiValued": True},
                ]
            )
        ]
    )
    doc = {ACME: {"a": "ÄB", "b": "Xy", "n": 3, "flag": False, "t": ["p", "Q"]}}
    entries = {
        (e.attribute.rsplit(":", 1)[1], e.position): e for e in index_entries(schema, "User", doc)
    }
    assert entries[("a", 0)].text == "äb"
    assert entries[("b", 0)].text == "Xy"
    assert entries[("n", 0)].number == 3.0
    assert entries[("flag", 0)].number == 0.0
    assert entries[("t", 1)].text == "q"
