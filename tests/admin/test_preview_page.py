"""The mapping preview page in process, on SQLite and PostgreSQL: pasted JSON, an uploaded CSV of
Entra's user export, the directory's verdict per user with its fix, bounded uploads and bad files
answered with a message (never a 500)."""

from __future__ import annotations

import json
import re
import uuid

from scimdir.admin.preview_views import MAX_UPLOAD
from tests.admin.conftest import Console

_CSV = (
    "User principal name,Display name,Mail,Object Id,Account enabled\r\n"
    "ann@contoso.com,Ann Lee,ann@contoso.com,11111111-1111-1111-1111-111111111111,True\r\n"
    "bob@contoso.com,,,22222222-2222-2222-2222-222222222222,True\r\n"
)


def _setup(console: Console) -> tuple[str, str]:
    console.sign_in()
    created = console.services.directories.create(f"Preview {uuid.uuid4().hex[:8]}", "entra")
    path = f"/admin/directories/{created.directory.id}/preview"
    return created.directory.id, path


def _verdicts(page: str) -> dict[str, str]:
    """label -> "accepted" / "refused", from the result list."""
    found = re.findall(r'<li class="preview (ok|refused)">\s*<h3>([^<]+) <span', page)
    return {label: ("accepted" if kind == "ok" else "refused") for kind, label in found}


def test_the_empty_page_says_what_to_do(console: Console) -> None:
    _, path = _setup(console)
    page = console.client.get(path).text
    assert "No users previewed yet" in page
    assert '<label for="users">' in page and '<label for="file">' in page
    assert 'enctype="multipart/form-data"' in page


def test_pasted_json_shows_each_payload_and_the_fix_of_a_refused_user(console: Console) -> None:
    """With Entra's default mappings a user without mail is refused, with the mapping that fixes
    it; the other's payload is what Entra would POST."""
    _, path = _setup(console)
    users = [
        {"userPrincipalName": "ann@contoso.com", "displayName": "Ann", "mail": "ann@contoso.com"},
        {"userPrincipalName": "bob@contoso.com", "displayName": "Bob"},
    ]
    response = console.client.post(
        path,
        data={
            "preset": "entra-defaults",
            "users": json.dumps(users),
            "csrf_token": console.csrf(path),
        },
    )
    assert response.status_code == 200, response.text
    page = response.text
    assert _verdicts(page) == {"ann@contoso.com": "accepted", "bob@contoso.com": "refused"}
    bob = page.split("bob@contoso.com <span")[1]
    assert "Fix:" in bob and "emails[type eq &#34;work&#34;].value" in bob
    assert "&#34;userName&#34;: &#34;ann@contoso.com&#34;" in page  # the payload, as text
    assert "accepted: 1" in page


def test_an_uploaded_entra_csv_export_is_previewed(console: Console) -> None:
    """The CSV of Entra's user export. The recommended mappings fall back to the UPN for Bob's
    empty e-mail, but nothing fills his display name (no given name or surname either), so he is
    refused for displayName, with the fix."""
    _, path = _setup(console)
    response = console.client.post(
        path,
        data={"preset": "entra-recommended", "csrf_token": console.csrf(path)},
        files={"file": ("users.csv", _CSV.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    page = response.text
    assert _verdicts(page) == {"ann@contoso.com": "accepted", "bob@contoso.com": "refused"}
    bob = page.split("bob@contoso.com <span")[1]
    assert "<strong>displayName:</strong>" in bob
    assert "<strong>email:</strong>" not in bob
    assert '"value": "bob@contoso.com"' in bob.replace("&#34;", '"')
    assert '"externalId": "22222222-2222-2222-2222-222222222222"' in bob.replace("&#34;", '"')


def test_preview_knows_the_directory_users_and_user_linking(console: Console) -> None:
    """An unlinked account with the same userName: refused (409) until linking is turned on,
    then the user would be linked."""
    directory_id, path = _setup(console)
    console.services.directories.create_local_user(directory_id, "ann@contoso.com", "Ann", None)
    users = json.dumps([{"userPrincipalName": "ann@contoso.com", "displayName": "Ann"}])
    data = {"preset": "entra-recommended", "users": users}
    refused = console.client.post(path, data={**data, "csrf_token": console.csrf(path)}).text
    assert _verdicts(refused) == {"ann@contoso.com": "refused"}
    assert "409 uniqueness" in refused
    console.services.directories.set_setting(directory_id, "user_linking", True)
    linked = console.client.post(path, data={**data, "csrf_token": console.csrf(path)}).text
    assert _verdicts(linked) == {"ann@contoso.com": "accepted"}
    assert "would be linked to the existing account" in linked


def test_idp_values_in_a_preview_are_shown_as_text(console: Console) -> None:
    _, path = _setup(console)
    hostile = "<script>alert(1)</script>"
    users = json.dumps([{"userPrincipalName": hostile, "displayName": hostile}])
    page = console.client.post(
        path,
        data={"preset": "entra-recommended", "users": users, "csrf_token": console.csrf(path)},
    ).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page


def test_an_oversized_upload_is_refused_with_413(console: Console) -> None:
    """A file just over the cap (read and measured) and a request far over it (refused before it
    is parsed): 413 with the limit, each."""
    _, path = _setup(console)
    for size in (MAX_UPLOAD + 1, 3 * MAX_UPLOAD):
        big = b"[" + b" " * (size - 2) + b"]"
        response = console.client.post(
            path,
            data={"preset": "entra-recommended", "csrf_token": console.csrf(path)},
            files={"file": ("users.json", big, "application/json")},
        )
        assert response.status_code == 413, size
        assert "The upload is too large: a preview takes at most 1024 KiB" in response.text


def test_bad_files_get_a_clear_message(console: Console) -> None:
    """Not UTF-8, not JSON nor the export's CSV, broken JSON, a JSON string, nothing: 400 each,
    with what is wrong."""
    _, path = _setup(console)
    cases = [
        (b"\xff\xfe\x00bad", "is not UTF-8 text"),
        (b"name;age\nann;3\n", "neither JSON nor Entra&#39;s user-export CSV"),
        (b'[{"userPrincipalName": ', "is neither CSV nor valid JSON"),
        (b'"just a string"', "neither JSON nor"),
        (b"[1, 2]", "must hold a JSON list of user objects"),
        (b"   ", "is empty"),
    ]
    for content, message in cases:
        response = console.client.post(
            path,
            data={"preset": "entra-recommended", "csrf_token": console.csrf(path)},
            files={"file": ("users.json", content, "application/json")},
        )
        assert response.status_code == 400, (content, response.text)
        error = re.search(r'id="preview-error">([^<]+)<', response.text)
        assert error and message in error.group(1), (content, error)


def test_too_many_users_are_refused(console: Console) -> None:
    _, path = _setup(console)
    users = json.dumps([{"userPrincipalName": f"u{i}@c.com"} for i in range(1001)])
    response = console.client.post(
        path,
        data={"preset": "entra-recommended", "users": users, "csrf_token": console.csrf(path)},
    )
    assert response.status_code == 400
    assert "1001 users is more than the 1000 a preview takes" in response.text


def test_an_unknown_preset_is_refused(console: Console) -> None:
    _, path = _setup(console)
    response = console.client.post(
        path, data={"preset": "nope", "users": "[]", "csrf_token": console.csrf(path)}
    )
    assert response.status_code == 400
    assert "Choose a mappings preset." in response.text
