"""Administration of a directory's declared extension schemas (CLI, management API, console).

An admin declares, per directory, extension schemas of Users and Groups
(:mod:`scimdir.scim.extensions` validates them); they are then published at that directory's
``/Schemas`` and ``/ResourceTypes`` (``schemaExtensions``), validated on every write, stored in
the resource document, and filterable over the extension value index (port rule 12). Declaring a
URN indexes the values the directory already stores under it (kept while undeclared); removing
one drops its index rows and leaves the stored values in the documents. Each change is an
``admin`` entry of the provisioning log.
"""

from __future__ import annotations

from typing import Any

from scimdir.scim.extensions import (
    DeclarationError,
    ExtensionDeclaration,
    check_addition,
    directory_schema,
    parse_declaration,
)
from scimdir.service.admin_log import admin_entry
from scimdir.service.admin_users import AdminConflict
from scimdir.service.directories import AdminError, DirectoryNotFound
from scimdir.service.ports import DirectoryRecord, Storage, Transaction, UniquenessViolation
from scimdir.service.runtime import Runtime
from scimdir.service.unit_of_work import transaction

__all__ = ["ExtensionSchemaService", "SchemaNotDeclared"]


class SchemaNotDeclared(LookupError):
    """The directory has no declared extension with that URN."""


class ExtensionSchemaService:
    """List, declare and remove a directory's extension schemas."""

    def __init__(self, storage: Storage, runtime: Runtime) -> None:
        self.storage = storage
        self.runtime = runtime

    @staticmethod
    def _directory(tx: Transaction, directory_id: str) -> DirectoryRecord:
        record = tx.get_directory(directory_id)
        if record is None:
            raise DirectoryNotFound(directory_id)
        return record

    def list(self, directory_id: str) -> list[ExtensionDeclaration]:
        """The directory's declarations, in the order they were made."""
        with transaction(self.storage, readonly=True) as tx:
            record = self._directory(tx, directory_id)
        return list(directory_schema(record.schema_extensions).declarations)

    def get(self, directory_id: str, urn: str) -> ExtensionDeclaration:
        """One declaration. :raises SchemaNotDeclared: no such URN."""
        for declaration in self.list(directory_id):
            if declaration.urn.lower() == urn.lower():
                return declaration
        raise SchemaNotDeclared(urn)

    def add(self, directory_id: str, data: Any) -> ExtensionDeclaration:
        """Declare an extension; its values already stored in the directory get indexed.

        :raises AdminError: an invalid declaration (the message names the field and the fix).
        :raises AdminConflict: a URN already declared (or a prefix of one), or stored values that
            break a declared uniqueness.
        """
        try:
            declaration = parse_declaration(data)
        except DeclarationError as exc:
            raise AdminError(str(exc)) from exc
        now = self.runtime.clock()
        try:
            with self.storage.transaction() as tx:
                record = self._directory(tx, directory_id)
                existing = directory_schema(record.schema_extensions).declarations
                try:
                    check_addition(existing, declaration)
                except DeclarationError as exc:
                    raise AdminConflict(str(exc)) from exc
                stored = [d.to_json() for d in existing] + [declaration.to_json()]
                tx.set_schema_extensions(directory_id, stored, now)
                tx.append_log(
                    admin_entry(
                        directory_id,
                        "schema",
                        f"declared {declaration.resource_type} extension {declaration.urn} "
                        f"({', '.join(a.name for a in declaration.attributes)})",
                        now,
                    )
                )
        except UniquenessViolation as exc:
            raise AdminConflict(
                f"{exc.field} is declared unique, but resources of this directory already hold "
                "equal values of it; declare it without uniqueness, or change those values first."
            ) from exc
        return declaration

    def remove(self, directory_id: str, urn: str) -> ExtensionDeclaration:
        """Remove a declaration; stored values stay in the documents, no longer validated or
        filterable. :raises SchemaNotDeclared: no such URN."""
        now = self.runtime.clock()
        with self.storage.transaction() as tx:
            record = self._directory(tx, directory_id)
            existing = directory_schema(record.schema_extensions).declarations
            gone = next((d for d in existing if d.urn.lower() == urn.lower()), None)
            if gone is None:
                raise SchemaNotDeclared(urn)
            kept = [d.to_json() for d in existing if d is not gone]
            tx.set_schema_extensions(directory_id, kept, now)
            tx.append_log(admin_entry(directory_id, "schema", f"removed extension {gone.urn}", now))
        return gone
