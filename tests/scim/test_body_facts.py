"""A dialect that skips its resource quirks when the body's facts say none may fire returns
exactly what running every quirk in order returns: the same body (the same object when nothing
fired) and the same quirk names, on generated bodies full of the shapes the quirks look for."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scimdir.scim.body_facts import body_facts
from scimdir.scim.dialects import DIALECTS, Dialect
from scimdir.scim.extensions import directory_schema
from scimdir.scim.quirks import MICROSOFT_GROUP_URN, TYPO_ENTERPRISE_URN
from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA, GROUP_TYPE, USER_TYPE, ResourceType

from .fuzz_budget import FUZZ

CUSTOM = "urn:example:params:scim:schemas:extension:acme:2.0:User"
DECLARED = directory_schema(
    [
        {
            "urn": CUSTOM,
            "resourceType": "User",
            "attributes": [{"name": "badge", "type": "string"}, {"name": "vip", "type": "boolean"}],
        }
    ]
).user_type
TYPES = [USER_TYPE, GROUP_TYPE, DECLARED]

_URNS = [
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:core:2.0:Group",
    ENTERPRISE_USER_SCHEMA,
    ENTERPRISE_USER_SCHEMA.upper(),
    TYPO_ENTERPRISE_URN,
    TYPO_ENTERPRISE_URN + ":manager",
    MICROSOFT_GROUP_URN,
    MICROSOFT_GROUP_URN.lower(),
    CUSTOM,
    "urn:scim:schemas:core:1.0",
    "urn:scim:schemas:extension:enterprise:1.0",
]
_KEYS = st.sampled_from(
    [
        *_URNS,
        f"{ENTERPRISE_USER_SCHEMA}:manager",
        f"{ENTERPRISE_USER_SCHEMA}:Manager.value",
        f"{ENTERPRISE_USER_SCHEMA}:employeeNumber",
        f"{CUSTOM}:vip",
        "schemas",
        "Schemas",
        "manager",
        "Manager",
        "value",
        "Value",
        "active",
        "Active",
        "primary",
        "emails",
        "Emails",
        "userName",
        "displayName",
        "name",
        "givenName",
        "type",
        "members",
        "vip",
        "badge",
        "id",
        "meta",
        "x",
    ]
) | st.text(max_size=6)
_SCALARS = st.one_of(
    st.sampled_from(["True", "false", "TRUE", "fAlse", "tru", "truee", "x", "", "271"]),
    st.sampled_from(_URNS),
    st.text(max_size=6),
    st.integers(-3, 3),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)
_SCHEMAS = st.lists(st.sampled_from(_URNS) | st.text(max_size=4) | st.integers(), max_size=3)
BODIES = st.dictionaries(_KEYS, _VALUES, max_size=6).flatmap(
    lambda body: st.one_of(
        st.just(body),
        _SCHEMAS.map(lambda listed: {"schemas": listed, **body}),
    )
)


def each_quirk(dialect: Dialect, rt: ResourceType, body: Any) -> tuple[Any, list[str]]:
    """The reference: every resource quirk of the dialect run in order, as before the guards."""
    fired: list[str] = []
    for quirk in dialect.quirks:
        if quirk.resource is not None:
            body, hit = quirk.resource(rt, body)
            if hit:
                fired.append(quirk.name)
    return body, fired


@FUZZ
@given(body=BODIES, dialect=st.sampled_from(sorted(DIALECTS)), rt=st.sampled_from(TYPES))
def test_skipping_the_quirks_returns_what_running_them_returns(
    body: dict[str, Any], dialect: str, rt: ResourceType
) -> None:
    chosen = DIALECTS[dialect]
    expected, fired = each_quirk(chosen, rt, body)
    got, got_fired = chosen.normalize_resource(rt, body)
    assert (got, got_fired) == (expected, fired)
    if not fired:
        assert got is body


@FUZZ
@given(body=BODIES, rt=st.sampled_from(TYPES))
def test_a_quirk_said_not_to_fire_leaves_the_body_unchanged(
    body: dict[str, Any], rt: ResourceType
) -> None:
    """Each guard on its own: False means that quirk's rewrite returns the body untouched."""
    facts = body_facts(body)
    assert facts is not None
    for dialect in DIALECTS.values():
        for quirk in dialect.quirks:
            guard = quirk.may_rewrite
            if quirk.resource is not None and guard is not None and not guard(facts):
                assert quirk.resource(rt, body) == (body, False), quirk.name


@pytest.mark.parametrize(
    ("body", "quirk"),
    [
        ({"schemas": [USER_TYPE.schema.id], "active": "True"}, "entra.string-boolean"),
        (
            {ENTERPRISE_USER_SCHEMA: {"manager": "271"}, "schemas": [USER_TYPE.schema.id]},
            "entra.bare-string-manager",
        ),
        ({"schemas": [USER_TYPE.schema.id, TYPO_ENTERPRISE_URN]}, "entra.enterprise-urn-typo"),
        (
            {ENTERPRISE_USER_SCHEMA: {"schemas": [ENTERPRISE_USER_SCHEMA], "department": "d"}},
            "lenient.extension-object-schemas",
        ),
        ({"schemas": [GROUP_TYPE.schema.id, MICROSOFT_GROUP_URN]}, "entra.microsoft-group-urn"),
    ],
)
def test_each_entra_quirk_still_fires_and_is_named(body: dict[str, Any], quirk: str) -> None:
    rt = GROUP_TYPE if quirk == "entra.microsoft-group-urn" else USER_TYPE
    _, fired = DIALECTS["entra"].normalize_resource(rt, body)
    assert quirk in fired


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "text",
        {"Operations": [{"op": "Replace", "path": "active", "value": "True"}]},
        {1: "x"},
        {"x": {1: "y"}},
        {"x": ("a tuple",)},
    ],
)
def test_bodies_the_facts_cannot_vouch_for_get_none(body: Any) -> None:
    """Not an object, PatchOp-shaped (the rewrites read its operations), a non-string key or a
    value no JSON parser makes: the quirks run as before."""
    assert body_facts(body) is None


def test_a_plain_entra_create_body_needs_no_quirk() -> None:
    """The usual Entra POST /Users: the facts say no quirk may fire."""
    body = {
        "schemas": [USER_TYPE.schema.id, ENTERPRISE_USER_SCHEMA],
        "externalId": "e",
        "userName": "u@example.test",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": "u@example.test"}],
        "name": {"givenName": "G", "familyName": "F"},
        ENTERPRISE_USER_SCHEMA: {"employeeNumber": "7", "department": "Sales"},
    }
    facts = body_facts(body)
    assert facts is not None
    guards = [q.may_rewrite for q in DIALECTS["entra"].quirks if q.resource is not None]
    assert guards and all(g is not None and not g(facts) for g in guards)


def test_the_declared_type_has_its_extension() -> None:
    assert DECLARED.extension(CUSTOM) is not None
