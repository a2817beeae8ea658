"""Every failure kind comes with an explanation and a fix for the admin (pure mapping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scimdir.service.explanations import DISPLAY_NAME_FALLBACK, Failure, explain

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_missing_display_name_names_the_recommended_entra_mapping() -> None:
    """A user with a given name but no displayName gets the recommended Entra mapping."""
    e = explain(
        Failure(
            400,
            "invalidValue",
            method="POST",
            idp="entra",
            facts={"refusal": "missing_required", "missing": ("displayName",), "name_parts": True},
        )
    )
    assert e.kind == "missing_required_attribute"
    assert "displayName (displayName) is empty" in e.text
    assert 'Join(" ", [givenName], [surname])' in e.fix
    assert DISPLAY_NAME_FALLBACK not in e.fix


def test_service_account_gets_the_next_fallback_and_the_setting() -> None:
    """No display name, given name or surname: suggest the userPrincipalName fallback and the
    required_attributes setting."""
    e = explain(
        Failure(
            400,
            "invalidValue",
            method="POST",
            idp="entra",
            directory_id="d1",
            facts={"refusal": "missing_required", "missing": ("displayName",), "name_parts": False},
        )
    )
    assert "service account" in e.text
    assert DISPLAY_NAME_FALLBACK in e.fix
    assert "[userPrincipalName]" in e.fix
    assert "scimdir directory set d1 required_attributes" in e.fix


def test_missing_email_for_okta_uses_the_generic_fix() -> None:
    """Outside Entra the fix is in plain SCIM terms, not Entra expressions."""
    e = explain(
        Failure(
            400,
            "invalidValue",
            idp="okta",
            facts={"refusal": "missing_required", "missing": ("email",)},
        )
    )
    assert "email" in e.text
    assert e.fix.startswith("Send an e-mail address in emails")
    assert "Switch(" not in e.fix


def test_collision_with_a_linked_user_says_linking_would_not_help() -> None:
    """A 409 against a provisioned user names it and says user linking would not resolve it."""
    facts = {"refusal": "collision", "user_name": "ann@x", "existing_id": "u-1", "linked": True}
    e = explain(Failure(409, "uniqueness", method="POST", facts=facts))
    assert e.kind == "duplicate_user"
    assert "id u-1" in e.text and "User linking would not help" in e.text
    assert "Matching precedence" in e.fix


def test_collision_with_an_unlinked_account_says_linking_resolves_it() -> None:
    """A 409 against a local account names it and gives the user_linking command."""
    facts = {"refusal": "collision", "user_name": "ann@x", "existing_id": "u-2", "linked": False}
    e = explain(Failure(409, "uniqueness", method="POST", directory_id="d9", facts=facts))
    assert e.kind == "unlinked_account"
    assert "id u-2" in e.text
    assert e.fix == (
        "Turn on user linking so the next create adopts it: "
        "scimdir directory set d9 user_linking true."
    )


def test_entra_replace_sent_to_an_okta_directory_is_a_dialect_mismatch() -> None:
    """Entra's capitalised "Replace" refused by an Okta directory says how to change the IdP."""
    body = {"Operations": [{"op": "Replace", "path": "displayName", "value": "x"}]}
    e = explain(
        Failure(400, "invalidSyntax", method="PATCH", idp="okta", directory_id="d2", body=body)
    )
    assert e.kind == "dialect_mismatch"
    assert "okta" in e.text
    assert 'PATCH /api/v1/directories/d2 with {"idp": "entra"}' in e.fix


def test_lowercase_op_refusal_is_not_a_dialect_mismatch() -> None:
    """An RFC-shaped PATCH refused for another reason is explained by its scimType."""
    body = {"Operations": [{"op": "replace", "path": "nope", "value": "x"}]}
    e = explain(Failure(400, "invalidPath", method="PATCH", idp="okta", body=body))
    assert e.kind == "invalid_path"


def test_refused_secret_right_after_a_rotation_says_so() -> None:
    """A 401 within hours of a rotation: paste the new secret in Entra."""
    e = explain(
        Failure(401, auth_reason="wrong_secret", rotated_at=NOW - timedelta(minutes=5), now=NOW)
    )
    assert e.kind == "old_secret_after_rotation"
    assert "rotated at 2026-11-30 11:55 UTC" in e.text
    assert "Paste the new secret into the Secret Token field" in e.fix


def test_refused_secret_long_after_a_rotation_is_a_wrong_secret() -> None:
    """Days after a rotation a wrong secret is just that."""
    e = explain(
        Failure(401, auth_reason="wrong_secret", rotated_at=NOW - timedelta(days=3), now=NOW)
    )
    assert e.kind == "wrong_secret"


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("unknown_tenant", "names a directory that does not exist"),
        ("no_credentials", "no usable credentials"),
        ("revoked_secret", "has been revoked"),
        ("expired_secret", "that time is over"),
        ("wrong_secret", "not one of this directory's secrets"),
    ],
)
def test_each_authentication_reason_is_explained(reason: str, words: str) -> None:
    """Every reason a 401 can have has its own text and a fix."""
    e = explain(Failure(401, auth_reason=reason, now=NOW))
    assert e.kind == reason
    assert words in e.text
    assert e.fix


@pytest.mark.parametrize(
    ("status", "scim_type", "kind"),
    [
        (400, "invalidFilter", "invalid_filter"),
        (400, "invalidSyntax", "invalid_syntax"),
        (400, "invalidValue", "invalid_value"),
        (400, "mutability", "mutability"),
        (400, "noTarget", "no_target"),
        (400, "tooMany", "too_many"),
        (409, "uniqueness", "uniqueness"),
        (404, None, "not_found"),
        (412, None, "precondition_failed"),
        (413, None, "too_large"),
        (500, None, "internal_error"),
        (405, None, "refused"),
    ],
)
def test_every_other_failure_has_a_kind_text_and_fix(
    status: int, scim_type: str | None, kind: str
) -> None:
    """Failures without structured facts are explained by scimType, then by status."""
    e = explain(Failure(status, scim_type))
    assert (e.kind, bool(e.text), bool(e.fix)) == (kind, True, True)
