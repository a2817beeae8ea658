"""The pure SCIM core: schemas, filters, resources, PATCH, projection and the IdP dialects.

No I/O, no HTTP, no SQL: everything here is a function of its arguments (RFC 7643/7644). See
``quirks.py`` for every deviation from the RFCs that scimdir accepts, each with its source.
"""

from scimdir.scim.dialects import DIALECTS, Dialect, dialect_for
from scimdir.scim.errors import SCIMException, error_body
from scimdir.scim.filter import Expr, Field, parse_filter
from scimdir.scim.patch import (
    MemberChange,
    PatchOperation,
    PatchResult,
    apply_patch,
    parse_patch_request,
)
from scimdir.scim.projection import parse_attribute_list, project, wants_attribute
from scimdir.scim.resource import ParsedResource, parse_resource
from scimdir.scim.schema import GROUP_TYPE, RESOURCE_TYPES, SCHEMAS, USER_TYPE, ResourceType

__all__ = [
    "DIALECTS",
    "GROUP_TYPE",
    "RESOURCE_TYPES",
    "SCHEMAS",
    "USER_TYPE",
    "Dialect",
    "Expr",
    "Field",
    "MemberChange",
    "ParsedResource",
    "PatchOperation",
    "PatchResult",
    "ResourceType",
    "SCIMException",
    "apply_patch",
    "dialect_for",
    "error_body",
    "parse_attribute_list",
    "parse_filter",
    "parse_patch_request",
    "parse_resource",
    "project",
    "wants_attribute",
]
