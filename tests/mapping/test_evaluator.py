"""Runtime behaviour: errors with positions, flow control, warnings and the context."""

from __future__ import annotations

import random
from typing import Any

import pytest

from scimdir.mapping import EvalContext, EvaluationError, evaluate
from tests.mapping.helpers import context, value

RUNTIME_ERRORS: list[tuple[str, dict[str, Any], int, str]] = [
    ('IIF([country]="","Other",[country])', {}, 4, "Switch([country], [country]"),
    ('IIF(IsPresent([country]),[country],"Other")', {"country": ""}, 4, "null or empty"),
    ('CDate("not a date")', {}, 6, "is not a date"),
    ('CDate("0001-01-01+14:00")', {}, 6, "is not a date"),
    ("DateFromNum(-99999999999999999999999)", {}, 12, "out of the range"),
    ('DateAdd("s", 1, CDate("9999-12-31T23:59:59"))', {}, 13, "out of range"),
    ("CDate([x])", {}, 6, "null"),
    ('DateAdd("q", 1, Now())', {}, 8, "unknown interval"),
    ('FormatDateTime([x], , "yyyyMMdd", "yyyy")', {"x": "2020"}, 15, "does not match"),
    ('FormatDateTime([x], "Bogus", "yyyy", "yyyy")', {"x": "2020"}, 20, "DateTimeStyles"),
    ("Item([p], 0)", {"p": ["a"]}, 10, "out of range"),
    ("Item([p], 2)", {"p": ["a"]}, 10, "out of range"),
    ('Mid("abc", 0, 1)', {}, 11, "1-based"),
    ("Len([p])", {"p": ["a", "b"]}, 4, "Join"),
    ("BitAnd([x], 1)", {}, 7, "null"),
    ('Left("abc", "x")', {}, 12, "not a number"),
    ('ToLower("a", "not a culture!")', {}, 13, "culture"),
    ('Replace([a], , "(", , "", , )', {"a": "x"}, 15, "not a valid regular expression"),
    ('Replace([a], , "(?<g>x)", "h", "", , )', {"a": "x"}, 26, "no group named"),
    ('Split([a], "")', {"a": "x"}, 11, "delimiter"),
    ('CBool("maybe")', {}, 6, "not a Boolean"),
    ('SelectUniqueValue("a", "b")', {}, 0, "already used"),
]


@pytest.mark.parametrize(("expression", "attributes", "position", "fragment"), RUNTIME_ERRORS)
def test_runtime_errors_point_at_the_argument(
    expression: str, attributes: dict[str, Any], position: int, fragment: str
) -> None:
    """A runtime failure names the cause and the fix and points at the argument to blame."""
    with pytest.raises(EvaluationError) as info:
        evaluate(expression, attributes, context(existing_values=("a", "b")))
    assert info.value.position == position
    assert fragment in info.value.message


def test_now_without_a_clock_is_an_error() -> None:
    """Now() never reads the system clock: without context.now it fails."""
    with pytest.raises(EvaluationError) as info:
        evaluate("Now()", {}, EvalContext())
    assert "context.now" in info.value.message


def test_default_domain_without_configuration_is_an_error() -> None:
    """DefaultDomain() without a configured domain fails like Entra's 'none found'."""
    with pytest.raises(EvaluationError) as info:
        evaluate("DefaultDomain()", {}, EvalContext())
    assert "defaultDomain" in info.value.message


def test_eager_evaluation_fails_on_the_untaken_branch() -> None:
    """Both IIF branches are evaluated, so an error in the untaken one fails the mapping."""
    with pytest.raises(EvaluationError):
        evaluate('IIF([a]="x", "ok", CDate("bad"))', {"a": "x"}, context())


@pytest.mark.parametrize("department", [None, ""])
def test_ignore_flow_drops_null_and_empty(department: str | None) -> None:
    """IgnoreFlowIfNullOrEmpty drops the attribute when its argument is null or empty."""
    attributes = {} if department is None else {"department": department}
    result = evaluate("IgnoreFlowIfNullOrEmpty([department])", attributes, context())
    assert result.to_json() == {"value": None, "flow": "ignored"}
    assert result.ignored is True


def test_ignore_flow_on_unmatched_switch() -> None:
    """REF: a Switch with no matching key inside IgnoreFlowIfNullOrEmpty drops the attribute."""
    result = evaluate(
        'IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof."))',
        {"prefix": "1"},
        context(),
    )
    assert result.ignored is True


def test_select_unique_value_skips_used_values() -> None:
    """SelectUniqueValue returns the first candidate not in existingValues, with a warning."""
    expression = (
        'SelectUniqueValue(Join("@", Join(".", [f], [l]), "contoso.com"), '
        'Join("@", Join(".", Mid([f], 1, 1), [l]), "contoso.com"))'
    )
    result = evaluate(
        expression,
        {"f": "John", "l": "Smith"},
        context(existing_values=("John.Smith@contoso.com",)),
    )
    assert result.value == "J.Smith@contoso.com"
    assert len(result.warnings) == 1


def test_guid_shape_is_reproducible_with_a_seed() -> None:
    """Guid() is 36 lower-case characters and reproducible from a seeded context."""
    first = value("Guid()", rng=random.Random(1))
    assert len(first) == 36
    assert first == first.lower()
    assert first == value("Guid()", rng=random.Random(1))


def test_random_string_meets_the_minimums() -> None:
    """RandomString(10,2,2,2,1,"?,") has 10 characters and avoids ? and ,."""
    text = value('RandomString(10,2,2,2,1,"?,")')
    assert len(text) == 10
    assert sum(ch.isdigit() for ch in text) >= 2
    assert sum(ch.isupper() for ch in text) >= 2
    assert "?" not in text
    assert "," not in text


def test_random_string_doc_example_length() -> None:
    """RandomString(6,3,0,0,3) has 6 characters."""
    assert value("Len(RandomString(6,3,0,0,3))") == 6


def test_redact_marks_the_result() -> None:
    """Redact keeps the value and marks it to be masked in logs."""
    result = evaluate('Redact("secret")', {}, context())
    assert (result.value, result.redacted) == ("secret", True)


def test_case_insensitive_attribute_match_warns() -> None:
    """An attribute found only case-insensitively is used, with a warning naming the real name."""
    result = evaluate("[MAIL]", {"mail": "a@b"}, context())
    assert "'mail'" in result.warnings[0]


def test_several_app_roles_warn() -> None:
    """SingleAppRoleAssignment with several roles warns that Entra's pick is unpredictable."""
    roles = [{"value": "A"}, {"value": "B"}]
    result = evaluate("SingleAppRoleAssignment([r])", {"r": roles}, context())
    assert result.value == "A"
    assert "unpredictably" in result.warnings[0]


def test_context_from_json() -> None:
    """The §9 JSON context gives now, defaultDomain and existingValues."""
    ctx = EvalContext.from_json(
        {"now": "2021-07-02T15:33:38Z", "defaultDomain": "x.com", "existingValues": ["a"]}
    )
    assert evaluate("Now()", {}, ctx).value == ctx.now
    assert (ctx.default_domain, ctx.existing_values) == ("x.com", frozenset({"a"}))


def test_context_from_json_refuses_a_bad_instant() -> None:
    """A malformed context.now is refused with an example of the expected form."""
    with pytest.raises(ValueError, match="ISO 8601"):
        EvalContext.from_json({"now": "yesterday"})
