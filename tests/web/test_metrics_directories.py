"""``scimdir_directory_requests_total``: each directory's requests by outcome, with a bounded
number of directory labels per process."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from scimdir.web import metrics
from scimdir.web.metrics import DirectoryLabels

from .conftest import Tenant


def _count(directory: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "scimdir_directory_requests_total", {"directory": directory, "outcome": outcome}
    )
    return value or 0.0


def test_the_first_directories_get_a_label_and_the_rest_count_as_other() -> None:
    """With a limit of two, a third directory is counted as `other`; the first two keep theirs."""
    labels = DirectoryLabels(limit=2)
    assert [labels.label(d) for d in ("a", "b", "c", "a", "d")] == ["a", "b", "other", "a", "other"]


def test_a_directory_s_requests_are_counted_by_outcome(
    entra: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A served request counts as `ok`, a refused one as `client_error`, both under its id;
    a wrong secret counts as `unauthenticated`, never under the directory it named."""
    # This worker's process has served many test directories: start from fresh labels.
    monkeypatch.setattr(metrics, "DIRECTORY_LABELS", DirectoryLabels(limit=10))
    ok, bad = _count(entra.id, "ok"), _count(entra.id, "client_error")
    anonymous = _count("unauthenticated", "auth_failure")
    assert entra.get("/Users").status_code == 200
    assert entra.post("/Users", {"schemas": []}).status_code == 400
    wrong = entra.client.get(
        f"/scim/{entra.id}/v2/Users", headers={"Authorization": "Bearer wrong"}
    )
    assert wrong.status_code == 401
    assert _count(entra.id, "ok") == ok + 1
    assert _count(entra.id, "client_error") == bad + 1
    assert _count("unauthenticated", "auth_failure") == anonymous + 1
    assert _count(entra.id, "auth_failure") == 0
