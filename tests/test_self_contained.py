"""The repository is self-contained: nothing cites a file a person who clones it does not have.

Code, tests and docs cite files inside the repository (``docs/architecture.md``,
``docs/idp/entra.md §5.9``) or public URLs (RFCs, learn.microsoft.com, developer.okta.com), never a
developer's machine, a sibling checkout or an issue tracker's numbering.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Built from parts so that this file does not match itself.
_FORBIDDEN = re.compile(
    "|".join(
        (
            r"(?:\.\./)?" + "shared" + r"/",  # a sibling checkout of notes
            "/" + "work" + "/",  # an absolute path of a developer's machine
            "DESIGN" + r"\.md",
            "STYLE" + r"\.md",
            r"\b[Ii]" + r"ssue [0-9]+",  # an issue tracker's numbering, meaningless in a clone
        )
    )
)


def _tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name]


def _offences(text: str) -> list[str]:
    return [
        f"{number}: {line.strip()[:120]}"
        for number, line in enumerate(text.splitlines(), start=1)
        if _FORBIDDEN.search(line)
    ]


def test_no_tracked_file_cites_something_outside_the_repository() -> None:
    """No tracked text file mentions a path, design note or issue number outside the repo."""
    found: list[str] = []
    for path in _tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        found.extend(f"{path.relative_to(ROOT)}:{hit}" for hit in _offences(text))
    assert found == []


@pytest.mark.parametrize(
    "line",
    [
        "see ../sha" + "red/entra/scim-behavior.md §5",
        "read /" + "work/main/README.md",
        "DESIGN" + ".md, Data",
        "STYLE" + ".md habit 1",
        "(i" + "ssue 5)",
    ],
)
def test_the_check_catches_each_kind_of_outside_reference(line: str) -> None:
    """Each kind of outside reference is caught (the check is not vacuous)."""
    assert _offences(line) == [f"1: {line}"]


def test_the_repository_docs_that_code_cites_exist() -> None:
    """The docs the code cites instead (architecture, IdP behaviour, expressions) exist."""
    for name in ("architecture.md", "idp/entra.md", "idp/okta.md", "idp/entra-expressions.md"):
        assert (ROOT / "docs" / name).is_file(), name
