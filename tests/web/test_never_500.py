"""Property: whatever a client sends, the answer is a SCIM response, never a 500 or a traceback."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scimdir.devtools.entra_bodies import entra_user
from tests.scim.fuzz_budget import FUZZ_EXAMPLES
from tests.web.conftest import Tenant

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "op",
                    "path",
                    "value",
                    "Operations",
                    "schemas",
                    "members",
                    "userName",
                    "emails",
                    "active",
                    "name",
                    "displayName",
                    "type",
                    "primary",
                    "manager",
                    "x",
                ]
            )
            | st.text(max_size=10),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
patch_ops = st.fixed_dictionaries(
    {
        "op": st.sampled_from(["add", "Replace", "remove", "REMOVE", "bogus"]),
        "path": st.sampled_from(
            [
                "members",
                'members[value eq "x"]',
                'emails[type eq "work"].value',
                "name.givenName",
                "active",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                "userName",
                "id",
                "emails[",
                "",
            ]
        ),
    },
    optional={"value": json_values},
)
RELAXED = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _is_scim_answer(response: Any) -> bool:
    if response.status_code >= 500:
        return False
    if response.status_code in (200, 201, 204):
        return True
    body = response.json()
    return body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"] and bool(
        body["detail"]
    )


@RELAXED
@given(body=json_values)
def test_any_post_body_gets_a_scim_answer(entra: Tenant, body: Any) -> None:
    """Random JSON posted as a user gets 201 or a 4xx SCIM error."""
    assert _is_scim_answer(entra.post("/Users", body))


@RELAXED
@given(ops=st.lists(patch_ops, min_size=1, max_size=3))
def test_any_patch_gets_a_scim_answer(entra: Tenant, ops: list[dict[str, Any]]) -> None:
    """Random PATCH operations on a user and a group get 2xx or a 4xx SCIM error."""
    user = entra.post("/Users", entra_user("fuzz@contoso.com"))
    user_id = (
        user.json()["id"]
        if user.status_code == 201
        else entra.get('/Users?filter=userName eq "fuzz@contoso.com"').json()["Resources"][0]["id"]
    )
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}
    assert _is_scim_answer(entra.patch(f"/Users/{user_id}", body))
    group = entra.post(
        "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "F"}
    )
    group_id = (
        group.json()["id"]
        if group.status_code == 201
        else entra.get('/Groups?filter=displayName eq "F"').json()["Resources"][0]["id"]
    )
    assert _is_scim_answer(entra.patch(f"/Groups/{group_id}", body))


@RELAXED
@given(text=st.text(max_size=60))
def test_any_filter_text_gets_a_scim_answer(entra: Tenant, text: str) -> None:
    """Arbitrary filter text answers 200 or 400, never 500."""
    assert _is_scim_answer(entra.get("/Users", params={"filter": text}))
    assert _is_scim_answer(entra.get("/Groups", params={"filter": text, "sortBy": text[:10]}))
