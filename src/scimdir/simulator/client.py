"""The HTTP side of the simulator: Entra's SCIM client, request for request.

Every request shape here is quoted from ``docs/idp/entra.md`` (Microsoft's tutorial
*Develop and plan provisioning for a SCIM endpoint* and the known-issues page *Known issues and
resolutions with SCIM 2.0 protocol compliance*):

- query strings are form-encoded the way Entra's requests are logged (§2 "Query encoding"):
  spaces as ``+``, quotes as ``%22``, ``@`` as ``%40`` (``urllib.parse.urlencode`` does exactly
  that), and group reads always carry ``excludedAttributes=members`` first (§5.3, §7);
- bodies go as ``application/scim+json; charset=utf-8`` with no ``Accept`` header (§2);
- in the default mode (no ``aadOptscim062020`` flag, §6) PATCH ops are capitalised
  (``Add``/``Replace``/``Remove``), ``active`` is the string ``"True"``/``"False"`` (§4.7), and a
  member removal is ``Remove`` + ``path: "members"`` + a value array (§5.6); with the flag the
  ops are lower-case, ``active`` is a JSON boolean, member removals use
  ``members[value eq "…"]`` paths and several plain replaces become one path-less ``replace``
  with dotted keys (§6 table).

The flag is switched on by ``rfc_flag=True`` or by ``aadOptscim062020`` in the tenant URL's query
string, which is where an admin types it (§2 "Tenant URL"); it is not echoed on requests (§11 open
question 2 — we chose not to).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

__all__ = ["FLAG", "EntraClient", "HttpClient", "HttpResponse", "Reply"]

FLAG = "aadOptscim062020"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
MS_GROUP_SCHEMA = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
SCIM_JSON = "application/scim+json; charset=utf-8"


class HttpResponse(Protocol):
    """The part of an ``httpx.Response`` the simulator reads."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class HttpClient(Protocol):
    """The part of an ``httpx.Client`` the simulator uses; starlette's ``TestClient`` (built on
    httpx2) has it too, so tests drive an app in process."""

    def request(
        self, method: str, url: str, *, content: bytes | None = ..., headers: dict[str, str] = ...
    ) -> HttpResponse: ...


@dataclass(frozen=True)
class Reply:
    """One response as the provisioning log sees it: status (None when the endpoint was not
    reached), the parsed JSON body if any, and the error detail for a failure."""

    method: str
    path: str
    status: int | None
    body: Any = None
    detail: str | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def resources(self) -> list[dict[str, Any]]:
        """The ``Resources`` of a ListResponse (empty when absent or malformed)."""
        if not isinstance(self.body, dict):
            return []
        found = self.body.get("Resources") or []
        return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def _detail(response: HttpResponse, body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        scim_type = body.get("scimType")
        return f"{body['detail']}" + (f" (scimType {scim_type})" if scim_type else "")
    text = response.text.strip()
    return f"HTTP {response.status_code}" + (f": {text[:200]}" if text else "")


class EntraClient:
    """Sends Entra's SCIM requests to ``tenant_url`` with a bearer ``secret`` over ``http``.

    ``http`` is an ``httpx.Client`` or any :class:`HttpClient` (tests pass starlette's
    ``TestClient``); it must be safe to share between the simulator's worker threads, as
    ``httpx.Client`` is.
    """

    def __init__(
        self, http: HttpClient, tenant_url: str, secret: str, *, rfc_flag: bool = False
    ) -> None:
        parts = urlsplit(tenant_url)
        self.rfc_flag = rfc_flag or FLAG.lower() in parts.query.lower()
        self.base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        self._http = http
        self._auth = {"Authorization": f"Bearer {secret}"}

    # --- transport ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
    ) -> Reply:
        """Send one request; transport errors become a Reply with status None."""
        url = self.base + path + (f"?{urlencode(query)}" if query else "")
        headers = dict(self._auth)
        content = None
        if body is not None:
            headers["Content-Type"] = SCIM_JSON
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            response = self._http.request(method, url, headers=headers, content=content)
        except (httpx.HTTPError, OSError) as exc:
            return Reply(method, path, None, detail=f"The endpoint could not be reached: {exc}.")
        try:
            parsed = response.json() if response.content else None
        except ValueError:
            parsed = None
        ok = 200 <= response.status_code < 300
        return Reply(
            method, path, response.status_code, parsed, None if ok else _detail(response, parsed)
        )

    # --- users (docs/idp/entra.md §4) ---------------------------------------------------------

    def find_users(self, attribute: str, value: str) -> Reply:
        """Matching lookup and Test Connection: ``GET /Users?filter=<attribute> eq "<value>"``."""
        return self.request("GET", "/Users", query=[("filter", f'{attribute} eq "{value}"')])

    def get_user(self, user_id: str) -> Reply:
        """``GET /Users/{id}`` (Entra reads the object before comparing, §3 "Updates")."""
        return self.request("GET", f"/Users/{user_id}")

    def create_user(self, payload: dict[str, Any]) -> Reply:
        """``POST /Users`` with the enterprise URN in ``schemas``, client ``meta`` and empty
        ``roles``, as in the tutorial's Create User sample (§4.2)."""
        body = dict(payload)
        schemas = list(body.get("schemas") or [USER_SCHEMA])
        if ENTERPRISE not in schemas:
            schemas.append(ENTERPRISE)
        body["schemas"] = schemas
        if "active" in body:
            body["active"] = self.wire_value("active", body["active"])
        body["meta"] = {"resourceType": "User"}
        body.setdefault("roles", [])
        return self.request("POST", "/Users", body=body)

    def patch_user(self, user_id: str, operations: list[dict[str, Any]]) -> Reply:
        """``PATCH /Users/{id}`` with a PatchOp of ``operations`` (§4.5-§4.7)."""
        return self.request("PATCH", f"/Users/{user_id}", body=self.patch_op(operations))

    def delete_user(self, user_id: str) -> Reply:
        """Hard delete: ``DELETE /Users/{id}`` (§4.8)."""
        return self.request("DELETE", f"/Users/{user_id}")

    # --- groups (docs/idp/entra.md §5) --------------------------------------------------------

    def find_group(self, display_name: str) -> Reply:
        """``GET /Groups?excludedAttributes=members&filter=displayName eq "<name>"`` (§5.3)."""
        return self.request(
            "GET",
            "/Groups",
            query=[
                ("excludedAttributes", "members"),
                ("filter", f'displayName eq "{display_name}"'),
            ],
        )

    def get_group(self, group_id: str) -> Reply:
        """``GET /Groups/{id}?excludedAttributes=members`` (§5.2)."""
        return self.request("GET", f"/Groups/{group_id}", query=[("excludedAttributes", "members")])

    def create_group(self, display_name: str, external_id: str | None) -> Reply:
        """``POST /Groups`` with Microsoft's group schema URN and a client ``meta``, never with
        members (§5.1)."""
        body: dict[str, Any] = {"schemas": [GROUP_SCHEMA, MS_GROUP_SCHEMA]}
        if external_id:
            body["externalId"] = external_id
        body["displayName"] = display_name
        body["meta"] = {"resourceType": "Group"}
        return self.request("POST", "/Groups", body=body)

    def patch_group(self, group_id: str, operations: list[dict[str, Any]]) -> Reply:
        """``PATCH /Groups/{id}``; Entra expects 204 (200 allowed) (§5.4)."""
        return self.request("PATCH", f"/Groups/{group_id}", body=self.patch_op(operations))

    def delete_group(self, group_id: str) -> Reply:
        """``DELETE /Groups/{id}`` (§5.8)."""
        return self.request("DELETE", f"/Groups/{group_id}")

    # --- request shapes ----------------------------------------------------------------------

    @staticmethod
    def patch_op(operations: list[dict[str, Any]]) -> dict[str, Any]:
        """A PatchOp message (RFC 7644 §3.5.2)."""
        return {"schemas": [PATCH_SCHEMA], "Operations": operations}

    def op(self, name: str, path: str | None, value: Any) -> dict[str, Any]:
        """One operation: ``Add``/``Replace``/``Remove`` capitalised without the flag, lower-case
        with it (§6 table)."""
        operation: dict[str, Any] = {"op": name.lower() if self.rfc_flag else name.capitalize()}
        if path is not None:
            operation["path"] = path
        if value is not None:
            operation["value"] = self.wire_value(path, value)
        return operation

    def wire_value(self, path: str | None, value: Any) -> Any:
        """``active`` as the string ``"True"``/``"False"`` without the flag (§4.7, KI page)."""
        if path == "active" and isinstance(value, bool) and not self.rfc_flag:
            return "True" if value else "False"
        return value

    def operations(self, changes: Iterable[tuple[str, str, Any]]) -> list[dict[str, Any]]:
        """PATCH operations for ``(op, path, value)`` changes: one per change without the flag
        (§4.5, §6 left column); with it, filtered paths and adds stay path-ful and two or more
        other replaces merge into one path-less ``replace`` with dotted and URN keys (§6)."""
        listed = list(changes)
        merged = [
            (path, value)
            for op, path, value in listed
            if self.rfc_flag and op == "Replace" and "[" not in path
        ]
        if len(merged) < 2:
            merged = []
        merged_paths = {path for path, _ in merged}
        result = [
            self.op(op, path, value) for op, path, value in listed if path not in merged_paths
        ]
        if merged:
            values = {path: self.wire_value(path, value) for path, value in merged}
            result.append({"op": "replace", "value": values})
        return result

    def add_members(self, member_ids: Iterable[str]) -> dict[str, Any]:
        """``{"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}, …]}``
        (§5.5; the same in both modes apart from the op's case)."""
        values = [{"$ref": None, "value": member_id} for member_id in member_ids]
        return self.op("Add", "members", values)

    def remove_members(self, member_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Default: one ``Remove`` of ``members`` with a value array (§5.6); with the flag, one
        ``remove`` per member with a ``members[value eq "…"]`` path."""
        ids = list(member_ids)
        if self.rfc_flag:
            return [self.op("remove", f'members[value eq "{i}"]', None) for i in ids]
        return [self.op("Remove", "members", [{"$ref": None, "value": i} for i in ids])]
