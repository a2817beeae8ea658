"""Every statement on PostgreSQL is planned for its parameters: ``plan_cache_mode =
force_custom_plan`` on every connection scimdir opens.

A statement prepared on the server gets *generic* plans from its sixth execution when
PostgreSQL judges them no dearer than the custom ones (``plan_cache_mode = auto``): one plan for
any parameters, costed from the table's statistics at that moment and kept until something
invalidates it (an ``ANALYZE`` of the table, DDL). The pool keeps its connections for the life
of the process (``pg_pool.py``), and the hot statements are prepared (``pg_wire.py``), so a
generic plan made early lives as long as the server.

That goes wrong wherever a table grows while its statistics are not refreshed (autovacuum off,
or a table analysed while nearly empty and not yet due for autoanalyze): Entra creates a group
empty and PATCHes members in (docs/idp/entra.md §5.5), and an initial sync creates a directory's
users one by one behind lookups that run from the first user on. Measured (docs/performance.md,
"Fifth pass"): lookups prepared while ``users`` held two rows, then 300,000 rows inserted
without ``ANALYZE``: a ``userName`` lookup took 85-89 ms instead of 1.5-1.7 (a GET by id 57-65
ms), until an ``ANALYZE``; earlier, removing one member of a 100,000-member group scanned every
member row ("A regression this run shows"). A custom plan sees the table's current size and the
value looked up, and probes the index at any size.

The price is planning at every execution (prepared statements still skip parsing and
analysis): 86-240 µs of PostgreSQL's CPU per hot statement against 16-41 µs for executing it.
Preparing a statement anew every few seconds instead (so that a generic plan follows the
table's size) was tried and refused: a generic plan made from stale statistics after the growth
still probed the wrong index for a GET by id (30-40 ms at 300,000 users), where a custom plan,
which sees the value, took the primary key. SQLite has no plan cache across statements;
nothing is set there.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Engine, event

__all__ = ["CUSTOM_PLANS_ONLY", "install_custom_plans"]

CUSTOM_PLANS_ONLY: Final = "SET plan_cache_mode = force_custom_plan"
"""The session setting every PostgreSQL connection of scimdir gets when it connects."""


def install_custom_plans(engine: Engine) -> None:
    """Plan every statement of ``engine``'s connections for its parameters (see the module)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        dbapi_connection.execute(CUSTOM_PLANS_ONLY)
        dbapi_connection.autocommit = autocommit
