"""Signing in to the console: passwords, the session cookie, CSRF, throttling, sign-out."""

from __future__ import annotations

from typing import Any

from scimdir.admin.session import COOKIE
from scimdir.admin.throttle import FREE_FAILURES
from tests.admin.conftest import PASSWORD, Console


def _login(console: Console, email: str, password: str, token: str | None = None) -> Any:
    data = {"email": email, "password": password}
    if token is not None:
        data["csrf_token"] = token
    return console.client.post("/admin/login", data=data, follow_redirects=False)


def test_the_sign_in_page_has_labelled_email_and_password_and_a_sign_in_button(
    console: Console,
) -> None:
    """/admin/login shows inputs labelled Email and Password and a Sign in button."""
    page = console.client.get("/admin/login").text
    assert '<label for="email">Email</label>' in page
    assert '<label for="password">Password</label>' in page
    assert '<input id="email" name="email" type="email"' in page
    assert '<button type="submit" class="primary">Sign in</button>' in page


def test_right_password_signs_in_with_a_secure_httponly_lax_cookie(console: Console) -> None:
    """A right password redirects to the directories with a Secure, HttpOnly, Lax cookie."""
    email = console.new_account()
    response = _login(console, email, PASSWORD, console.csrf())
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "samesite=lax" in cookie.lower()
    assert console.client.get("/admin/").status_code == 200


def test_wrong_password_is_refused_and_signs_nobody_in(console: Console) -> None:
    """A wrong password answers 401 with a message, and the pages still need a sign-in."""
    email = console.new_account()
    response = _login(console, email, "wrong password!!", console.csrf())
    assert response.status_code == 401
    assert "The e-mail or the password is wrong." in response.text
    assert console.client.get("/admin/", follow_redirects=False).status_code == 303


def test_signed_out_requests_are_redirected_to_sign_in(console: Console) -> None:
    """Every console page redirects a signed-out visitor to /admin/login."""
    for path in ("/admin/", "/admin/directories/new", "/admin/directories/x"):
        response = console.client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/admin/login"


def test_a_tampered_session_cookie_signs_nobody_in(console: Console) -> None:
    """A session cookie whose signature does not match is ignored (signed out)."""
    console.sign_in()
    value = console.client.cookies[COOKIE]
    console.client.cookies.clear()
    console.client.cookies.set(COOKIE, value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert console.client.get("/admin/", follow_redirects=False).status_code == 303


def test_sign_in_without_the_csrf_token_is_refused(console: Console) -> None:
    """A sign-in post without the form's CSRF token is refused 403, even with the right password."""
    email = console.new_account()
    console.csrf()  # the visitor has a session
    response = _login(console, email, PASSWORD)
    assert response.status_code == 403
    assert console.client.get("/admin/", follow_redirects=False).status_code == 303


def test_the_csrf_token_changes_when_signing_in(console: Console) -> None:
    """The token of the sign-in form is not valid after signing in (a new session)."""
    before = console.csrf()
    console.sign_in()
    response = console.client.post(
        "/admin/directories/new", data={"name": "x", "idp": "entra", "csrf_token": before}
    )
    assert response.status_code == 403


def test_repeated_failures_are_throttled_even_with_the_right_password(console: Console) -> None:
    """After the free failures, the key is blocked: 429, and the right password does not pass."""
    email = console.new_account()
    token = console.csrf()
    for _ in range(FREE_FAILURES):
        assert _login(console, email, "wrong password!!", token).status_code == 401
    blocked = _login(console, email, PASSWORD, token)
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.text
    other = console.new_account()  # another e-mail from the same address is not blocked
    assert _login(console, other, PASSWORD, token).status_code == 303


def test_sign_out_ends_the_session(console: Console) -> None:
    """Signing out (a form post with the token) makes the pages need a sign-in again."""
    console.sign_in()
    response = console.client.post(
        "/admin/logout", data={"csrf_token": console.csrf("/admin/")}, follow_redirects=False
    )
    assert response.headers["location"] == "/admin/login"
    assert console.client.get("/admin/", follow_redirects=False).status_code == 303
