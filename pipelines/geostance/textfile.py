"""Reading text files line by line in a given encoding, with decoding errors reported by file and line (a base
module: readers of every stage use it)."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from pathlib import Path

from geostance.errors import InputError


def read_lines(path: str | Path, encoding: str = "utf-8") -> Iterator[str]:
    """Yield lines (with their line ends) decoded strictly; a bad byte is an `InputError` naming its line."""
    path = Path(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(path, f"unknown encoding {encoding!r}") from None
    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        # Multi-byte encodings cannot be split on b"\n": decode the whole file, so a bad or truncated byte
        # sequence can be placed on its line (a stream decoder fails a whole chunk ahead, with no line).
        yield from io.StringIO(_decode_whole(path, encoding), newline="")
        return
    with open_file(path, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    path,
                    f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is not valid "
                    f"{encoding}; pass the file's encoding (e.g. --encoding cp1252)",
                    n,
                ) from None
            if n == 1 and line.startswith("\ufeff"):
                line = line[1:]
            yield line


def _decode_whole(path: Path, encoding: str) -> str:
    with open_file(path, "rb") as fh:
        data = fh.read()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise InputError(path, f"not valid {encoding} at byte {exc.start} ({exc.reason})", line) from None


def open_file(path: Path, mode: str, **kwargs):
    try:
        return open(path, mode, **kwargs)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
