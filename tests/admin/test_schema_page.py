"""The Extension schemas page in process, on SQLite and PostgreSQL: the list and its empty state
(with the directory's undeclared-attributes setting), declaring from the form (the same service
as the CLI and the management API), refused declarations shown with nothing declared, removal
behind a confirmation, CSRF, sign-in, and escaping."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from scimdir.admin.schema_views import parse_attribute_lines
from scimdir.scim.extensions import DeclarationError
from tests.admin.conftest import Console

_URN = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"


def _directory(console: Console, idp: str = "entra") -> str:
    name = f"Dir {uuid.uuid4().hex[:8]}"
    return console.services.directories.create(name, idp).directory.id


def _path(directory_id: str) -> str:
    return f"/admin/directories/{directory_id}/schemas"


def _declare(console: Console, directory_id: str, **fields: str) -> Any:
    """Post the declaration form (the test client's response: httpx or httpx2, hence Any)."""
    path = _path(directory_id)
    data = {
        "csrf_token": console.csrf(path),
        "urn": _URN,
        "resource_type": "User",
        "attributes": "costCode\nlevel:integer:required\nbadges:string:multi\n"
        "employeeId:string:exact:unique\n",
        **fields,
    }
    return console.client.post(path, data=data)


def test_empty_state_explains_extensions_and_the_undeclared_setting(console: Console) -> None:
    """No declaration: the page says what extensions are for (Entra's custom mapping example),
    shows the directory's undeclared_attributes setting and links to Advanced settings."""
    console.sign_in()
    keep = _directory(console, "entra")  # Entra's preset keeps undeclared attributes
    page = console.client.get(_path(keep))
    assert page.status_code == 200
    assert "No extension schemas declared" in page.text
    assert "urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode" in page.text
    assert "<strong>kept</strong>" in page.text
    assert f'href="/admin/directories/{keep}/settings"' in page.text
    assert f'href="/admin/directories/{keep}/schemas" aria-current="page"' in page.text
    refuse = _directory(console, "okta")
    assert "<strong>refused</strong>" in console.client.get(_path(refuse)).text


def test_declaring_an_extension_lists_it_with_its_attributes(console: Console) -> None:
    """The form declares through the service; the page lists each attribute's characteristics."""
    console.sign_in()
    directory_id = _directory(console)
    response = _declare(console, directory_id, description="Finance fields")
    assert response.status_code == 200  # after the 303
    assert "declared=" in str(response.url)
    assert "No extension schemas declared" not in response.text
    assert f"<code>{_URN}</code>" in response.text and "Finance fields" in response.text
    assert (
        '<th scope="row"><code>level</code></th><td>integer</td><td>no</td><td>no</td>'
        "<td>yes</td><td>none</td>" in response.text
    )
    assert (
        '<th scope="row"><code>employeeId</code></th><td>string</td><td>no</td><td>yes</td>'
        "<td>no</td><td>server</td>" in response.text
    )
    [declaration] = console.services.extension_schemas.list(directory_id)
    assert declaration.urn == _URN and declaration.resource_type == "User"
    assert [a.name for a in declaration.attributes] == [
        "costCode",
        "level",
        "badges",
        "employeeId",
    ]
    assert declaration.attributes[2].multi_valued
    assert declaration.description == "Finance fields"


def test_a_group_extension_is_declared_for_groups(console: Console) -> None:
    console.sign_in()
    directory_id = _directory(console)
    urn = "urn:ietf:params:scim:schemas:extension:acme:2.0:Group"
    response = _declare(console, directory_id, urn=urn, resource_type="Group", attributes="site")
    assert response.status_code == 200
    [declaration] = console.services.extension_schemas.list(directory_id)
    assert (declaration.urn, declaration.resource_type) == (urn, "Group")


def test_a_bad_urn_is_shown_with_the_form_and_declares_nothing(console: Console) -> None:
    console.sign_in()
    directory_id = _directory(console)
    response = _declare(console, directory_id, urn="not a urn", attributes="costCode")
    assert response.status_code == 400
    assert "is not a URN (RFC 8141" in response.text
    assert "Nothing was declared." in response.text
    assert 'value="not a urn"' in response.text  # what was typed is kept
    assert ">costCode</textarea>" in response.text
    assert console.services.extension_schemas.list(directory_id) == []


def test_a_bad_attribute_line_names_the_line_and_declares_nothing(console: Console) -> None:
    console.sign_in()
    directory_id = _directory(console)
    response = _declare(console, directory_id, attributes="costCode\n\nlevel:integer:bogus")
    assert response.status_code == 400
    assert "Line 3 &#39;level:integer:bogus&#39;: unknown flag &#39;bogus&#39;" in response.text
    bad_type = _declare(console, directory_id, attributes="level:complex")
    assert bad_type.status_code == 400 and "complex" in bad_type.text
    empty = _declare(console, directory_id, attributes="  \n")
    assert empty.status_code == 400 and "at least one attribute" in empty.text
    wrong_kind = _declare(console, directory_id, resource_type="Device")
    assert wrong_kind.status_code == 400 and "User or Group" in wrong_kind.text
    assert console.services.extension_schemas.list(directory_id) == []


def test_a_urn_already_declared_is_a_400_not_a_500(console: Console) -> None:
    console.sign_in()
    directory_id = _directory(console)
    assert _declare(console, directory_id).status_code == 200
    again = _declare(console, directory_id, attributes="other")
    assert again.status_code == 400 and "Nothing was declared." in again.text
    assert len(console.services.extension_schemas.list(directory_id)) == 1


def test_remove_asks_for_confirmation_then_removes(console: Console) -> None:
    console.sign_in()
    directory_id = _directory(console)
    _declare(console, directory_id)
    path = f"{_path(directory_id)}/remove"
    token = console.csrf(_path(directory_id))
    ask = console.client.post(path, data={"urn": _URN, "csrf_token": token})
    assert ask.status_code == 200
    assert "Remove extension schema" in ask.text and 'name="confirm" value="yes"' in ask.text
    assert len(console.services.extension_schemas.list(directory_id)) == 1  # not yet
    done = console.client.post(path, data={"urn": _URN, "confirm": "yes", "csrf_token": token})
    assert done.status_code == 200 and "removed=" in str(done.url)
    assert "No extension schemas declared" in done.text
    assert console.services.extension_schemas.list(directory_id) == []
    missing = console.client.post(path, data={"urn": _URN, "confirm": "yes", "csrf_token": token})
    assert missing.status_code == 404 and "nothing was removed" in missing.text


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(console: Console) -> None:
    console.sign_in()
    directory_id = _directory(console)
    _declare(console, directory_id)
    other = "urn:ietf:params:scim:schemas:extension:other:2.0:User"
    add = console.client.post(
        _path(directory_id), data={"urn": other, "attributes": "x", "csrf_token": "forged"}
    )
    assert add.status_code == 403
    remove = console.client.post(
        f"{_path(directory_id)}/remove", data={"urn": _URN, "confirm": "yes"}
    )
    assert remove.status_code == 403
    assert [d.urn for d in console.services.extension_schemas.list(directory_id)] == [_URN]


def test_signed_out_requests_are_redirected_to_sign_in(console: Console) -> None:
    directory_id = _directory(console)
    for method, path in (
        ("GET", _path(directory_id)),
        ("POST", _path(directory_id)),
        ("POST", f"{_path(directory_id)}/remove"),
    ):
        response = console.client.request(method, path, follow_redirects=False)
        assert response.status_code == 303, (method, path)
        assert response.headers["location"] == "/admin/login"


def test_an_unknown_directory_is_a_404(console: Console) -> None:
    console.sign_in()
    assert console.client.get(_path("no-such-directory")).status_code == 404


def test_values_are_escaped(console: Console) -> None:
    """A URN (RFC 8141 allows ``&`` and ``'``), a description and a refused URN echoed back are
    escaped, never markup."""
    console.sign_in()
    directory_id = _directory(console)
    urn = "urn:ietf:params:scim:schemas:extension:a&b'c:2.0:User"
    listed = _declare(console, directory_id, urn=urn, description="<script>alert(1)</script>")
    assert listed.status_code == 200
    assert "<script>alert(1)</script>" not in listed.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listed.text
    assert "extension:a&amp;b&#39;c:2.0:User" in listed.text
    refused = _declare(console, directory_id, urn='urn:x:"><img src=x onerror=alert(1)>')
    assert refused.status_code == 400
    assert "<img src=x" not in refused.text and "&lt;img src=x" in refused.text


def test_parse_attribute_lines_skips_blank_lines_and_numbers_the_bad_one() -> None:
    assert parse_attribute_lines("a\n\n  b:integer:multi  \n") == [
        {"name": "a"},
        {"name": "b", "type": "integer", "multiValued": True},
    ]
    with pytest.raises(DeclarationError, match=r"^Line 2 'b:x:y'"):
        parse_attribute_lines("a\nb:x:y")
