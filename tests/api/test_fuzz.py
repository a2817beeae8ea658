"""A schema-driven fuzzer (schemathesis) finds no 5xx and no answer that breaks the document.

Every operation of ``/api/v1/openapi.json`` is called with requests generated from the document
and an admin key, in process on SQLite; each answer must not be a server error and must conform
to the document (a declared status code, the declared media type and body schema, a problem for
a request that breaks the document). Hypothesis
drives the generation (schemathesis' own pytest plugin does not run on this pytest).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.testclient import TestClient

from scimdir.settings import Settings
from scimdir.web.app import create_app


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """The API's document loaded from the app, and an admin key."""
    database = Path(tmp_path_factory.mktemp("fuzz")) / "scimdir.db"
    app = create_app(Settings(database_url=f"sqlite:///{database}", public_url="https://x.test"))
    with TestClient(app):
        key = app.state.services.api_keys.create("fuzz", "admin").key
        app.state.services.directories.create("Fuzzed", "entra")
        yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app), key
    app.state.services.storage.dispose()


def test_no_operation_answers_a_server_error_or_breaks_its_document(
    loaded: tuple[Any, str],
) -> None:
    """Generated requests never get a 5xx, and every answer matches the OpenAPI document."""
    schema, key = loaded
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {key}"},
                # A cursor is opaque: a string of the right alphabet that this API did not issue
                # is rightly a 400, which this check would count as a valid request refused.
                excluded_checks=[positive_data_acceptance],
            )

        fuzz()
