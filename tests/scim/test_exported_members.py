"""The public surface of the SCIM core is deliberate."""

import inspect

import scimdir.scim


def test_exported_members_are_exactly_the_public_names() -> None:
    """Every public, non-module name of `scimdir.scim` is in `__all__`, and nothing else is."""
    public = {
        name
        for name in dir(scimdir.scim)
        if not name.startswith("_") and not inspect.ismodule(getattr(scimdir.scim, name))
    }
    assert public == set(scimdir.scim.__all__)
