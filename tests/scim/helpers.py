"""Shared helpers for the SCIM core tests: PATCH bodies and exact error assertions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from scim2_models.exceptions import SCIMException

from scimdir.scim.dialects import dialect_for
from scimdir.scim.patch import PatchResult, apply_patch, parse_patch_request
from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA, PATCH_OP_SCHEMA, ResourceType

ENT = ENTERPRISE_USER_SCHEMA


def body(*ops: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp message holding ``ops``."""
    return {"schemas": [PATCH_OP_SCHEMA], "Operations": list(ops)}


def patch(rt: ResourceType, doc: dict[str, Any], *ops: dict[str, Any]) -> PatchResult:
    """Parse and apply ``ops`` with the core only (no dialect)."""
    return apply_patch(rt, doc, parse_patch_request(body(*ops)))


def via(idp: str, rt: ResourceType, doc: dict[str, Any], message: Any) -> PatchResult:
    """Normalise ``message`` through ``idp``'s dialect, then parse and apply it."""
    normalised, _ = dialect_for(idp).normalize_patch(rt, message)
    return apply_patch(rt, doc, parse_patch_request(normalised))


@contextmanager
def scim_error(scim_type: str | None, status: int = 400) -> Iterator[Callable[[], str]]:
    """Expect a SCIMException with exactly this status and scimType; yields its detail getter."""
    with pytest.raises(SCIMException) as info:
        yield lambda: info.value.detail
    assert (info.value.status, info.value.scim_type or None) == (status, scim_type)


@contextmanager
def refused(scim_type: str, fragment: str) -> Iterator[None]:
    """Expect a 400 SCIMException of ``scim_type`` whose detail contains ``fragment``."""
    with scim_error(scim_type) as detail:
        yield
    assert fragment in detail(), detail()
