"""Published limits: a group too large to return inline is refused with the way round it."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from scimdir.settings import Settings
from scimdir.web.app import create_app
from tests.web.conftest import make_tenant
from tests.web.test_entra_conformance import create_group, create_user, patch_body


def test_group_above_the_inline_limit_is_refused_with_the_fix(tmp_path: Path) -> None:
    """Above max_members_per_response a GET gets 400 tooMany naming excludedAttributes=members;
    the group stays readable without members and membership checks still work."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'limits.db'}", max_members_per_response=2
    )
    app = create_app(settings)
    with TestClient(app) as client:
        t = make_tenant(client, app.state.services)
        ids = [create_user(t, f"l{i}@contoso.com")["id"] for i in range(3)]
        group = create_group(t, "Big")
        t.patch(
            f"/Groups/{group}",
            patch_body({"op": "Add", "path": "members", "value": [{"value": i} for i in ids]}),
        )
        refused = t.get(f"/Groups/{group}")
        assert refused.status_code == 400
        assert refused.json()["scimType"] == "tooMany"
        assert "excludedAttributes=members" in refused.json()["detail"]
        assert "members" not in t.get(f"/Groups/{group}?excludedAttributes=members").json()
        check = f'/Groups?filter=id eq "{group}" and members[value eq "{ids[2]}"]'
        assert t.get(check + "&excludedAttributes=members").json()["totalResults"] == 1


def test_patch_with_too_many_operations_is_refused(tmp_path: Path) -> None:
    """A user or group PATCH above max_operations gets 400 invalidValue and changes nothing."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ops.db'}", max_operations=2)
    app = create_app(settings)
    with TestClient(app) as client:
        t = make_tenant(client, app.state.services)
        user = create_user(t, "ops@contoso.com")
        group = create_group(t, "Ops")
        op = {"op": "Replace", "path": "displayName", "value": "X"}
        for path in (f"/Users/{user['id']}", f"/Groups/{group}"):
            refused = t.patch(path, patch_body(op, op, op))
            assert refused.status_code == 400
            assert "at most 2 operations" in refused.json()["detail"]
        assert t.get(f"/Users/{user['id']}").json()["displayName"] == user["displayName"]
