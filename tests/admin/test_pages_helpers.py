"""The helpers console templates format values with."""

from __future__ import annotations

from scimdir.admin.pages import primary_email, short_path


def test_short_path_drops_the_tenant_prefix_only() -> None:
    """A SCIM path loses its /scim/<id>/v2 prefix; other paths (admin actions) stay as logged."""
    assert short_path("/scim/abc/v2/Users/u1") == "/Users/u1"
    assert short_path("/scim/abc/v2") == "/"
    assert short_path("/scim/abc/v2x/Users") == "/scim/abc/v2x/Users"
    assert short_path("rotate-secret") == "rotate-secret"


def test_primary_email_prefers_the_primary_then_the_first() -> None:
    """The primary e-mail, else the first one with a value, else empty; junk is ignored."""
    assert primary_email({"emails": [{"value": "a@x"}, {"value": "b@x", "primary": True}]}) == "b@x"
    assert primary_email({"emails": ["junk", {"value": "a@x"}]}) == "a@x"
    assert primary_email({"emails": "a@x"}) == ""
    assert primary_email({}) == ""
