"""Property: no accepted core User attribute is dropped on a round trip (POST, then GET returns
every attribute exactly as sent), on SQLite and PostgreSQL.

The generated users draw any subset of the RFC 7643 §4.1 attributes an IdP may send, with
sub-attributes in their schema spelling, so the canonical form is the input itself.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from scimdir.composition import Services
from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA, USER_SCHEMA

from .conftest import make_tenant

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
)
_primary = st.booleans()


def _multi(**subs: st.SearchStrategy[Any]) -> st.SearchStrategy[list[dict[str, Any]]]:
    item = st.fixed_dictionaries({}, optional=subs).filter(bool)
    return st.lists(item, min_size=1, max_size=3, unique_by=lambda d: repr(sorted(d.items())))


_default_subs = {"value": _text, "display": _text, "type": _text, "primary": _primary}
_CORE: dict[str, st.SearchStrategy[Any]] = {
    "displayName": _text,
    "nickName": _text,
    "profileUrl": _text,
    "title": _text,
    "userType": _text,
    "preferredLanguage": _text,
    "locale": _text,
    "timezone": _text,
    "active": st.booleans(),
    "name": st.fixed_dictionaries(
        {},
        optional={
            k: _text
            for k in (
                "formatted",
                "familyName",
                "givenName",
                "middleName",
                "honorificPrefix",
                "honorificSuffix",
            )
        },
    ).filter(bool),
    "emails": _multi(**_default_subs),
    "phoneNumbers": _multi(**_default_subs),
    "ims": _multi(**_default_subs),
    "photos": _multi(**_default_subs),
    "entitlements": _multi(**_default_subs),
    "roles": _multi(**_default_subs),
    "x509Certificates": _multi(**_default_subs),
    "addresses": _multi(
        **{
            k: _text
            for k in (
                "formatted",
                "streetAddress",
                "locality",
                "region",
                "postalCode",
                "country",
                "type",
            )
        },
        primary=_primary,
    ),
    ENTERPRISE_USER_SCHEMA: st.fixed_dictionaries(
        {},
        optional={
            k: _text
            for k in (
                "employeeNumber",
                "costCenter",
                "organization",
                "division",
                "department",
            )
        },
    ).filter(bool),
}
users = st.fixed_dictionaries({}, optional=_CORE)
_names = count()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(attributes=users)
def test_post_then_get_returns_every_accepted_attribute(
    app_services: tuple[TestClient, Services], attributes: dict[str, Any]
) -> None:
    """Every attribute of an accepted POST comes back from GET equal to what was sent."""
    tenant = make_tenant(*app_services, idp="generic")
    schemas = [USER_SCHEMA] + (
        [ENTERPRISE_USER_SCHEMA] if ENTERPRISE_USER_SCHEMA in attributes else []
    )
    body = {"schemas": schemas, "userName": f"prop-{next(_names)}@example.com", **attributes}
    created = tenant.post("/Users", body)
    assert created.status_code == 201, created.text
    got = tenant.get(f"/Users/{created.json()['id']}").json()
    assert {k: got.get(k) for k in attributes} == attributes
