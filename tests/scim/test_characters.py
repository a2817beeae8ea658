"""Identifiers refuse control and invisible characters; no stored string holds NUL."""

from __future__ import annotations

import pytest

from scimdir.scim.characters import check_identifiers, check_storable
from scimdir.scim.schema import GROUP_TYPE, USER_TYPE

from .helpers import refused


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\x1b", "U+001B"),
        ("\x00", "U+0000"),
        ("\u200b", "U+200B ZERO WIDTH SPACE"),
        ("\u00ad", "U+00AD SOFT HYPHEN"),
        ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("\u2060", "U+2060 WORD JOINER"),
        ("\u200d", "U+200D ZERO WIDTH JOINER"),
        ("\u180e", "U+180E MONGOLIAN VOWEL SEPARATOR"),
        ("\u2028", "U+2028 LINE SEPARATOR"),
        ("\U000e0041", "U+E0041 TAG LATIN CAPITAL LETTER A"),
    ],
)
def test_a_username_with_an_invisible_character_is_refused(char: str, shown: str) -> None:
    """The detail names the character as U+XXXX (with its name) and its position from 1."""
    with refused("invalidValue", f"userName holds {shown} at position 6"):
        check_identifiers(USER_TYPE, None, {"userName": f"alice{char}@contoso.com"})


@pytest.mark.parametrize("name", ["alice@contoso.com", "Zoë Ångström", "李雷", "o'brien-smith"])
def test_ordinary_usernames_pass(name: str) -> None:
    """Letters of any script, accents, apostrophes and hyphens are fine."""
    check_identifiers(USER_TYPE, None, {"userName": name})


def test_an_unchanged_username_is_not_checked_again() -> None:
    """A stored name that predates the rule does not block a PATCH that leaves it alone."""
    doc = {"userName": "old\u200bname"}
    check_identifiers(USER_TYPE, doc, dict(doc))


def test_a_group_name_keeps_joiners_and_emoji_but_not_invisible_spaces() -> None:
    """ZWJ (emoji, scripts) and variation selectors pass in a group name; ZWSP does not."""
    check_identifiers(GROUP_TYPE, None, {"displayName": "Family \U0001f468\u200d\U0001f469"})
    check_identifiers(GROUP_TYPE, None, {"displayName": "\u2764\ufe0f fans"})
    with refused("invalidValue", "displayName holds U+200B ZERO WIDTH SPACE at position 4"):
        check_identifiers(GROUP_TYPE, None, {"displayName": "Eng\u200b"})
    with refused("invalidValue", "displayName holds U+0007 at position 1"):
        check_identifiers(GROUP_TYPE, None, {"displayName": "\x07Eng"})


def test_nul_and_lone_surrogates_are_not_storable() -> None:
    """NUL and an unpaired surrogate are refused in any string, naming the position."""
    with refused("invalidValue", "title holds U+0000 at position 2"):
        check_storable("a\x00", "title")
    with refused("invalidValue", "title holds U+D800 at position 1"):
        check_storable("\ud800", "title")
    check_storable("tab\tand\nnewline are fine", "title")
