"""The provisioning report: outcome, summary and machine form."""

from __future__ import annotations

from scimdir.simulator import Entry, Outcome, Report


def sample() -> Report:
    return Report(
        "https://x/scim",
        [
            Entry("Initial cycle", "User", "a@c.com", "Create", Outcome.SUCCESS, 201, "u1"),
            Entry("Initial cycle", "User", "b@c.com", "Create", Outcome.FAILURE, 400, None, "No."),
            Entry("Initial cycle", "User", "c@c.com", "Create", Outcome.SKIPPED),
        ],
    )


def test_one_failure_makes_the_report_not_ok() -> None:
    """ok is false as soon as one entry failed."""
    assert sample().ok is False
    assert Report("x", sample().entries[:1]).ok is True


def test_summary_counts_results_and_actions() -> None:
    """The summary counts per result and per object type and action."""
    assert sample().summary() == {
        "success": 1,
        "failure": 1,
        "skipped": 1,
        "byAction": {"User Create": {"Success": 1, "Failure": 1, "Skipped": 1}},
    }


def test_json_entries_use_camel_case_keys() -> None:
    """Each entry's machine form has the stable camelCase keys."""
    assert sample().to_json()["entries"][1] == {
        "phase": "Initial cycle",
        "objectType": "User",
        "source": "b@c.com",
        "action": "Create",
        "result": "Failure",
        "status": 400,
        "targetId": None,
        "detail": "No.",
    }


def test_text_report_shows_the_failure_detail() -> None:
    """The human report prints the endpoint's detail under the failed line."""
    text = sample().to_text()
    assert "      No." in text
    assert text.endswith(
        "Summary: 1 succeeded, 1 failed, 1 skipped\n  User Create: Failure 1, Skipped 1, Success 1"
    )
