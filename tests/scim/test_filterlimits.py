"""A filter's size is measured by a cheap scan before parsing, and refused with the limit."""

from __future__ import annotations

import pytest

import scimdir.scim.filter as filter_module
from scimdir.scim.filter import parse_filter
from scimdir.scim.filterlimits import check_filter_size
from scimdir.scim.limits import InputLimits
from scimdir.scim.patch import parse_patch_request
from scimdir.scim.schema import GROUP_TYPE, USER_TYPE

from .helpers import body, refused

LIMITS = InputLimits(
    max_filter_length=300, max_filter_terms=5, max_filter_depth=3, max_filter_multi_valued=2
)


def _ors(n: int) -> str:
    return " or ".join(f'userName eq "u{i}"' for i in range(n))


def test_a_filter_within_every_limit_parses() -> None:
    """Five comparisons three levels deep pass the scan and parse."""
    parse_filter(USER_TYPE, f"((({_ors(5)})))", LIMITS)


def test_too_many_comparisons_are_refused_naming_the_limit() -> None:
    """Six comparisons over a limit of five: 400 invalidFilter naming both numbers."""
    with refused("invalidFilter", "has 6 comparisons; scimdir accepts at most 5"):
        parse_filter(USER_TYPE, _ors(6), LIMITS)


def test_presence_tests_count_as_comparisons() -> None:
    """``pr`` is a comparison too."""
    with refused("invalidFilter", "has 6 comparisons"):
        parse_filter(USER_TYPE, " and ".join(["userName pr"] * 6), LIMITS)


def test_operators_inside_string_literals_are_not_counted() -> None:
    """A quoted "eq eq eq" (with an escaped quote) is a value, not six comparisons."""
    check_filter_size('userName eq "eq eq \\" eq eq eq eq or"', LIMITS)


def test_a_long_filter_is_refused_before_it_is_scanned() -> None:
    """A filter longer than the length limit is refused by its length alone."""
    with refused("invalidFilter", "is 301 characters long; scimdir accepts at most 300"):
        check_filter_size("x" * 301, LIMITS)


def test_the_matching_query_skips_the_scan_but_not_the_limits() -> None:
    """``attr eq "value"`` (one comparison, no nesting) is not scanned, yet a long one is still
    refused by its length, and a limit of zero comparisons still refuses it."""
    value = "v" * 290
    with refused("invalidFilter", "is 304 characters long; scimdir accepts at most 300"):
        parse_filter(USER_TYPE, f'userName eq "{value}"', LIMITS)
    no_terms = InputLimits(max_filter_terms=0)
    with refused("invalidFilter", "has 1 comparisons; scimdir accepts at most 0"):
        parse_filter(USER_TYPE, 'userName eq "a"', no_terms)
    parse_filter(USER_TYPE, 'userName eq "a"', InputLimits(max_filter_depth=0))


def test_deep_nesting_is_refused_naming_the_limit() -> None:
    """Four levels of parentheses (or brackets) over a limit of three are refused."""
    with refused("invalidFilter", "4 deep; scimdir accepts at most 3"):
        parse_filter(USER_TYPE, '((((userName eq "a"))))', LIMITS)
    with refused("invalidFilter", "4 deep"):
        parse_filter(USER_TYPE, '(((emails[type eq "work"])))', LIMITS)


def test_tests_of_multi_valued_attributes_are_bounded() -> None:
    """Three subquery tests (value paths, emails.value, members) over a limit of two."""
    text = 'emails[type eq "work"] and emails.value eq "a" and not (emails.type eq "b")'
    with refused("invalidFilter", "multi-valued attributes (emails, groups, members...) 3 times"):
        parse_filter(USER_TYPE, text, LIMITS)
    parse_filter(GROUP_TYPE, 'id eq "g" and members[value eq "u"]', LIMITS)


def test_a_patch_path_is_measured_before_it_is_parsed() -> None:
    """A PATCH path whose brackets hold six comparisons is refused with the filter limit."""
    path = "emails[" + " or ".join(f'value eq "{i}"' for i in range(6)) + "]"
    with refused("invalidFilter", "Operations[0].path has 6 comparisons"):
        parse_patch_request(body({"op": "remove", "path": path}), LIMITS)


@pytest.mark.parametrize("terms", [1_100, 8_000])
def test_the_default_limits_refuse_the_filters_that_broke_storage(terms: int) -> None:
    """1,100 and 8,000 ``or`` terms (SQLite's depth limit, seconds of parsing) are refused."""
    with refused("invalidFilter", "a published limit"):
        parse_filter(USER_TYPE, _ors(terms))


def test_the_matching_query_is_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The size scan runs for other filters only (it is linear in the text, and the matching
    query is most of an identity provider's filters)."""
    scanned: list[str] = []
    monkeypatch.setattr(filter_module, "check_filter_size", lambda text, _: scanned.append(text))
    parse_filter(USER_TYPE, 'userName eq "a"', LIMITS)
    assert scanned == []
    parse_filter(USER_TYPE, 'userName eq "a" or userName eq "b"', LIMITS)
    assert scanned == ['userName eq "a" or userName eq "b"']
