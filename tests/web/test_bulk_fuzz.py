"""Property: whatever BulkRequest a client sends, the answer is a BulkResponse or a SCIM error,
and no operation's result is a 500."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scim.fuzz_budget import FUZZ_EXAMPLES
from tests.web.conftest import Tenant
from tests.web.test_never_500 import json_values

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

references = st.sampled_from(["bulkId:a", "bulkId:b", "bulkId:c", "bulkId:", "bulkId:zz", "x"])
members = st.lists(st.fixed_dictionaries({"value": references}), max_size=3)
plausible_data = st.one_of(
    st.fixed_dictionaries(
        {
            "schemas": st.just([USER]),
            "userName": st.sampled_from(["ann", "bob", "ANN", "bulkId:a"]),
            "displayName": st.sampled_from(["Ann", "bulkId:b"]),
            "emails": st.just([{"value": "ann@example.com", "primary": True}]),
        }
    ),
    st.fixed_dictionaries(
        {
            "schemas": st.just([GROUP]),
            "displayName": st.sampled_from(["G", "H", "G"]),
            "members": members,
        }
    ),
    st.fixed_dictionaries(
        {
            "schemas": st.just([PATCH]),
            "Operations": st.lists(
                st.fixed_dictionaries(
                    {
                        "op": st.sampled_from(["add", "Replace", "remove", "bad"]),
                        "path": st.sampled_from(["members", "displayName", "manager", "active"]),
                        "value": st.one_of(references, members, json_values),
                    }
                ),
                max_size=2,
            ),
        }
    ),
    json_values,
)
operations = st.fixed_dictionaries(
    {},
    optional={
        "method": st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "GET", "post", None, 3]),
        "path": st.sampled_from(
            [
                "/Users",
                "/Groups",
                "/Users/bulkId:a",
                "/Groups/bulkId:b",
                "/Groups/bulkId:c",
                "/Users/nope",
                "/Users/",
                "/Bulk",
                "",
                "Users",
                None,
            ]
        ),
        "bulkId": st.sampled_from(["a", "b", "c", "", None, 5]),
        "version": st.sampled_from([None, 'W/"1"', "*", "x", 1]),
        "data": plausible_data,
    },
)
bulk_requests = st.one_of(
    st.fixed_dictionaries(
        {"schemas": st.just([BULK]), "Operations": st.lists(operations | json_values, max_size=5)},
        optional={"failOnErrors": st.sampled_from([None, 0, 1, 2, "x", True, -1])},
    ),
    json_values,
)

FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(body=bulk_requests)
def test_any_bulk_request_gets_a_bulk_response_or_a_scim_error(entra: Tenant, body: Any) -> None:
    """Random BulkRequest JSON: 200 with a result per operation that ran, none of them 5xx,
    or a 4xx SCIM error for the request."""
    response = entra.post("/Bulk", body)
    answer = response.json()
    if response.status_code == 200:
        assert answer["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]
        assert len(answer["Operations"]) <= len(body["Operations"])
        for result in answer["Operations"]:
            assert isinstance(result["status"], str)
            assert int(result["status"]) < 500, result
            if int(result["status"]) >= 400:
                assert result["response"]["detail"]
    else:
        assert response.status_code in (400, 413), answer
        assert answer["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        assert answer["detail"]
