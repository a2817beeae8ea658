"""Fixtures for the conformance tests: the API fixtures of tests/web, and a generic directory."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from scimdir.composition import Services
from tests.web.conftest import Tenant, app_services, entra, make_tenant

__all__ = ["app_services", "entra", "generic"]


@pytest.fixture
def generic(app_services: tuple[TestClient, Services]) -> Tenant:
    """A directory with the RFC-neutral generic preset."""
    return make_tenant(*app_services, idp="generic")
