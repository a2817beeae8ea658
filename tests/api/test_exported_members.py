"""The public surface of the management API package is deliberate."""

import inspect

import scimdir.api


def test_exported_members_are_exactly_the_public_names() -> None:
    """`scimdir.api` exports create_api, api_not_found and TITLE, and nothing else."""
    public = {
        name
        for name in dir(scimdir.api)
        if not name.startswith("_") and not inspect.ismodule(getattr(scimdir.api, name))
    }
    assert public == set(scimdir.api.__all__) == {"TITLE", "api_not_found", "create_api"}
