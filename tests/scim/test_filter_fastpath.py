"""The ``attr eq "value"`` fast path (scim/filter_fastpath.py) agrees with scim2-models."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scim2_models import ScimFilter
from scim2_models.exceptions import InvalidFilterException

from scimdir.scim.filter import parse_filter
from scimdir.scim.filter_fastpath import fast_comparison
from scimdir.scim.schema import USER_TYPE

names = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,12}", fullmatch=True)
plain_values = st.text(
    st.characters(blacklist_characters='"\\', blacklist_categories=("Cc", "Cs")), max_size=30
)


def _grammar(text: str) -> object:
    try:
        return ScimFilter(text).ast
    except InvalidFilterException:
        return "refused"


@settings(max_examples=300, deadline=None)
@given(attr=names, sub=st.none() | names, value=plain_values)
def test_the_matching_query_takes_the_fast_path_and_equals_the_grammar(
    attr: str, sub: str | None, value: str
) -> None:
    """Every ``attr[.sub] eq "plain value"`` is recognised, as the very node the grammar builds."""
    path = attr if sub is None else f"{attr}.{sub}"
    text = f'{path} eq "{value}"'
    fast = fast_comparison(text)
    assert fast is not None
    assert fast == _grammar(text)


@settings(max_examples=500, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda a, op, v: f"{a}{op}{v}",
            names,
            st.sampled_from([" eq ", " EQ ", "  eq ", " eq  ", " ne ", " co ", "eq", " eq"]),
            st.text(max_size=20).map(lambda v: f'"{v}"'),
        ),
    )
)
@example('userName eq "a\\"b"')
@example('userName eq "tab\there"')
@example('userName eq "x" and active eq true')
@example('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"')
@example('emails[value eq "x"]')
def test_any_other_text_either_falls_through_or_equals_the_grammar(text: str) -> None:
    """On arbitrary text the fast path answers None or exactly what the grammar answers; it
    never accepts what the grammar refuses."""
    fast = fast_comparison(text)
    if fast is not None:
        assert fast == _grammar(text)


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "a\\"b"',
        'userName Eq "x"',
        'userName eq "x" or userName eq "y"',
        'userName  eq "x"',
        "active eq true",
    ],
)
def test_everything_else_goes_through_the_grammar(text: str) -> None:
    """Escapes, other case, logic, extra spaces and non-string values are not the fast path."""
    assert fast_comparison(text) is None


def test_parse_filter_refuses_an_unknown_attribute_on_the_fast_path() -> None:
    """The fast path only skips the grammar: resolution still refuses an unknown attribute."""
    with pytest.raises(Exception, match="Unknown attribute"):
        parse_filter(USER_TYPE, 'noSuchAttribute eq "x"')
