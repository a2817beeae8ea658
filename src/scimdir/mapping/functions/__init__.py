"""The table of built-in functions (docs/idp/entra-expressions.md §4), one small function per
built-in.

:data:`FUNCTIONS` maps each canonical name to its
:class:`~scimdir.mapping.functions.base.FunctionSpec`.
:data:`NOT_FOR_PROVISIONING` lists names that exist elsewhere in Microsoft's family (Cloud Sync,
Graph's older function list, §4.46) with the hint shown when an expression uses them.
"""

from __future__ import annotations

from types import MappingProxyType

from scimdir.mapping.functions import (
    dates,
    diacritics,
    generate,
    logic,
    multivalue,
    replace,
    roles,
    text,
)
from scimdir.mapping.functions.base import FunctionSpec

__all__ = ["FUNCTIONS", "NOT_FOR_PROVISIONING"]

FUNCTIONS: MappingProxyType[str, FunctionSpec] = MappingProxyType(
    {
        spec.name: spec
        for module in (text, multivalue, logic, dates, replace, diacritics, generate, roles)
        for spec in module.SPECS
    }
)

NOT_FOR_PROVISIONING: MappingProxyType[str, str] = MappingProxyType(
    {
        "prepend": 'It is an older Graph name; use Join("", "prefix", source) instead.',
        "trim": 'It exists only in Cloud Sync; use Replace(source, , "^\\\\s+|\\\\s+$", , "", , ).',
        "isnothing": "It is an older Graph name; use IsNull(...).",
        "approleassignments": "It is an older Graph name; use AppRoleAssignmentsComplex(...).",
        "convertfrombase64": "It exists only in Cloud Sync.",
        "dncomponent": "It exists only in Cloud Sync.",
        "error": "It exists only in Cloud Sync.",
        "stringfromsid": "It exists only in Cloud Sync.",
    }
)
