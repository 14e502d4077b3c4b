"""Offsets between Python strings (code points) and Doccano's browser offsets (UTF-16 code units).

Doccano's web UI measures spans with JavaScript string indices, i.e. UTF-16 code units: every character outside
the Basic Multilingual Plane (most emoji) counts twice. Labels we post must use the same units, so that the UI
highlights them where a person would, and exports must be converted back before Python slices the text.
CR and LF are one unit each in both systems; the text is never normalised, so CRLF keeps its two characters.
"""

from __future__ import annotations

from itertools import accumulate


class OffsetError(ValueError):
    """An offset that does not fall on a character boundary of the text."""


def utf16_prefix(text: str) -> list[int]:
    """prefix[i] = number of UTF-16 units in text[:i], for i in 0..len(text)."""
    return [0, *accumulate(2 if ord(ch) > 0xFFFF else 1 for ch in text)]


def span_to_utf16(text: str, start: int, end: int, prefix: list[int] | None = None) -> tuple[int, int]:
    prefix = prefix if prefix is not None else utf16_prefix(text)
    if not 0 <= start < end <= len(text):
        raise OffsetError(f"span [{start}, {end}) is empty or outside text of length {len(text)}")
    return prefix[start], prefix[end]


def span_from_utf16(text: str, start: int, end: int, index: dict[int, int] | None = None) -> tuple[int, int]:
    """Code-point span for a UTF-16 span; raises OffsetError when an end splits a surrogate pair or lies outside."""
    index = index if index is not None else utf16_index(text)
    if start >= end:
        raise OffsetError(f"span [{start}, {end}) is empty")
    try:
        return index[start], index[end]
    except KeyError as exc:
        total = utf16_prefix(text)[-1]
        if not 0 <= exc.args[0] <= total:
            raise OffsetError(f"UTF-16 offset {exc.args[0]} outside text of {total} units") from None
        raise OffsetError(f"UTF-16 offset {exc.args[0]} splits a character (inside a surrogate pair)") from None


def utf16_index(text: str) -> dict[int, int]:
    """UTF-16 offset → code-point offset, for every offset that falls on a character boundary."""
    return {u: i for i, u in enumerate(utf16_prefix(text))}
