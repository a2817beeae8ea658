"""Property: on arbitrary JSON the SCIM core and the dialects fail only with SCIMException."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from scim2_models.exceptions import SCIMException

from scimdir.scim.dialects import dialect_for
from scimdir.scim.patch import PatchResult, apply_patch, parse_patch_request
from scimdir.scim.resource import ParsedResource, parse_resource
from scimdir.scim.schema import GROUP_TYPE, PATCH_OP_SCHEMA, USER_TYPE

from .helpers import ENT

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
paths = st.sampled_from(
    [
        "active",
        "name",
        "name.givenName",
        "emails",
        'emails[type eq "work"].value',
        'emails[type eq "work"]',
        "emails[primary eq true]",
        'addresses[type eq "work" and primary pr].formatted',
        f"{ENT}:manager",
        f'{ENT}:manager[value eq "m"]',
        ENT,
        "members",
        'members[value eq "a" or value eq "b"]',
        "meta.created",
        "groups",
        "password",
        "userName",
        "displayName",
    ]
) | st.text(max_size=12)
keys = st.sampled_from(
    ["active", "name", "emails", "members", "id", "name.givenName", ENT]
) | st.text(max_size=6)
values = json_values | st.dictionaries(keys, json_values, max_size=3)
operations = st.fixed_dictionaries(
    {
        "op": st.sampled_from(["add", "remove", "replace", "Replace", "Remove"])
        | st.text(max_size=4)
    },
    optional={"path": paths | json_values, "value": values},
)
documents = st.sampled_from(
    [
        {
            "userName": "u",
            "emails": [{"type": "work", "value": "a@b"}],
            ENT: {"manager": {"value": "m"}},
        },
        {"displayName": "g"},
        {},
    ]
)


def _outcome(call: Any) -> object:
    """The call's result, or the SCIMException it raised (anything else propagates)."""
    try:
        return call()
    except SCIMException as exc:
        return exc


@settings(max_examples=300, deadline=None)
@given(
    message=json_values
    | st.fixed_dictionaries(
        {"schemas": st.just([PATCH_OP_SCHEMA]), "Operations": st.lists(operations, max_size=4)}
    ),
    doc=documents,
    idp=st.sampled_from(["entra", "okta", "generic"]),
)
def test_patch_raises_only_scim_exceptions(message: Any, doc: dict[str, Any], idp: str) -> None:
    """normalize_patch never raises; parsing and applying raise nothing but SCIMException."""
    for rt in (USER_TYPE, GROUP_TYPE):
        normalised, _ = dialect_for(idp).normalize_patch(rt, message)
        outcome = _outcome(lambda: apply_patch(rt, doc, parse_patch_request(normalised)))  # noqa: B023
        assert isinstance(outcome, PatchResult | SCIMException)


@settings(max_examples=200, deadline=None)
@given(
    body=st.dictionaries(keys | st.just("schemas"), values, max_size=4),
    idp=st.sampled_from(["entra", "generic"]),
)
def test_parse_resource_raises_only_scim_exceptions(body: dict[str, Any], idp: str) -> None:
    """normalize_resource never raises; parse_resource raises only SCIMException."""
    for rt in (USER_TYPE, GROUP_TYPE):
        normalised, _ = dialect_for(idp).normalize_resource(rt, body)
        outcome = _outcome(lambda: parse_resource(rt, normalised))  # noqa: B023
        assert isinstance(outcome, ParsedResource | SCIMException)
