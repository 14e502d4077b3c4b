"""Checking single values read from input (JSON, YAML, tables): a value of the wrong kind is an
`InputError(file, line, what is wrong)`, never quietly turned into a string.

`str(["a"])` is `"['a']"`: without these checks a list or a dict in a text, id or title field became a plausible
looking string and travelled on as data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from geostance.errors import InputError
from geostance.jsonl import lone_surrogate

Where = str | Path


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", tuple: "a list", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


def check_text(value: Any, source: Where, line: int | None, field: str = "text") -> str:
    """A string (any string, empty too) that UTF-8 can hold."""
    if not isinstance(value, str):
        raise InputError(source, f"{field!r} must be a string, got {_kind(value)}", line)
    found = lone_surrogate(value)
    if found:
        raise InputError(
            source, f"{field!r} holds the lone surrogate {found} (half of a UTF-16 pair, not a character)", line
        )
    return value


def check_id(value: Any, source: Where, line: int | None, field: str = "id") -> str | None:
    """None, or an id given as a non-empty string or an integer, as a string."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return check_text(value, source, line, field)
    raise InputError(
        source,
        f"{field!r} must be a non-empty string or an integer, got {_kind(value)}"
        + (f" {value!r}" if isinstance(value, str | bool) else ""),
        line,
    )


def check_scalar(value: Any, source: Where, line: int | None, field: str) -> str | None:
    """None, or a single value (string, number, date, true/false) as a string; a list or an object is refused."""
    if value is None:
        return None
    if isinstance(value, str):
        return check_text(value, source, line, field)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return str(value)
    raise InputError(source, f"{field!r} must be a single value, got {_kind(value)}", line)
