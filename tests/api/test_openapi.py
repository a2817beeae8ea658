"""The API is described by a valid OpenAPI 3.1 document, and its docs page is self-contained."""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any, get_args

from openapi_spec_validator import validate

from scimdir.api.directory_models import IdpName
from scimdir.service.directory_settings import IDPS

from .conftest import Api


def _document(api: Api) -> dict[str, Any]:
    response = api.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_the_document_is_valid_openapi_3_1(api: Api) -> None:
    """/api/v1/openapi.json validates against the OpenAPI 3.1 schema and names its server."""
    document = _document(api)
    validate(document)
    assert (document["openapi"], document["servers"]) == ("3.1.0", [{"url": "/api/v1"}])


def test_every_operation_needs_the_bearer_key(api: Api) -> None:
    """Each operation declares the bearer API key."""
    document = _document(api)
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    for operations in document["paths"].values():
        for operation in operations.values():
            assert operation["security"] == [{"apiKey": []}]


def test_error_responses_are_declared_as_problem_json(api: Api) -> None:
    """Every declared 4xx response is application/problem+json with the Problem schema."""
    document = _document(api)
    for operations in document["paths"].values():
        for operation in operations.values():
            errors = {k: v for k, v in operation["responses"].items() if k.startswith("4")}
            assert {"401", "403", "422"} <= set(errors)
            for response in errors.values():
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }


def test_the_docs_page_loads_its_assets_from_the_package(api: Api) -> None:
    """/api/v1/docs references only files the server serves from the package, byte for byte."""
    page = api.client.get("/api/v1/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert sorted(urls) == [
        "/api/v1/static/favicon-32x32.png",
        "/api/v1/static/swagger-ui-bundle.js",
        "/api/v1/static/swagger-ui.css",
    ]
    assert "http://" not in page.text and "https://" not in page.text
    static = files("scimdir.api") / "static"
    for url in urls:
        served = api.client.get(url)
        assert served.content == (static / url.rsplit("/", 1)[1]).read_bytes()
    assert "'/api/v1/openapi.json'" in page.text


def test_the_idp_names_of_the_models_are_the_presets() -> None:
    """The API's IdP choices are exactly the service's presets."""
    assert get_args(IdpName) == IDPS
