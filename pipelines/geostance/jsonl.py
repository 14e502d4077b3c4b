"""Reading JSON Lines with errors that name the file and line. One place for every JSONL reader."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from geostance.errors import InputError


def parse_json_object(line: str, source: str | Path, lineno: int) -> dict[str, Any]:
    """One JSONL line → a dict, or InputError("source:lineno: bad JSON ..." / "expected a JSON object ...")."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"bad JSON: {exc.msg} (column {exc.colno})", lineno) from None
    if not isinstance(obj, dict):
        raise InputError(source, f"expected a JSON object, got {type(obj).__name__}", lineno)
    return obj


def iter_json_objects(lines: Iterable[str], source: str | Path, *, skip_comments: bool = False
                      ) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based line number, object) for each non-blank line (and, with skip_comments, each non-`#` line)."""
    for lineno, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or (skip_comments and stripped.startswith("#")):
            continue
        yield lineno, parse_json_object(line, source, lineno)
