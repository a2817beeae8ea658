"""A directory whose stored settings cannot be read answers a logged SCIM error, not a bare 500."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from tests.web.conftest import Tenant


def test_bad_stored_settings_give_a_scim_500_with_the_fix_and_a_log_row(
    entra: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    """The IdP sees a SCIM error naming `scimdir directory set`; the log and server log say why."""
    directories = entra.services.directories
    with entra.services.storage.transaction() as tx:
        tx.update_directory(replace(directories.get(entra.id), settings={"deletion": "purge"}))
    with caplog.at_level(logging.ERROR):
        response = entra.get("/Users")
    assert response.status_code == 500
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert f"scimdir directory set {entra.id} KEY VALUE" in body["detail"]
    assert "stored settings are invalid" in caplog.text
    entra.services.log_sink.flush()
    rows = directories.log(entra.id, failures_only=True)
    assert [(row.status, row.path) for row in rows] == [(500, f"/scim/{entra.id}/v2/Users")]
    assert rows[0].detail is not None
    assert "scimdir directory set" in rows[0].detail
