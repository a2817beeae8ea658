"""PostgreSQL's write path in fewer round trips: statements that do in one what SQLite does in
several (SQLite runs in process, so its extra statements cost no network wait; it has no
data-modifying ``WITH`` either, hence the dialect split).

- :data:`EVENT_WITH_COUNTERS`: the outbox append (port rule 7) and the buffered list counters
  (``counters.py``) in one statement: ``WITH next_seq AS (UPDATE directories SET event_seq =
  event_seq + 1, user_count = user_count + :du, ... RETURNING event_seq) INSERT INTO events
  SELECT ..., next_seq.event_seq FROM next_seq RETURNING seq`` (parameters:
  ``directory_id``, ``du``/``gu``/``dg``/``gg`` and the event's columns prefixed ``ev_``). It
  takes the same directory row lock, at the same point of the unit of work, as the two or
  three statements it replaces, so seq order is still commit order and the lock order (rule 8)
  is unchanged.
- :data:`USER_WITH_EMAILS`: a user and its e-mail rows in one statement, the e-mails inserted
  only if the user was (``ON CONFLICT DO NOTHING`` on the user, rule 3).
- :data:`CREATE_USER`: a whole user create, the user, its e-mail and ``user_values`` rows, the
  list counters, the event's seq and the event, in one statement (port method
  ``insert_user_with_event``). The directory row is updated ``FROM`` the inserted user, so it is
  locked only once the user's row is in (users before the directory row, rule 8), and a taken id
  or userName (``ON CONFLICT DO NOTHING``, rule 3) writes nothing at all: no counter, no seq, no
  event. Sent as a unit of work's first statement it runs in autocommit
  (``transaction.py``): the statement is the transaction, so a create costs no ``BEGIN`` and no
  ``COMMIT``, and the row lock taken for its seq is still held until it commits (rule 7).
- :data:`UPDATE_USER`: the optimistic update of a user (port rule 4) and its e-mail rows in one
  statement, without a savepoint: a userName another user holds makes it match nothing instead
  of violating the unique index, and the caller then takes its savepoint path, which raises
  :class:`~scimdir.service.ports.UniquenessViolation` and leaves the transaction usable. (If
  another writer commits that userName while the statement runs, the unique index refuses it
  and the unit of work is run again: ``TransientConflict``.)

Each is built once and prepared by psycopg after a few runs (docs/performance.md, "PostgreSQL
round trips"), and run on the driver (``driver_statements.DriverStatement``, the ``*_RUN``
objects): through ``Connection.execute`` each cost 100-200 µs of Python per request (cache key,
parameter processing, result proxy) on every create and PATCH, more than its round trip.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Text,
    bindparam,
    delete,
    func,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY

from scimdir.storage.sql.driver_statements import DriverStatement
from scimdir.storage.sql.tables import (
    directories,
    events,
    groups,
    user_emails,
    user_values,
    users,
)

__all__ = [
    "BUMP_GROUP_WITH_EVENT",
    "BUMP_GROUP_WITH_EVENT_RUN",
    "CREATE_USER",
    "CREATE_USER_RUN",
    "EVENT_WITH_COUNTERS",
    "EVENT_WITH_COUNTERS_RUN",
    "SETTABLE_USER_COLUMNS",
    "UPDATE_USER",
    "UPDATE_USER_RUN",
    "UPDATE_USER_WITH_EVENT",
    "UPDATE_USER_WITH_EVENT_RUN",
    "USER_WITH_EMAILS",
    "USER_WITH_EMAILS_RUN",
    "email_arrays",
    "value_arrays",
]

_d = directories.c
_COUNTERS = {
    "du": _d.user_count,
    "gu": _d.user_generation,
    "dg": _d.group_count,
    "gg": _d.group_generation,
}


def _seq_cte(directory: Any, name: str, counters: tuple[str, ...] = ()) -> Any:
    """The CTE ``name``: ``UPDATE directories SET event_seq = event_seq + 1`` and each of the
    list counters named (``du``, ``gu``, ``dg``, ``gg``: the parameter adds to its column)
    ``WHERE id = directory RETURNING event_seq``. ``directory`` is a parameter, or a column of
    the CTE that writes the resource: then the directory row is taken after the resource's
    (rule 8), and not at all when that CTE wrote nothing."""
    values: dict[Any, Any] = {_d.event_seq: _d.event_seq + 1}
    for param in counters:
        values[_COUNTERS[param]] = _COUNTERS[param] + bindparam(param, type_=Integer)
    return (
        update(directories)
        .where(_d.id == directory)
        .values(values)
        .returning(_d.event_seq)
        .cte(name)
    )


_ALL_COUNTERS = ("du", "gu", "dg", "gg")
_next_seq = _seq_cte(bindparam("directory_id"), "next_seq", _ALL_COUNTERS)
_EVENT_COLUMNS = ("event_id", "type", "resource_type", "resource_id", "data", "changed", "created")


def _event_at(seq: Any, directory_param: str) -> Any:
    """``INSERT INTO events ... SELECT`` the event of the ``ev_*`` parameters at the seq the CTE
    ``seq`` returned, ``RETURNING seq``. (``ev_``: a parameter named after a directories column
    would join the UPDATE's SET.)"""
    return (
        postgresql.insert(events)
        .from_select(
            ["directory_id", "seq", *_EVENT_COLUMNS],
            select(
                bindparam(directory_param, type_=events.c.directory_id.type),
                seq.c.event_seq,
                *(bindparam(f"ev_{name}", type_=events.c[name].type) for name in _EVENT_COLUMNS),
            ),
        )
        .returning(events.c.seq)
    )


EVENT_WITH_COUNTERS = _event_at(_next_seq, "directory_id")
EVENT_WITH_COUNTERS_RUN = DriverStatement(EVENT_WITH_COUNTERS)

_EMAIL_ARRAYS = (
    ("position", Integer),
    ("value", Text),
    ("value_norm", Text),
    ("type", Text),
)


def _emails_from(source_directory: Any, source_user: Any, row_source: Any) -> Any:
    """``SELECT directory, user, e.* FROM row_source JOIN unnest(:e_position, ...) AS e ON
    true``: one row per e-mail for each row of ``row_source`` (the new or updated user)."""
    unnest = (
        func.unnest(
            *(bindparam(f"e_{name}", type_=ARRAY(kind)) for name, kind in _EMAIL_ARRAYS),
            bindparam("e_primary", type_=ARRAY(postgresql.BOOLEAN)),
        )
        .table_valued("position", "value", "value_norm", "type", "primary", name="e")
        .render_derived()
    )
    return select(
        source_directory,
        source_user,
        unnest.c.position,
        unnest.c.value,
        unnest.c.value_norm,
        unnest.c.type,
        unnest.c.primary,
    ).select_from(row_source.join(unnest, true()))


_EMAIL_TARGET = ["directory_id", "user_id", "position", "value", "value_norm", "type", "primary"]

_new_user = (
    postgresql.insert(users)
    .values({c: bindparam(f"u_{c.name}", type_=c.type) for c in users.c})
    .on_conflict_do_nothing()
    .returning(users.c.directory_id, users.c.id)
    .cte("new_user")
)
_user_emails = _emails_from(_new_user.c.directory_id, _new_user.c.id, _new_user)
USER_WITH_EMAILS: Any = (
    postgresql.insert(user_emails)
    .from_select(_EMAIL_TARGET, _user_emails.add_cte(_new_user))
    .returning(literal_column("1"))
)
"""Parameters: every ``users`` column prefixed ``u_`` and :func:`email_arrays`; returns a row
per e-mail
inserted, none when the user's id or userName was taken."""
USER_WITH_EMAILS_RUN = DriverStatement(USER_WITH_EMAILS)


def email_arrays(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """The ``e_*`` array parameters of the e-mail rows of ``columns.email_rows``."""
    return {
        "e_position": [r["position"] for r in rows],
        "e_value": [r["value"] for r in rows],
        "e_value_norm": [r["value_norm"] for r in rows],
        "e_type": [r["type"] for r in rows],
        "e_primary": [r["primary"] for r in rows],
    }


# --- a whole create: user, e-mails, values, counters, seq and event -------------------------

_values = (
    func.unnest(
        bindparam("v_attribute", type_=ARRAY(Text)),
        bindparam("v_position", type_=ARRAY(Integer)),
        bindparam("v_value_norm", type_=ARRAY(Text)),
    )
    .table_valued("attribute", "position", "value_norm", name="v")
    .render_derived()
)
_new_values = (
    postgresql.insert(user_values)
    .from_select(
        ["directory_id", "user_id", "attribute", "position", "value_norm"],
        select(
            _new_user.c.directory_id,
            _new_user.c.id,
            _values.c.attribute,
            _values.c.position,
            _values.c.value_norm,
        ).select_from(_new_user.join(_values, true())),
    )
    .cte("new_values")
)
_new_emails = (
    postgresql.insert(user_emails)
    .from_select(_EMAIL_TARGET, _emails_from(_new_user.c.directory_id, _new_user.c.id, _new_user))
    .cte("new_emails")
)
_created_seq = _seq_cte(_new_user.c.directory_id, "created_seq", ("du", "gu"))
CREATE_USER: Any = _event_at(_created_seq, "u_directory_id").add_cte(
    _new_user, _new_emails, _new_values, _created_seq
)
"""Parameters: every ``users`` column prefixed ``u_``, :func:`email_arrays`,
:func:`value_arrays`, ``du``/``gu`` (the linked-user counter's delta and generation bump) and the
event's columns prefixed ``ev_``; returns the event's seq, no row when the user's id or userName
was taken (then nothing was written)."""
CREATE_USER_RUN = DriverStatement(CREATE_USER)


def value_arrays(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """The ``v_*`` array parameters of the rows of ``columns.value_rows``."""
    return {
        "v_attribute": [r["attribute"] for r in rows],
        "v_position": [r["position"] for r in rows],
        "v_value_norm": [r["value_norm"] for r in rows],
    }


# --- optimistic user update (port rule 4) with its e-mails, no savepoint -----------------------

_taken = users.alias("taken")
SETTABLE_USER_COLUMNS = [c for c in users.c if c.name not in ("directory_id", "id", "created")]
_updated = (
    update(users)
    .where(
        users.c.directory_id == bindparam("w_directory_id", type_=String),
        users.c.id == bindparam("w_id", type_=String),
        users.c.version == bindparam("w_version", type_=Integer),
        users.c.linked == bindparam("w_linked", type_=postgresql.BOOLEAN),
        # Another user already holds the new userName: match nothing instead of violating the
        # unique index (which would abort the transaction without a savepoint); the caller
        # then takes the savepoint path, which raises UniquenessViolation.
        ~select(_taken.c.id)
        .where(
            _taken.c.directory_id == bindparam("w_directory_id", type_=String),
            _taken.c.user_name_norm == bindparam("s_user_name_norm", type_=String),
            _taken.c.id != bindparam("w_id", type_=String),
        )
        .exists(),
    )
    .values({c: bindparam(f"s_{c.name}", type_=c.type) for c in SETTABLE_USER_COLUMNS})
    .returning(users.c.id, users.c.directory_id)
    .cte("updated")
)
_kept_insert = postgresql.insert(user_emails).from_select(
    _EMAIL_TARGET,
    _emails_from(bindparam("w_directory_id", type_=String), _updated.c.id, _updated),
)
_EMAIL_FIELDS = ("value", "value_norm", "type", "primary")
_kept_emails = _kept_insert.on_conflict_do_update(
    index_elements=[user_emails.c.directory_id, user_emails.c.user_id, user_emails.c.position],
    set_={name: _kept_insert.excluded[name] for name in _EMAIL_FIELDS},
    # An unchanged e-mail (a PATCH of displayName) is not rewritten: no new row version.
    where=or_(
        *(
            user_emails.c[name].is_distinct_from(_kept_insert.excluded[name])
            for name in _EMAIL_FIELDS
        )
    ),
).cte("kept_emails")
_dropped_emails = (
    delete(user_emails)
    .where(
        user_emails.c.directory_id == bindparam("w_directory_id", type_=String),
        user_emails.c.user_id == bindparam("w_id", type_=String),
        user_emails.c.position >= bindparam("e_count", type_=Integer),
        select(_updated.c.id).exists(),
    )
    .cte("dropped_emails")
)
UPDATE_USER = (
    select(func.count()).select_from(_updated).add_cte(_kept_emails).add_cte(_dropped_emails)
)
"""The update of a user whose ``linked`` is unchanged, its e-mail rows upserted by position and
the surplus ones deleted (disjoint rows, so the order in which PostgreSQL runs the parts does not
matter), in one statement. Parameters: ``w_directory_id``, ``w_id``, ``w_version``,
``w_linked``, every settable column prefixed ``s_``, :func:`email_arrays` and ``e_count``.
Returns 1 when the user was updated; 0 when its version or ``linked`` differ, it is gone, or
its new userName is taken (the caller tells these apart on the savepoint path)."""
UPDATE_USER_RUN = DriverStatement(UPDATE_USER)


# --- the same update with its user_values rows, the list counters' row and the event ----------

_kept_values_insert = postgresql.insert(user_values).from_select(
    ["directory_id", "user_id", "attribute", "position", "value_norm"],
    select(
        _updated.c.directory_id,
        _updated.c.id,
        _values.c.attribute,
        _values.c.position,
        _values.c.value_norm,
    ).select_from(_updated.join(_values, true())),
)
_kept_values = _kept_values_insert.on_conflict_do_update(
    index_elements=[c for c in user_values.primary_key.columns],
    set_={"value_norm": _kept_values_insert.excluded.value_norm},
    where=user_values.c.value_norm != _kept_values_insert.excluded.value_norm,
).cte("kept_values")
_new_set = (
    func.unnest(
        bindparam("v_attribute", type_=ARRAY(Text)),
        bindparam("v_position", type_=ARRAY(Integer)),
    )
    .table_valued("attribute", "position", name="kept")
    .render_derived()
)
_dropped_values = (
    delete(user_values)
    .where(
        user_values.c.directory_id == bindparam("w_directory_id", type_=String),
        user_values.c.user_id == bindparam("w_id", type_=String),
        ~select(_new_set.c.attribute)
        .where(
            _new_set.c.attribute == user_values.c.attribute,
            _new_set.c.position == user_values.c.position,
        )
        .exists(),
        select(_updated.c.id).exists(),
    )
    .cte("dropped_values")
)
_updated_seq = _seq_cte(_updated.c.directory_id, "updated_seq")
UPDATE_USER_WITH_EVENT: Any = _event_at(_updated_seq, "w_directory_id").add_cte(
    _updated, _kept_emails, _dropped_emails, _kept_values, _dropped_values, _updated_seq
)
"""A user update whose ``linked`` is unchanged (:data:`UPDATE_USER`: version, ``linked`` and
the userName's availability checked), its e-mail and ``user_values`` rows upserted by position
and the surplus ones deleted (disjoint rows again), the outbox seq and the event, in one
statement. Parameters: those of :data:`UPDATE_USER`, :func:`value_arrays` and the event's
columns prefixed ``ev_``. Returns the event's seq; no row when the user was not updated (then
nothing was written), which the caller tells apart on the savepoint path. Declared extension
attributes are not indexed here: a user that has or had one takes the general path."""
UPDATE_USER_WITH_EVENT_RUN = DriverStatement(UPDATE_USER_WITH_EVENT)


# --- a group's version bump (a membership change) with its event ----------------------------

_bumped = (
    update(groups)
    .where(
        groups.c.directory_id == bindparam("g_directory_id", type_=String),
        groups.c.id == bindparam("g_id", type_=String),
        groups.c.version == bindparam("g_expected", type_=Integer),
    )
    .values(version=bindparam("g_version", type_=Integer), last_modified=bindparam("g_modified"))
    .returning(groups.c.directory_id)
    .cte("bumped")
)
_bumped_seq = _seq_cte(_bumped.c.directory_id, "bumped_seq", _ALL_COUNTERS)
BUMP_GROUP_WITH_EVENT: Any = _event_at(_bumped_seq, "g_directory_id").add_cte(_bumped, _bumped_seq)
"""A group's version and ``last_modified`` set at the version expected (port rule 4: a
membership change bumps them), the buffered list counters, the outbox seq and one event, in
one statement. Parameters: ``g_directory_id``, ``g_id``, ``g_expected``, ``g_version``,
``g_modified``, ``du``/``gu``/``dg``/``gg`` and the event's columns prefixed ``ev_``. Returns
the event's seq; no row when the group is not at that version (then nothing was written)."""
BUMP_GROUP_WITH_EVENT_RUN = DriverStatement(BUMP_GROUP_WITH_EVENT)
