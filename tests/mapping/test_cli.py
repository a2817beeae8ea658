"""``scimdir mapping eval``: the JSON Lines machine interface and the human form."""

from __future__ import annotations

import json

from click.testing import CliRunner

from scimdir.cli.mapping_commands import mapping


def _jsonl(lines: list[str]) -> list[dict[str, object]]:
    result = CliRunner().invoke(mapping, ["eval", "--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    return [json.loads(line) for line in result.output.splitlines()]


def test_jsonl_answers_in_order() -> None:
    """Each request line gets one answer line, in input order."""
    answers = _jsonl(
        [
            json.dumps({"expression": "Len([a])", "attributes": {"a": "abc"}}),
            json.dumps({"expression": '"x"', "attributes": {}}),
            json.dumps({"expression": "IsNull([a])", "attributes": {}}),
        ]
    )
    assert answers == [{"value": 3}, {"value": "x"}, {"value": True}]


def test_jsonl_bad_line_does_not_stop_the_rest() -> None:
    """Invalid JSON and a parse error each give an error line; later lines still run."""
    answers = _jsonl(
        [
            "{not json",
            json.dumps({"expression": "Jion([a])", "attributes": {}}),
            json.dumps({"expression": "[a]", "attributes": {"a": "ok"}}),
        ]
    )
    assert answers == [
        {
            "error": "The line is not valid JSON: Expecting property name enclosed in double "
            "quotes.",
            "position": None,
        },
        {"error": "Unknown function 'Jion'. Did you mean 'Join'?", "position": 0},
        {"value": "ok"},
    ]


def test_jsonl_ignored_flow() -> None:
    """IgnoreFlowIfNullOrEmpty on an empty value answers value null and flow ignored."""
    answers = _jsonl([json.dumps({"expression": "IgnoreFlowIfNullOrEmpty([d])", "attributes": {}})])
    assert answers == [{"value": None, "flow": "ignored"}]


def test_jsonl_context() -> None:
    """The optional context supplies now, defaultDomain and existingValues."""
    request = {
        "expression": 'Join(" ", Now(), DefaultDomain())',
        "attributes": {},
        "context": {"now": "2021-07-02T15:33:38Z", "defaultDomain": "contoso.com"},
    }
    assert _jsonl([json.dumps(request)]) == [{"value": "7/2/2021 3:33:38 PM contoso.com"}]


def test_jsonl_wrong_shapes() -> None:
    """A non-object line, a missing expression and a bad context are errors without position."""
    answers = _jsonl(
        [
            "[1, 2]",
            json.dumps({"attributes": {}}),
            json.dumps({"expression": "[a]", "attributes": [1]}),
            json.dumps({"expression": "Now()", "attributes": {}, "context": {"now": 5}}),
        ]
    )
    assert [answer["position"] for answer in answers] == [None, None, None, None]
    assert [answer["error"] for answer in answers] == [
        "Each line must be a JSON object with an expression.",
        '"expression" must be a string.',
        '"attributes" must be a JSON object.',
        '"context.now" must be an ISO 8601 string.',
    ]


def test_jsonl_runtime_error_has_position() -> None:
    """A runtime error reports its message and position."""
    answers = _jsonl([json.dumps({"expression": "Item([p], 3)", "attributes": {"p": ["a"]}})])
    assert answers[0]["position"] == 10


def test_jsonl_multivalue_value() -> None:
    """Multi-values are JSON arrays."""
    answers = _jsonl([json.dumps({"expression": 'Split("a,b", ",")', "attributes": {}})])
    assert answers == [{"value": ["a", "b"]}]


def test_human_form_prints_the_value() -> None:
    """The human form prints a string value as is."""
    result = CliRunner().invoke(
        mapping,
        [
            "eval",
            'Join(" ", [givenName], [surname])',
            "--attributes",
            '{"givenName": "John", "surname": "Doe"}',
        ],
    )
    assert (result.exit_code, result.output) == (0, "John Doe\n")


def test_human_form_error_has_a_caret_and_exit_code_1() -> None:
    """An error prints the expression, a caret under the position and the message; exit 1."""
    result = CliRunner().invoke(mapping, ["eval", 'Join(" ", Foo([b]))'])
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == ['Join(" ", Foo([b]))', "          ^"]


def test_human_form_ignored_flow() -> None:
    """The human form says when IgnoreFlowIfNullOrEmpty drops the attribute."""
    result = CliRunner().invoke(mapping, ["eval", "IgnoreFlowIfNullOrEmpty([x])"])
    assert result.output == (
        "(no value: IgnoreFlowIfNullOrEmpty drops the attribute from the flow)\n"
    )


def test_human_form_refuses_invalid_attributes_json() -> None:
    """Invalid --attributes JSON is a usage error (exit 2) that says what is wrong."""
    result = CliRunner().invoke(mapping, ["eval", "[a]", "--attributes", "{"])
    assert result.exit_code == 2
    assert "--attributes is not valid JSON" in result.output
