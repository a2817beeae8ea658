"""Every response under /scim/ is a SCIM error document, with a detail that says what to fix."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Tenant

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _scim_error(response: Any, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert fragment in body["detail"], body["detail"]


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/Foo", "No SCIM endpoint '/Foo' under the tenant URL; the endpoints are /Users"),
        ("/Users/abc/extra", "No SCIM endpoint '/Users/abc/extra'"),
        ("//Users", "the tenant URL must not end in a slash"),
        ("/Users/", "Remove the trailing slash from '/Users/'"),
    ],
)
def test_an_unknown_url_under_the_tenant_is_a_scim_404(
    entra: Tenant, path: str, fragment: str
) -> None:
    """Unknown paths, a double slash and a trailing slash answer 404 with the SCIM schema."""
    _scim_error(entra.get(path), 404, fragment)


@pytest.mark.parametrize(
    ("suffix", "fragment"),
    [
        ("/Users", "The tenant URL ends in /v2"),
        ("", "The tenant URL ends in /v2"),
        ("/v1/Users", "The tenant URL ends in /v2"),
        ("/v2", "This is the tenant URL; SCIM requests name an endpoint under it"),
    ],
)
def test_a_tenant_url_without_v2_is_a_scim_404_naming_v2(
    entra: Tenant, suffix: str, fragment: str
) -> None:
    """A tenant URL missing /v2 (or naming no endpoint) gets a 404 that says so."""
    _scim_error(entra.client.get(f"/scim/{entra.id}{suffix}"), 404, fragment)


@pytest.mark.parametrize("path", ["/scim", "/scim/"])
def test_the_scim_root_is_a_scim_404(entra: Tenant, path: str) -> None:
    """/scim itself names the form of a tenant URL."""
    _scim_error(entra.client.get(path), 404, "/scim/<tenant id>/v2")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/Users", "GET, HEAD, POST"),
        ("DELETE", "/Groups", "GET, HEAD, POST"),
        ("POST", "/Users/some-id", "DELETE, GET, HEAD, PATCH, PUT"),
        ("PATCH", "/Users", "GET, HEAD, POST"),
        ("TRACE", "/ServiceProviderConfig", "GET, HEAD"),
        ("PROPFIND", "/Schemas", "GET, HEAD"),
    ],
)
def test_a_method_an_endpoint_lacks_is_a_scim_405_with_allow(
    entra: Tenant, method: str, path: str, allow: str
) -> None:
    """PUT on a collection and other unsupported methods answer 405 with Allow."""
    response = entra.client.request(method, entra.url(path), headers=entra._auth({}))
    _scim_error(response, 405, f"{method} is not a method of this endpoint; it answers {allow}")
    assert response.headers["allow"] == allow


def test_served_routes_are_not_shadowed(entra: Tenant) -> None:
    """The fallback answers only what no route serves: the endpoints still work."""
    assert entra.get("/Users").status_code == 200
    assert entra.get("/ServiceProviderConfig").status_code == 200
    assert entra.get("/Users/missing").json()["status"] == "404"
