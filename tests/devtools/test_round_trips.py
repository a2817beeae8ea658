"""The round-trip counter reads libpq's trace: one round trip per simple query or per extended
batch ending in Sync (a real trace of psycopg 3: BEGIN, a statement with a parameter, COMMIT)."""

from __future__ import annotations

from scimdir.devtools.round_trips import sync_points

TRACE = """F\t10\tQuery\t "BEGIN"
B\t10\tCommandComplete\t "BEGIN"
B\t5\tReadyForQuery\t T
F\t26\tParse\t "" "select $1::int" 1 NNNN
F\t22\tBind\t "" "" 1 1 1 2 '\\x00\\x01' 1 0
F\t6\tDescribe\t P ""
F\t9\tExecute\t "" 0
F\t4\tSync
B\t4\tParseComplete
B\t5\tReadyForQuery\t T
F\t22\tBind\t "" "_pg3_0" 1 1 1 2 '\\x00\\x01' 1 0
F\t9\tExecute\t "" 0
F\t4\tSync
F\t11\tQuery\t "COMMIT"
"""


def test_each_sync_point_is_one_round_trip() -> None:
    """BEGIN, a parsed statement, a prepared one and COMMIT are four round trips, named."""
    assert sync_points(TRACE) == [
        '"BEGIN"',
        '"" "select $1::int" 1 NNNN',
        '(prepared) "" "_pg3_0" 1 1 1 2 \'\\x00\\x01\' 1 0',
        '"COMMIT"',
    ]


def test_backend_lines_are_not_counted() -> None:
    """Only what the client sends counts: a trace of server messages alone is no round trip."""
    assert sync_points("B\t5\tReadyForQuery\t I\nB\t4\tParseComplete\n") == []
