"""The console's mapping preview: sample users through a shipped Entra mappings preset and one
directory's policies, the way ``scimdir mapping preview --directory`` runs them.

Each user gets the payload Entra would POST (``mapping/preview.py``), the directory's required
attributes with the server's wording and fix (``DirectoryPreviewPolicy``), userName collisions
within the batch and with the directory's users (user linking on creation considered). The number
of users is bounded (:data:`MAX_USERS`): every user costs one indexed lookup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scimdir.mapping.mappings import (
    PRESETS,
    load_mappings,
    matching_targets,
    preset_text,
)
from scimdir.mapping.preview import UserPreview, duplicate_user_names, preview_users
from scimdir.service.directories import AdminError, DirectoryService
from scimdir.service.ports import Storage, normalize_user_name
from scimdir.service.preview_policy import DirectoryPreviewPolicy

__all__ = ["MAX_USERS", "MappingPreviewService"]

MAX_USERS = 1000


class MappingPreviewService:
    """Preview sample users against one directory."""

    def __init__(self, directories: DirectoryService, storage: Storage) -> None:
        self.directories = directories
        self.storage = storage

    def preview(
        self, directory_id: str, preset: str, users: Sequence[Mapping[str, Any]]
    ) -> list[UserPreview]:
        """Each user's payload under the mappings ``preset`` and the directory's verdict.

        :raises AdminError: an unknown preset, no users or too many.
        :raises DirectoryNotFound:
        """
        if preset not in PRESETS:
            raise AdminError(
                f"Unknown mappings preset {preset[:40]!r}; choose {', '.join(PRESETS)}."
            )
        if not users:
            raise AdminError("There are no users to preview.")
        if len(users) > MAX_USERS:
            raise AdminError(
                f"{len(users)} users is more than the {MAX_USERS} a preview takes; "
                "preview a sample of them."
            )
        mappings = load_mappings(preset_text(preset))
        policy = DirectoryPreviewPolicy(
            self.directories, self.storage, directory_id, matching_targets(mappings)
        )
        previews = preview_users(mappings, users, policy=policy.required)
        previews = duplicate_user_names(previews, normalize_user_name)
        return [policy.against_existing(p) for p in previews]
