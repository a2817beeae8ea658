"""A user write renders its user once, for its change event and its response: the response
built from the event's ``data`` (``render.add_groups``) is byte for byte what rendering the user
with its groups gives, and the event's ``data`` is unchanged by it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA
from scimdir.service.event_data import user_data
from scimdir.service.ports import UserRecord
from scimdir.service.render import add_groups, render_user

BASE = "https://scim.example.test/scim/d1/v2"
NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
DOCUMENTS: list[dict[str, Any]] = [
    {"userName": "a@example.test", "active": True},
    {
        "userName": "b@example.test",
        "name": {"givenName": "B"},
        ENTERPRISE_USER_SCHEMA: {"manager": {"value": "m"}},
        "urn:example:kept:2.0:User": {"x": 1},
    },
    # Never stored (readOnly, dropped by the parser), but rendered exactly all the same.
    {"userName": "c@example.test", "groups": [{"value": "old"}], "meta": {"x": 1}},
]
GROUPS: list[list[tuple[str, str]]] = [[], [("g1", "Sales")], [("g1", "Sales"), ("g2", "Ops")]]


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("groups", GROUPS)
def test_the_event_render_with_groups_added_is_the_full_render(
    document: dict[str, Any], groups: list[tuple[str, str]]
) -> None:
    record = UserRecord("u1", "d1", document["userName"], document, 3, NOW, NOW)
    data = user_data("user.updated", record, BASE)
    before = copy.deepcopy(data)
    resource = add_groups(data, record, BASE, groups)
    assert orjson.dumps(resource) == orjson.dumps(render_user(record, BASE, groups))
    assert orjson.dumps(data) == orjson.dumps(before)  # the event's data is left as it was
    assert (resource is data) == (not groups)
