"""A list of values bound as ONE parameter of a statement prepared once.

``IN (:a, :b, ...)`` is a new statement for every length of the list: SQLAlchemy builds and
compiles it at every request, and PostgreSQL parses and plans it anew. A single parameter
carrying the whole list keeps the statement's text fixed, so it is compiled once and runs
prepared on the driver (``driver_statements.py``): on PostgreSQL an array (``= ANY(:ids)``,
``unnest(:ids, ...)``); on SQLite, which has no array type, one JSON array read by
``json_each`` (the JSON functions are built into every SQLite Python ships with since 3.38:
https://sqlite.org/json1.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Text, bindparam, func, select
from sqlalchemy.dialects import postgresql

__all__ = ["among", "bound_list"]


def bound_list(dialect: str, values: Sequence[Any]) -> Any:
    """``values`` as the one parameter :func:`among` (or a statement's own ``unnest`` or
    ``json_each``) reads: a list for psycopg to send as an array, a JSON array for SQLite."""
    if dialect == "postgresql":
        return list(values)
    return orjson.dumps(list(values)).decode()


def among(dialect: str, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """``column`` is one of the text values of the list bound as ``:name`` (:func:`bound_list`):
    ``= ANY(:name)`` on PostgreSQL, ``IN (SELECT value FROM json_each(:name))`` on SQLite."""
    if dialect == "postgresql":
        return column == func.any(bindparam(name, type_=postgresql.ARRAY(Text)))
    listed = func.json_each(bindparam(name, type_=Text)).table_valued("value", name=name)
    return column.in_(select(listed.c.value))
