"""The simulator package's public surface."""

from __future__ import annotations

import scimdir.simulator


def test_exported_members() -> None:
    """__all__ lists exactly the public names, each importable."""
    assert sorted(scimdir.simulator.__all__) == [
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
    assert all(hasattr(scimdir.simulator, name) for name in scimdir.simulator.__all__)
