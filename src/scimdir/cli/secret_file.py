"""Secrets the CLI hands over in a file instead of on standard output.

A secret printed to a pipe lands in log files (systemd's journal, CI logs, ``nohup.out``) that
other people read. When the output is not a terminal the CLI writes the secret to a new file in
the current directory, created with mode 0600 (:func:`tempfile.mkstemp` does that atomically, so
no other user can open it between creation and ``chmod``), and prints only the file's path.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_private_file"]


def write_private_file(prefix: str, content: str, directory: Path | None = None) -> Path:
    """Write ``content`` to a new file readable and writable by its owner only; its path."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".txt", dir=directory or Path.cwd())
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    return Path(name).resolve()
