"""Setup guides per IdP (service/setup_guides.py): after Add directory, the chosen IdP's steps
with the directory's tenant URL, the attribute mappings its preset requires, and escaped values."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scimdir.service.directory_settings import IDPS, preset
from scimdir.service.ports import DirectoryRecord
from scimdir.service.setup_guides import GUIDES, IDP_NAMES, setup_guide
from tests.admin.conftest import Console

# One step per IdP that the guide would be wrong without (docs/idp/<idp>.md §9).
KEY_STEPS = {
    "okta": "Test Connector Configuration",
    "onelogin": "SCIM Bearer Token",
    "jumpcloud": "Test Connection creates and then deletes a test user and group",
    "pingone": "User Identifier",
    "rippling": "Mutually Exclusive Groups",
    "authentik": "Backchannel Providers",
    "generic": "Google Workspace",
}


def test_every_preset_is_offered_and_has_a_guide() -> None:
    """The console's IdP choice lists every preset, and each but Entra (its own card) has steps."""
    assert set(IDP_NAMES) == set(IDPS)
    assert set(GUIDES) == set(IDPS) - {"entra"} == set(KEY_STEPS)


@pytest.mark.parametrize("idp", sorted(KEY_STEPS))
def test_add_directory_shows_the_idp_s_steps_with_its_tenant_url(
    console: Console, idp: str
) -> None:
    """The page after Add directory has the IdP's guide: its key step, the tenant URL in the
    steps, the directory's log command, and every mapping and required attribute."""
    console.sign_in()
    response = console.client.post(
        "/admin/directories/new",
        data={
            "name": f"{idp} {uuid.uuid4().hex[:8]}",
            "idp": idp,
            "csrf_token": console.csrf("/admin/directories/new"),
        },
    )
    assert response.status_code == 200, response.text
    page = response.text
    url = re.search(r'id="tenant-url" readonly value="([^"]+)"', page)
    assert url is not None
    directory_id = url.group(1).split("/scim/")[1].split("/")[0]
    guide = GUIDES[idp]
    assert f"<h2>{guide.title}</h2>" in page
    assert KEY_STEPS[idp] in re.sub(r"</?(em|strong)>", "", page)
    assert f"<code>{url.group(1)}</code>" in page  # the tenant URL inside a step
    assert f"scimdir directory log {directory_id} --failures" in page
    for mapping in guide.mappings:
        escaped = mapping.target.replace('"', "&#34;")
        assert f"<code>{escaped}</code>" in page
    for attr in preset(idp).required_attributes:
        assert f"<code>{attr}</code>" in page
    assert "Provision on demand" not in page  # not Entra's card


def test_guide_values_are_escaped() -> None:
    """A tenant URL or directory id with markup in it is escaped in every step."""
    record = DirectoryRecord(
        id="<b>id</b>",
        name="x",
        idp="okta",
        settings={},
        created=datetime.now(UTC),
        updated=datetime.now(UTC),
    )
    guide = setup_guide(record, 'https://x/"><script>alert(1)</script>')
    assert guide is not None
    text = "".join(guide.steps)
    assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text and "&lt;b&gt;id&lt;/b&gt;" in text
    assert "<em>" in text  # the guide's own markup stays
    assert setup_guide(replace(record, idp="entra"), "https://x") is None


def test_a_directory_name_with_markup_is_escaped_on_the_guide_page(console: Console) -> None:
    """The name shown on the created page with a guide is escaped."""
    console.sign_in()
    response = console.client.post(
        "/admin/directories/new",
        data={
            "name": "<script>alert(1)</script>",
            "idp": "rippling",
            "csrf_token": console.csrf("/admin/directories/new"),
        },
    )
    assert response.status_code == 200, response.text
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "Set up provisioning in Rippling" in response.text
