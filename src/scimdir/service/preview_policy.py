"""``scimdir mapping preview --directory``: a directory's policies applied to users that are
not provisioned yet, with the same wording as the server's refusals.

A dry run of ``POST /Users`` for a previewed payload: required attributes from the directory's
settings (:mod:`scimdir.service.policies`, which the provisioning log quotes) and userName
uniqueness against the directory's users, case-insensitively, with user linking on creation;
Entra first looks a user up by its matching attributes, so an account it would find is updated,
not a collision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from scimdir.mapping.preview import Problem, TargetWarning, UserPreview
from scimdir.scim.extensions import directory_schema
from scimdir.service.directories import DirectoryService
from scimdir.service.directory_settings import DirectorySettings
from scimdir.service.policies import linked_collision, missing_required, unlinked_collision
from scimdir.service.ports import Storage
from scimdir.service.preview_targets import target_warnings

__all__ = ["DirectoryPreviewPolicy"]


class DirectoryPreviewPolicy:
    """The policies of one scimdir directory (``preview --directory``), as its server applies them.

    Required attributes come from the directory's settings and are explained with the server's own
    wording (:data:`scimdir.service.policies.REQUIREMENTS`, which the provisioning log quotes);
    userName uniqueness is checked against the directory's users the way ``POST /Users`` does
    (case-insensitively, user linking on creation), knowing that Entra first looks the user up by
    its matching attributes, so an account it would find is updated, not a collision.
    """

    def __init__(
        self,
        directories: DirectoryService,
        storage: Storage,
        directory_id: str,
        matching: list[str],
    ) -> None:
        """:raises DirectoryNotFound: no directory with that id."""
        self.directory = directories.get(directory_id)
        self.settings = DirectorySettings.of(self.directory)
        self.storage = storage
        self.matching = matching

    def target_warnings(self, targets: Iterable[str]) -> list[TargetWarning]:
        """Mapping targets this directory would refuse, drop or keep unfilterable
        (:mod:`scimdir.service.preview_targets`), against its declared extensions."""
        rt = directory_schema(self.directory.schema_extensions).user_type
        return target_warnings(rt, self.settings, self.directory.id, targets)

    def required(self, payload: Mapping[str, Any]) -> tuple[Problem, ...]:
        """The directory's required attributes that ``payload`` leaves empty."""
        entra = self.directory.idp == "entra"
        return tuple(
            Problem(
                req.name,
                f"{req.name} ({req.scim_path}) is empty",
                req.entra_fix if entra else req.generic_fix,
            )
            for req in missing_required(payload, self.settings.required_attributes)
        )

    def against_existing(self, preview: UserPreview) -> UserPreview:
        """Add the outcome of a userName collision with an account already in the directory."""
        name = preview.payload.get("userName")
        if not isinstance(name, str) or not name.strip():
            return preview
        with self.storage.transaction(readonly=True) as tx:
            existing = tx.find_user_by_user_name(self.directory.id, name)
        if existing is None:
            return preview
        if not existing.linked:
            if self.settings.user_linking:
                note = f"would be linked to the existing account {existing.id} (user_linking is on)"
                return replace(preview, notes=(*preview.notes, note))
            cause, fix = unlinked_collision(name, self.directory.id)
            problem = Problem("userName", f"{cause} (409 uniqueness)", fix, reason="duplicate")
            return replace(preview, problems=(*preview.problems, problem))
        external_id = preview.payload.get("externalId")
        if "userName" in self.matching or (
            "externalId" in self.matching and existing.document.get("externalId") == external_id
        ):
            note = f"matches the existing user {existing.id}: Entra would update it, not create it"
            return replace(preview, notes=(*preview.notes, note))
        cause, fix = linked_collision(name, existing.id)
        matching = ", ".join(self.matching)
        problem = Problem(
            "userName",
            f"{cause} and Entra, matching on {matching}, would not find it (409 uniqueness)",
            fix,
            reason="duplicate",
        )
        return replace(preview, problems=(*preview.problems, problem))
