"""App role built-ins (docs/idp/entra-expressions.md §4.2, 4.39; CUST "Provisioning a role to a
SCIM app").

**[decision]** The sample-data model of ``appRoleAssignments`` is a list of
``{"id", "value", "displayName"}`` objects; plain strings (Graph's parseExpression sample uses
``["Default Assignment"]``) are read as roles whose value and display name are that string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimdir.mapping.functions.base import FunctionSpec, Invocation
from scimdir.mapping.values import Value

__all__ = ["SPECS"]

ROLE_TYPE = "WindowsAzureActiveDirectoryRole"


def _roles(inv: Invocation) -> list[Mapping[str, Any]]:
    value = inv.arg(0)
    if value is None:
        return []
    items = value if isinstance(value, tuple) else (value,)
    roles: list[Mapping[str, Any]] = []
    for item in items:
        if isinstance(item, str):
            roles.append({"value": item, "displayName": item})
        elif isinstance(item, Mapping):
            roles.append(item)
        else:
            inv.fail("appRoleAssignments must be a list of role objects or role names.", 0)
    return roles


def app_role_assignments_complex(inv: Invocation) -> Value:
    """AppRoleAssignmentsComplex([appRoleAssignments]): every role, each with ``primary`` false.

    Entra POSTs ``{"primary": false, "type": "WindowsAzureActiveDirectoryRole", "displayName",
    "value"}`` per role (CUST). No assignments -> an empty list; Null -> Null.
    """
    if inv.arg(0) is None:
        return None
    return tuple(
        {
            "primary": False,
            "type": ROLE_TYPE,
            "displayName": role.get("displayName", role.get("value")),
            "value": role.get("value"),
        }
        for role in _roles(inv)
    )


def single_app_role_assignment(inv: Invocation) -> Value:
    """SingleAppRoleAssignment([appRoleAssignments]): the value of one role.

    Entra's choice among several roles is unpredictable: a warning says so and the first is used.
    **[decision]** No assignments -> Null.
    """
    roles = _roles(inv)
    if len(roles) > 1:
        inv.env.warn(
            "SingleAppRoleAssignment: the user has several app roles and Entra picks one "
            "unpredictably; use AppRoleAssignmentsComplex to send them all."
        )
    if not roles:
        return None
    value = roles[0].get("value")
    return value if isinstance(value, str) else None


SPECS = (
    FunctionSpec(
        "AppRoleAssignmentsComplex", ("[appRoleAssignments]",), 1, 1, app_role_assignments_complex
    ),
    FunctionSpec(
        "AssertiveAppRoleAssignmentsComplex",
        ("[appRoleAssignments]",),
        1,
        1,
        app_role_assignments_complex,
    ),
    FunctionSpec(
        "SingleAppRoleAssignment", ("[appRoleAssignments]",), 1, 1, single_app_role_assignment
    ),
)
