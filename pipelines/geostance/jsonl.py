"""Decoding JSON from input files, with errors that name the file and line. One place for every JSON reader.

`json.loads` accepts or fails in ways that reach users as tracebacks or as broken data later: a number of thousands
of digits raises ValueError, very deep nesting raises RecursionError, and a `\\ud800` escape decodes to a lone
surrogate that no UTF-8 file can hold (writing it fails much later, far from its line). `decode_json` turns each
of these into `InputError(file, line, what is wrong)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from geostance.errors import InputError

# Deeper JSON is refused: no input this project reads nests more than a few levels, and code that walks a value
# recursively (json.dumps, Arrow, spaCy) would exhaust Python's recursion limit on what json.loads accepted.
MAX_DEPTH = 100
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # only a \u escape can put a surrogate into decoded JSON


def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in `text` as `\\udXXX`, or None."""
    found = _SURROGATE.search(text)
    return None if found is None else f"\\u{ord(found.group()):04x}"


def strings_and_depth(obj: Any) -> tuple[list[str], int]:
    """Every string (keys too) in a decoded value, and how deep it nests; iterative, so depth costs no recursion."""
    strings: list[str] = []
    depth = 0
    stack = [(obj, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            depth = max(depth, level)
            strings.extend(value)
            stack.extend((v, level + 1) for v in value.values())
        elif isinstance(value, list):
            depth = max(depth, level)
            stack.extend((v, level + 1) for v in value)
    return strings, depth


def check_json_value(obj: Any, text: str, source: str | Path, lineno: int | None) -> Any:
    """`obj` (decoded from `text`) when it nests at most MAX_DEPTH levels and holds no lone surrogate."""
    may_nest = text.count("[") + text.count("{") > MAX_DEPTH
    may_have_surrogate = "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None
    if not (may_nest or may_have_surrogate):  # the common case costs two scans of the line, no walk
        return obj
    strings, depth = strings_and_depth(obj)
    if depth > MAX_DEPTH:
        raise InputError(source, f"bad JSON: nested {depth} levels deep (at most {MAX_DEPTH} are read)", lineno)
    for value in strings:
        found = lone_surrogate(value)
        if found:
            raise InputError(
                source,
                f"bad JSON: a string holds the lone surrogate {found} (half of a UTF-16 pair, not a character)",
                lineno,
            )
    return obj


def decode_error(exc: Exception, source: str | Path, lineno: int | None) -> InputError:
    """The InputError for an exception that json.loads / raw_decode raised."""
    if isinstance(exc, json.JSONDecodeError):
        return InputError(source, f"bad JSON: {exc.msg} (column {exc.colno})", lineno)
    if isinstance(exc, RecursionError):
        return InputError(source, f"bad JSON: nested too deep (at most {MAX_DEPTH} levels are read)", lineno)
    # json raises a plain ValueError for an integer longer than Python converts (sys.get_int_max_str_digits())
    return InputError(source, "bad JSON: a number has too many digits", lineno)


def decode_json(text: str, source: str | Path, lineno: int | None) -> Any:
    """json.loads(text), or InputError("source:lineno: bad JSON: ...") for every way it can go wrong."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise decode_error(exc, source, lineno) from None
    return check_json_value(obj, text, source, lineno)


def parse_json_object(line: str, source: str | Path, lineno: int) -> dict[str, Any]:
    """One JSONL line → a dict, or InputError("source:lineno: bad JSON ..." / "expected a JSON object ...")."""
    obj = decode_json(line, source, lineno)
    if not isinstance(obj, dict):
        raise InputError(source, f"expected a JSON object, got {type(obj).__name__}", lineno)
    return obj


def iter_json_objects(
    lines: Iterable[str], source: str | Path, *, skip_comments: bool = False
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based line number, object) for each non-blank line (and, with skip_comments, each non-`#` line)."""
    for lineno, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or (skip_comments and stripped.startswith("#")):
            continue
        yield lineno, parse_json_object(line, source, lineno)
