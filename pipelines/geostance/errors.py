"""Errors that reach users: each names the file (and line, where there is one) and what is wrong."""

from __future__ import annotations

from pathlib import Path


class GeostanceError(Exception):
    """An error with a message meant for a person; the CLI prints it in one line, without a traceback."""


class InputError(GeostanceError):
    """Bad input: a file, a line in it, and what is wrong."""

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")
