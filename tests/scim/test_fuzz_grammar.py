"""Property tests over the filter grammar and the PATCH engine, from generated near-valid input.

Filters and PATCH paths are generated from the RFC 7644 §3.4.2.2 grammar (attribute paths,
every operator in any case, JSON literals, ``and``/``or``/``not``, parentheses, value paths)
over our attribute names and some unknown ones, then sometimes damaged by a random edit. The
rule: a filter either resolves or raises ``SCIMException`` with ``invalidFilter``; a PATCH
either applies or raises a ``SCIMException`` (400). Nothing else ever escapes (a ``TypeError``,
a ``RecursionError``...) to become a 500. Budget: :mod:`tests.scim.fuzz_budget`.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from scim2_models.exceptions import SCIMException

from scimdir.scim.filter import parse_filter
from scimdir.scim.limits import InputLimits
from scimdir.scim.patch import apply_patch, parse_patch_request
from scimdir.scim.schema import GROUP_TYPE, PATCH_OP_SCHEMA, USER_TYPE

from .fuzz_budget import FUZZ
from .helpers import ENT

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
NAMES = [
    "userName",
    "displayName",
    "externalId",
    "id",
    "active",
    "title",
    "name",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    "groups.value",
    "members",
    "members.value",
    "meta.created",
    "meta.lastModified",
    "addresses",
    f"{ENT}:department",
    f"{ENT}:manager",
    f"{ENT}:manager.value",
    f"{CORE_USER}:userName",
    "unknown",
    "name.nope",
    "urn:x:y",
]
SUB_NAMES = ["value", "type", "primary", "display", "formatted", "nope"]
OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]

text_values = st.text(max_size=12).map(json.dumps) | st.sampled_from(
    ['"\\ud800"', '"a\\u0000"', '"2026-01-31T12:00:00Z"', '"0001-01-01T00:00:00+01:00"', '""']
)
values = (
    text_values
    | st.sampled_from(["true", "false", "null", "0", "-1.5", "1e400", "99999999999999999999"])
    | st.integers().map(str)
)
operators = st.sampled_from(OPERATORS).flatmap(
    lambda op: st.sampled_from([op, op.upper(), op.title()])
)


def _comparison(names: list[str]) -> st.SearchStrategy[str]:
    attr = st.sampled_from(names)
    return st.one_of(
        st.builds(lambda a, o, v: f"{a} {o} {v}", attr, operators, values),
        attr.map(lambda a: f"{a} pr"),
    )


def _filters(names: list[str]) -> st.SearchStrategy[str]:
    return st.recursive(
        _comparison(names),
        lambda inner: st.one_of(
            st.builds(lambda a, b: f"{a} and {b}", inner, inner),
            st.builds(lambda a, b: f"{a} or {b}", inner, inner),
            inner.map(lambda f: f"not ({f})"),
            inner.map(lambda f: f"({f})"),
        ),
        max_leaves=6,
    )


value_paths = st.builds(
    lambda a, f: f"{a}[{f}]",
    st.sampled_from(["emails", "members", "addresses", "groups", "userName", "name"]),
    _filters(SUB_NAMES),
)
filters = st.one_of(
    _filters(NAMES),
    st.builds(lambda v, f: f"{v} and {f}", value_paths, _filters(NAMES)),
    value_paths,
)


@st.composite
def damaged(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A generated text, sometimes with one random edit (delete, insert or swap a character)."""
    text = draw(base)
    if not text or not draw(st.booleans()):
        return text
    at = draw(st.integers(0, len(text) - 1))
    edit = draw(st.sampled_from(["delete", "insert", "swap"]))
    if edit == "delete":
        return text[:at] + text[at + 1 :]
    char = draw(st.sampled_from([*'()[]"\\ .:', "or", "not", "\x00", "\u200b"]))
    return text[:at] + char + text[at + (edit == "swap") :]


@FUZZ
@given(text=damaged(filters))
def test_a_generated_filter_resolves_or_is_invalid_filter(text: str) -> None:
    """Every generated filter resolves for users and groups, or raises invalidFilter."""
    for rt in (USER_TYPE, GROUP_TYPE):
        try:
            parse_filter(rt, text)
        except SCIMException as exc:
            assert (exc.status, exc.scim_type) == (400, "invalidFilter"), exc.detail


patch_paths = damaged(
    st.one_of(
        st.sampled_from(NAMES),
        value_paths,
        st.builds(lambda v, s: f"{v}.{s}", value_paths, st.sampled_from(SUB_NAMES)),
        st.just(ENT),
    )
)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(SUB_NAMES + NAMES[:8]), inner, max_size=3)
    ),
    max_leaves=8,
)
operations = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace"])},
    optional={"path": patch_paths, "value": json_values},
)
DOCUMENT = {
    "userName": "fuzz@example.test",
    "displayName": "Fuzz",
    "emails": [{"value": "fuzz@example.test", "type": "work", "primary": True}],
    "name": {"givenName": "F"},
    ENT: {"department": "R&D", "manager": {"value": "m1"}},
}
SMALL = InputLimits(max_values_per_attribute=5, max_members_per_request=5)


@FUZZ
@given(ops=st.lists(operations, min_size=1, max_size=4))
def test_generated_patch_operations_apply_or_raise_a_scim_error(ops: list[dict[str, Any]]) -> None:
    """Generated operations on a user and a group give a result or a 400 SCIMException."""
    message = {"schemas": [PATCH_OP_SCHEMA], "Operations": ops}
    for rt, doc in ((USER_TYPE, DOCUMENT), (GROUP_TYPE, {"displayName": "G"})):
        try:
            result = apply_patch(rt, doc, parse_patch_request(message, SMALL), SMALL)
        except SCIMException as exc:
            assert exc.status == 400, exc.detail
        else:
            assert isinstance(result.document, dict)
