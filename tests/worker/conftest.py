"""The management API fixtures (``api``, ``directory``), reused for the worker tests."""

from tests.api.conftest import api, directory

__all__ = ["api", "directory"]
