"""``/api/v1/directories/{id}/schemas``: a directory's declared extension schemas.

Thin over :class:`~scimdir.service.extension_schemas.ExtensionSchemaService`; the bodies use the
RFC 7643 §7 key names (``multiValued``, ``caseExact``...), as ``/Schemas`` publishes them. An
invalid declaration is a 400 problem naming the field and the fix; a URN already declared, 409.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from scimdir.api.auth import require_admin, services
from scimdir.api.params import DirectoryId
from scimdir.api.problems import ProblemError, problem_responses
from scimdir.scim.extensions import ExtensionDeclaration
from scimdir.service.extension_schemas import SchemaNotDeclared

__all__ = ["ExtensionAttributeModel", "ExtensionSchemaIn", "ExtensionSchemaList", "router"]

router = APIRouter(
    prefix="/directories",
    tags=["schemas"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(401, 403, 404, 422),
)

AttributeType = Literal["string", "boolean", "integer", "decimal", "dateTime", "reference"]
Urn = Annotated[
    str,
    Path(
        description="The extension's schema URN, e.g. "
        "urn:ietf:params:scim:schemas:extension:acme:2.0:User.",
        min_length=5,
        max_length=200,
    ),
]


class ExtensionAttributeModel(BaseModel):
    """One attribute of an extension (RFC 7643 §7 characteristics)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(description="RFC 7643 §2.1 attribute name.", examples=["costCenter"])
    type: AttributeType = "string"
    multi_valued: bool = Field(default=False, alias="multiValued")
    case_exact: bool = Field(default=False, alias="caseExact")
    required: bool = Field(
        default=False, description="Required when a resource carries the extension."
    )
    uniqueness: Literal["none", "server", "global"] = "none"
    description: str = ""


class ExtensionSchemaIn(BaseModel):
    """A declaration: the URN, whose extension it is, and its attributes."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "example": {
                "urn": "urn:ietf:params:scim:schemas:extension:acme:2.0:User",
                "resourceType": "User",
                "attributes": [
                    {"name": "costCenter", "type": "string"},
                    {"name": "badges", "type": "string", "multiValued": True},
                    {"name": "level", "type": "integer"},
                ],
            }
        },
    )

    urn: str = Field(max_length=200)
    resource_type: Literal["User", "Group"] = Field(default="User", alias="resourceType")
    name: str = ""
    description: str = ""
    attributes: list[ExtensionAttributeModel] = Field(min_length=1, max_length=100)


class ExtensionSchemaOut(ExtensionSchemaIn):
    """A declared extension, as stored."""

    @classmethod
    def of(cls, declaration: ExtensionDeclaration) -> ExtensionSchemaOut:
        """The model of a declaration."""
        return cls.model_validate(declaration.to_json())


class ExtensionSchemaList(BaseModel):
    """The directory's declared extensions, in declaration order."""

    data: list[ExtensionSchemaOut]


@router.get("/{directory_id}/schemas", summary="List declared extension schemas")
def list_schemas(request: Request, directory_id: DirectoryId) -> ExtensionSchemaList:
    """The extension schemas declared for the directory's Users and Groups."""
    found = services(request).extension_schemas.list(directory_id)
    return ExtensionSchemaList(data=[ExtensionSchemaOut.of(d) for d in found])


@router.post(
    "/{directory_id}/schemas",
    status_code=201,
    summary="Declare an extension schema",
    responses=problem_responses(400, 409),
)
def add_schema(
    request: Request, directory_id: DirectoryId, body: ExtensionSchemaIn
) -> ExtensionSchemaOut:
    """Declare an extension: published at the directory's `/Schemas` and `/ResourceTypes`,
    validated on write, filterable (`eq`, `pr`, `sw`, `gt`...) over an index."""
    data = body.model_dump(by_alias=True)
    declaration = services(request).extension_schemas.add(directory_id, data)
    return ExtensionSchemaOut.of(declaration)


@router.get("/{directory_id}/schemas/{urn}", summary="Show a declared extension schema")
def get_schema(request: Request, directory_id: DirectoryId, urn: Urn) -> ExtensionSchemaOut:
    """One declared extension (the URN is matched case-insensitively)."""
    try:
        return ExtensionSchemaOut.of(services(request).extension_schemas.get(directory_id, urn))
    except SchemaNotDeclared as exc:
        raise ProblemError(
            404, f"No extension {urn[:200]} is declared for this directory."
        ) from exc


@router.delete(
    "/{directory_id}/schemas/{urn}", status_code=204, summary="Remove a declared extension schema"
)
def remove_schema(request: Request, directory_id: DirectoryId, urn: Urn) -> Response:
    """Remove the declaration; values already stored stay in the documents, unfilterable."""
    try:
        services(request).extension_schemas.remove(directory_id, urn)
    except SchemaNotDeclared as exc:
        raise ProblemError(
            404, f"No extension {urn[:200]} is declared for this directory."
        ) from exc
    return Response(status_code=204)
