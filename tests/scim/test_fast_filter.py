"""The ``attr eq "value"`` fast path: whenever it answers, it answers what the grammar answers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scim2_models import ScimFilter
from scim2_models.exceptions import SCIMException
from scim2_models.path import AttrPath, CompareOperator, Comparison

from scimdir.scim import fast_filter
from scimdir.scim.fast_filter import is_simple_equality, simple_equality
from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import GROUP_TYPE, USER_TYPE

_SPACES = st.text(alphabet=" \t\f\r\n\v\u00a0", max_size=2)
_NAMES = st.sampled_from(
    [
        "userName",
        "USERNAME",
        "externalId",
        "displayName",
        "id",
        "name",
        "emails",
        "members",
        "title",
        "$ref",
        "and",
        "OR",
        "not",
        "pr",
        "eq",
        "true",
        "null",
        "andy",
        "prx",
        "a-b",
        "a_b",
        "1abc",
        "-x",
        "",
    ]
) | st.from_regex(r"\$?[A-Za-z][A-Za-z0-9$_-]{0,6}", fullmatch=True)
_SUBS = st.none() | _NAMES
_OPERATORS = st.sampled_from(["eq", "EQ", "Eq", "eQ", "ne", "sw", "pr", "e q", "eqx", ""])
_VALUES = st.text(max_size=12).flatmap(
    lambda s: st.sampled_from([json.dumps(s), json.dumps(s, ensure_ascii=False), '"' + s + '"'])
) | st.sampled_from(
    ['"a\\/b"', '"\\u00e9"', '"\\ud800"', '"\\x41"', '"a\\', '"', "12", "true", "null", "'a'"]
)


_GOOD_SPACES = st.text(alphabet=" \t\r\n\f", max_size=2)
_GOOD_NAMES = st.from_regex(r"\$?[A-Za-z][A-Za-z0-9$_-]{0,6}", fullmatch=True) | st.sampled_from(
    ["userName", "externalId", "displayName", "emails", "not", "NOT", "and", "pr", "null"]
)
_GOOD_VALUES = st.text(max_size=12).flatmap(
    lambda s: st.sampled_from([json.dumps(s), json.dumps(s, ensure_ascii=False)])
)


@st.composite
def _candidates(draw: st.DrawFn) -> str:
    """Texts near the fast path's shape: well formed, or with exactly one part off."""
    good = [
        _GOOD_SPACES,
        _GOOD_NAMES,
        st.none() | _GOOD_NAMES,
        st.text(alphabet=" \t", min_size=1, max_size=2),
        st.sampled_from(["eq", "EQ", "Eq"]),
        _GOOD_SPACES,
        _GOOD_VALUES,
        _GOOD_SPACES,
    ]
    bad = [_SPACES, _NAMES, _SUBS, _SPACES, _OPERATORS, _SPACES, _VALUES, _SPACES]
    off = draw(st.none() | st.integers(0, len(good) - 1))
    drawn: list[str | None] = [draw(bad[i] if i == off else good[i]) for i in range(len(good))]
    lead, attr, sub, gap, operator, space, value, trail = (part or "" for part in drawn)
    path = attr if drawn[2] is None else f"{attr}.{sub}"
    parts = [lead, path, gap, operator, space, value, trail]
    if draw(st.booleans()):
        # Most candidates have the one-comparison shape; some carry a trailing expression.
        parts.append(draw(st.sampled_from([" and active eq true", ")", " or x pr", "]"])))
    return "".join(parts)


def _grammar(text: str) -> object:
    try:
        return ScimFilter(text).ast
    except SCIMException as exc:
        return exc


@settings(max_examples=400, deadline=None)
@given(_candidates())
def test_whenever_the_fast_path_answers_the_grammar_gives_the_same_tree(text: str) -> None:
    fast = simple_equality(text)
    if fast is not None:
        assert _grammar(text) == fast


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_on_any_text_the_fast_path_agrees_or_abstains(text: str) -> None:
    fast = simple_equality(text)
    if fast is not None:
        assert _grammar(text) == fast


@settings(max_examples=400, deadline=None)
@given(st.one_of(_candidates(), st.text(max_size=40)))
def test_the_recogniser_says_yes_exactly_when_the_fast_path_answers(text: str) -> None:
    """``may_scan`` asks ``is_simple_equality``; the parser then takes ``simple_equality``."""
    assert is_simple_equality(text) == (simple_equality(text) is not None)


@pytest.mark.parametrize(
    ("text", "attr", "sub", "value"),
    [
        ('userName eq "alice@contoso.com"', "userName", None, "alice@contoso.com"),
        ('externalId eq "4e3f0c1b-2a45-4a1e-9a1f-0d2b0b7e1c9a"', "externalId", None, None),
        ('displayName EQ "Sales \\"EMEA\\""', "displayName", None, 'Sales "EMEA"'),
        ('emails.value eq "a@b.c"', "emails", "value", "a@b.c"),
        ('  userName   eq"\\u00e9"  ', "userName", None, "é"),
    ],
)
def test_the_matching_queries_of_entra_and_okta_take_the_fast_path(
    text: str, attr: str, sub: str | None, value: str | None
) -> None:
    fast = simple_equality(text)
    assert fast is not None
    assert fast.attr_path == AttrPath(attr=attr, sub_attr=sub)
    assert fast.op is CompareOperator.eq
    if value is not None:
        assert fast.value == value
    assert ScimFilter(text).ast == fast


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "a" and active eq true',
        'userName ne "a"',
        'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"',
        'emails[type eq "work"].value eq "a"',
        "userName eq 12",
        "active eq true",
        'and eq "a"',
        'userName eq "a\\x"',
        'userName eq "tab\there"',
    ],
)
def test_every_other_shape_is_left_to_the_grammar(text: str) -> None:
    assert simple_equality(text) is None


def test_parse_filter_resolves_the_fast_tree_like_the_grammar_tree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = [
        'userName eq "Alice@Contoso.com"',
        'externalId eq "x-1"',
        'emails.value eq "a@b.c"',
        'name.givenName eq "Ann"',
    ]
    fast = [parse_filter(USER_TYPE, t) for t in texts]
    fast.append(parse_filter(GROUP_TYPE, 'displayName eq "Sales"'))
    monkeypatch.setattr(fast_filter, "simple_equality", lambda _text: None)
    monkeypatch.setattr("scimdir.scim.filter.simple_equality", lambda _text: None)
    slow = [parse_filter(USER_TYPE, t) for t in texts]
    slow.append(parse_filter(GROUP_TYPE, 'displayName eq "Sales"'))
    assert fast == slow


def test_an_unknown_attribute_on_the_fast_path_gets_the_same_error() -> None:
    with pytest.raises(SCIMException) as caught:
        parse_filter(USER_TYPE, 'nosuch eq "x"')
    assert caught.value.scim_type == "invalidFilter"
    assert "nosuch" in str(caught.value.detail)


def test_the_fast_node_is_a_comparison() -> None:
    assert isinstance(simple_equality('userName eq ""'), Comparison)
