"""An Entra provisioning simulator: drive any SCIM endpoint the way Microsoft Entra ID does.

An admin rehearses a whole provisioning job in seconds instead of waiting for Entra's 40-minute
cycles: Test Connection, an initial cycle (matching lookups, creates, updates, groups created
empty and members added in batches) and an incremental cycle (updates, disables, deletes, member
removals), with the request shapes and quirks of ``docs/idp/entra.md``. Source users
become SCIM payloads through :mod:`scimdir.mapping` (the same mappings files and presets as
``scimdir mapping preview``). The result is an Entra-style provisioning report::

    client = EntraClient(httpx.Client(), "https://scim.example/scim/<tenant>/v2", secret)
    report = Simulator(client, mappings).run(source_users(users), groups)
"""

from __future__ import annotations

from scimdir.simulator.client import EntraClient, Reply
from scimdir.simulator.cycle import Simulator
from scimdir.simulator.report import Entry, Outcome, Report
from scimdir.simulator.sources import (
    Changes,
    SourceGroup,
    SourceUser,
    load_changes,
    load_groups,
    source_users,
)

__all__ = [
    "Changes",
    "EntraClient",
    "Entry",
    "Outcome",
    "Reply",
    "Report",
    "Simulator",
    "SourceGroup",
    "SourceUser",
    "load_changes",
    "load_groups",
    "source_users",
]
