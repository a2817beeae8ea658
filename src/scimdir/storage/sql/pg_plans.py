"""Custom plans on PostgreSQL for the statements that read or delete one group's member rows.

A statement prepared on the server gets *generic* plans from its sixth execution when
PostgreSQL judges them no dearer than the custom ones (``plan_cache_mode = auto``): one plan for
any parameters, costed from the table's size at that moment and kept until something
invalidates it (an ``ANALYZE`` of the table, DDL). The pool keeps its connections for the life
of the process (``pg_pool.py``), so a generic plan made early lives as long as the server.

``memberships`` is the table where that goes wrong. Entra creates a group empty and PATCHes
members in (docs/idp/entra.md §5.5), so the first PATCHes run while the table is a page or two,
and a sequential scan is then the cheapest generic plan for ``WHERE directory_id = $1 AND
group_id = $2 AND member_id IN ($3)``. When statistics are not refreshed while the table grows
(autovacuum off, or a table analysed while empty and not yet due for autoanalyze), that plan is
never replaced: removing one member of a 100,000-member group scanned all 100,000 rows, and an
Entra member PATCH took 27-43 ms instead of 10 (docs/performance.md, "A regression this run
shows"). The same statements, planned for their parameters, probe the primary key at any size.

A statement executed with :data:`CUSTOM_PLAN` in its execution options is therefore sent
unprepared on PostgreSQL (psycopg's ``prepare=False``: an unnamed statement, planned for its
parameters and the table's current size at every execution). It costs the same single round
trip (``Parse``/``Bind``/``Execute`` in one batch) and tens of microseconds of planning, against
the scans a stale generic plan costs. scimdir's connections no longer let psycopg prepare
anything (``pg_wire.UNPREPARED``; the prepared statements are the hot ones of ``pg_wire.py``),
so today the option restates what the connection does; it stays on these statements so that
their need holds whatever a connection's settings become. SQLite has no plan cache across
statements; the option does nothing there.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Engine, event

__all__ = ["CUSTOM_PLAN", "install_custom_plans"]

_KEY: Final = "scimdir_custom_plan"

CUSTOM_PLAN: Final[dict[str, Any]] = {_KEY: True}
"""Execution options of a statement that must be planned for its parameters on PostgreSQL."""


def install_custom_plans(engine: Engine) -> None:
    """Run statements marked with :data:`CUSTOM_PLAN` unprepared on ``engine`` (PostgreSQL)."""

    @event.listens_for(engine, "do_execute")
    def _do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
        if context is not None and context.execution_options.get(_KEY):
            cursor.execute(statement, parameters, prepare=False)
            return True
        return None
