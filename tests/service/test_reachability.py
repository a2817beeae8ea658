"""A tenant URL an identity provider in the cloud can never reach is named as such."""

from __future__ import annotations

import pytest

from scimdir.service.reachability import unreachable_reason


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "http://127.8.9.1",
        "http://localhost:8000",
        "http://app.localhost",
        "http://[::1]:8000",
        "http://0.0.0.0:8000",
    ],
)
def test_loopback_and_unspecified_addresses_are_unreachable(url: str) -> None:
    """Loopback names and addresses (and 0.0.0.0) get a reason naming the fix."""
    reason = unreachable_reason(url)
    assert reason is not None
    assert "SCIMDIR_PUBLIC_URL" in reason


@pytest.mark.parametrize(
    "url", ["https://scim.example.com", "https://203.0.113.7:8443", "http://10.0.0.5:8000"]
)
def test_other_addresses_are_not_flagged(url: str) -> None:
    """A public name or any non-loopback address may be reachable: no warning."""
    assert unreachable_reason(url) is None
