"""Grammar and parse-time errors of docs/idp/entra-expressions.md §2."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scimdir.mapping import (
    ExpressionSyntaxError,
    MappingError,
    ast,
    evaluate,
    parse,
    parse_expression,
)


def test_bare_attribute_is_an_expression() -> None:
    """A bare [attribute] is accepted at top level (Graph: type Attribute)."""
    assert parse("[mail]") == ast.Attribute("mail", 0)


def test_bare_string_is_an_expression() -> None:
    """A bare string constant is accepted at top level (Graph: type Constant)."""
    assert parse('"Contoso"') == ast.String("Contoso", 0)


def test_escaped_quote_and_backslash() -> None:
    r"""\" is a quotation mark and \\ one backslash inside a string constant."""
    assert parse(r'"Company name: \"Contoso\" \\ end"') == ast.String(
        'Company name: "Contoso" \\ end', 0
    )


def test_unknown_escape_is_kept_with_a_warning() -> None:
    r"""\+ keeps both characters, so WD's single-backslash regexes still work, and warns."""
    parsed = parse_expression(r'"\+49"')
    assert parsed.node == ast.String("\\+49", 0)
    assert len(parsed.warnings) == 1


def test_empty_slots_are_none_and_differ_from_empty_string() -> None:
    """An empty slot is None (not supplied); "" is a supplied empty string."""
    node = parse('Switch([IsSoftDeleted], , "False", "True", "True", "False")')
    assert isinstance(node, ast.Call)
    assert node.args[1] is None
    assert node.args[2] == ast.String("False", 26)


def test_trailing_empty_slots_without_space() -> None:
    """``Replace([mail], "@contoso.com", , ,"", ,)`` has 7 slots, the last two empty."""
    node = parse('Replace([mail], "@contoso.com", , ,"", ,)')
    assert isinstance(node, ast.Call)
    assert [arg is None for arg in node.args] == [False, False, True, True, False, True, True]


def test_empty_parentheses_mean_zero_arguments() -> None:
    """``Now()`` is a call with zero arguments, not one empty argument."""
    assert parse("Now()") == ast.Call("Now", (), 0, "Now")


def test_whitespace_between_name_and_parenthesis_and_newlines() -> None:
    """Spaces and newlines are allowed around every token (REF's Len example)."""
    node = parse('Join ("",\n  [LastName],\t[FirstName]\n)')
    assert isinstance(node, ast.Call)
    assert len(node.args) == 3


def test_numbers_hex_and_enum_constants() -> None:
    """Numerals, &H hex numbers and vbBinaryCompare are operands."""
    node = parse('InStr("a", "b", -3, vbBinaryCompare)')
    assert isinstance(node, ast.Call)
    assert node.args[2] == ast.Number("-3", 16)
    assert node.args[3] == ast.EnumConst("vbBinaryCompare", 20)
    assert parse("BitAnd(&HF, &hF7)") == ast.Call(
        "BitAnd", (ast.HexNumber(15, 7), ast.HexNumber(247, 12)), 0, "BitAnd"
    )


def test_comparison_in_an_argument() -> None:
    """A comparison may appear in an argument and records its operator."""
    node = parse('IIF([country]="USA",[country],[department])')
    assert isinstance(node, ast.Call)
    assert node.args[0] == ast.Compare(
        "=", ast.Attribute("country", 4), ast.String("USA", 14), 4, 13
    )


def test_other_casing_of_a_function_name_is_accepted_with_a_warning() -> None:
    """``switch(...)`` is canonicalised to Switch with a warning (§2.2 rule 12)."""
    parsed = parse_expression('switch([a], , "x", "y")')
    assert isinstance(parsed.node, ast.Call)
    assert parsed.node.name == "Switch"
    assert len(parsed.warnings) == 1


ERRORS = [
    ("", 0, "empty"),
    ("   ", 0, "empty"),
    ('Jion(" ", [a])', 0, "Did you mean 'Join'?"),
    ('Append([a], "x"', 6, "Missing ')'"),
    ('Append([a], "x)', 12, "Unterminated string"),
    ('Append([a, "x")', 7, "Unterminated attribute"),
    ('Append([a], "x"))', 16, "Unbalanced ')'"),
    ('Append([a], "x") [b]', 17, "Item("),
    ('Append([a], "x") "b"', 17, "Unexpected the string"),
    ('Split([mail], "@")[1]', 18, "Item("),
    ('"t-" & [alias]', 5, "Join"),
    ("Left([a])", 0, "exactly 2"),
    ('Switch([a], "d", "k")', 0, "at least 4"),
    ('Switch([a], "d", "k", "v", "k2")', 0, "even number"),
    ('Switch([a], "d", , "v")', 0, 'write ""'),
    ('SelectUniqueValue(Join("", [a]))', 0, "at least 2"),
    ('FormatDateTime([x], "yyyy", "MM")', 0, "4 arguments"),
    ('IIF(IgnoreFlowIfNullOrEmpty([country]),[country],"Other")', 4, "outermost"),
    ('Join("", SelectUniqueValue([a], [b]))', 9, "outermost"),
    ('Replace([a], , , , "x", , )', 0, "no documented mode"),
    ("Left(, 3)", 0, "cannot be left empty"),
    ("Trim([a])", 0, "Cloud Sync"),
    ("foo", 0, "[foo]"),
    ('IIF([a]="x" AND [b]="y", "1", "0")', 12, "Expected ',' or ')'"),
    ('IIF([a]="x"="y", "1", "0")', 11, "Expected ',' or ')'"),
    ("'text'", 0, "double quotes"),
    ('("a")', 0, "Parentheses"),
    ("[]", 0, "Empty attribute"),
    ("Mid([a], 1, )", 0, "cannot be left empty"),
]


@pytest.mark.parametrize(("expression", "position", "fragment"), ERRORS)
def test_parse_errors_have_a_position_and_a_helpful_message(
    expression: str, position: int, fragment: str
) -> None:
    """Each malformed expression is refused at the right place with a message naming the fix."""
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(expression)
    assert info.value.position == position
    assert fragment in info.value.message


def test_expression_longer_than_10000_characters_is_refused() -> None:
    """Entra's 10,000-character limit is enforced (§2.2 rule 11)."""
    with pytest.raises(ExpressionSyntaxError) as info:
        parse('"' + "a" * 10_000 + '"')
    assert info.value.position == 10_000


def test_deep_nesting_is_refused_not_a_crash() -> None:
    """Nesting beyond the limit is a positioned error, not a RecursionError."""
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("Not(" * 500 + "[a]" + ")" * 500)
    assert "nests more than" in info.value.message


def test_caret_points_under_the_position() -> None:
    """The human rendering puts a caret under the offending character."""
    with pytest.raises(MappingError) as info:
        parse('Join(" ", Foo([b]))')
    assert info.value.caret('Join(" ", Foo([b]))').splitlines()[:2] == [
        'Join(" ", Foo([b]))',
        "          ^",
    ]


_ALPHABET = st.sampled_from(list('()[]",\\ &-=<>abIFJoinSwtchLf0129H.\n'))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.text(_ALPHABET)))
def test_parser_never_crashes(text: str) -> None:
    """Any text parses to a node or raises a MappingError with a position inside the text."""
    try:
        parse(text)
    except MappingError as exc:
        assert exc.position is None or 0 <= exc.position <= len(text)


_CALLS = st.sampled_from(
    [
        'Len("',
        "Mid([a], ",
        'CDate("',
        'DateAdd("d", ',
        'Item(Split([a], ","), ',
        "Left([a], ",
        'FormatDateTime([a], , "',
        'Switch([a], , "',
        "DateFromNum(",
        "BitAnd(&H",
    ]
)


@settings(max_examples=300, deadline=None)
@given(_CALLS, st.text(_ALPHABET, max_size=20))
def test_evaluator_never_crashes(prefix: str, rest: str) -> None:
    """Evaluating any text gives a value or a positioned MappingError, never another exception."""
    try:
        evaluate(prefix + rest, {"a": "x,y 1"})
    except MappingError as exc:
        assert exc.position is None or 0 <= exc.position <= len(prefix + rest)
