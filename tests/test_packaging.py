"""The package declares what it uses and ships what exists: no dead dependencies or data globs."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import click

from scimdir.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "scimdir"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# Needed at run time without an import statement of ours.
_LOADED_BY_NAME = {
    "psycopg": "the PostgreSQL driver SQLAlchemy loads for postgresql+psycopg:// URLs",
    "python-multipart": "the form parser Starlette loads for the admin console's forms",
}


def _distribution(requirement: str) -> str:
    name = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0]
    return name.lower().replace("_", "-")


def _imported_distributions() -> set[str]:
    by_module = packages_distributions()
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            else:
                continue
            for module in modules:
                for dist in by_module.get(module.split(".")[0], []):
                    found.add(dist.lower().replace("_", "-"))
    return found


def test_every_runtime_dependency_is_imported_by_the_package() -> None:
    """A runtime dependency that no module imports is dead weight (and attack surface)."""
    imported = _imported_distributions()
    declared = {_distribution(r) for r in PYPROJECT["project"]["dependencies"]}
    unused = sorted(declared - imported - set(_LOADED_BY_NAME))
    assert unused == []


def test_every_package_data_glob_matches_a_file() -> None:
    """Package data names only files that exist (a glob for a missing folder hides a mistake)."""
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]["scimdir"]
    empty = [pattern for pattern in globs if not list(SRC.glob(pattern))]
    assert empty == []


def test_the_cli_has_one_root_group() -> None:
    """Only ``scimdir.cli.main.cli`` is a root command group; the others are its subcommands."""
    roots = []
    for path in (SRC / "cli").glob("*.py"):
        if path.stem == "__main__":
            continue  # running it is its job
        module = "scimdir.cli." + path.stem
        namespace = __import__(module, fromlist=["*"])
        for name, value in vars(namespace).items():
            if isinstance(value, click.Group) and value.name not in cli.commands:
                roots.append(f"{module}.{name}")
    assert sorted(set(roots)) == ["scimdir.cli.main.cli"]
