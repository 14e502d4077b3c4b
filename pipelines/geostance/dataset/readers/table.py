"""Stance tables: CSV, TSV or JSONL with named text, label and (optional) target and id columns.

The target is a free string (SemEval's "Atheism", ...). Labels are mapped with a label map
(`FAVOR=pos,AGAINST=neg,NONE=neutral`: dataset label = value in the file); without one they are used as they are.
Every row becomes one record; a row with a missing column, an empty text or an unmapped label is an error naming
its file and line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from geostance.dataset.records import StanceRecord
from geostance.errors import GeostanceError, InputError
from geostance.fields import check_scalar
from geostance.jsonl import iter_json_objects
from geostance.textfile import read_lines


def parse_label_map(spec: str | None) -> dict[str, str]:
    """`FAVOR=pos,AGAINST=neg` → {"pos": "FAVOR", "neg": "AGAINST"} (file value → dataset label)."""
    if not spec:
        return {}
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise GeostanceError(f"--label-map: {part!r} is not NAME=value (e.g. FAVOR=pos,AGAINST=neg)")
        if value in mapping and mapping[value] != name:
            raise GeostanceError(f"--label-map: value {value!r} is mapped to both {mapping[value]!r} and {name!r}")
        mapping[value] = name
    return mapping


@dataclass
class TableSpec:
    text_col: str = "text"
    label_col: str = "label"
    target_col: str | None = None
    id_col: str | None = None
    encoding: str = "utf-8"
    delimiter: str | None = None  # None: from the extension / header (tab if the header has one)
    label_map: dict[str, str] = field(default_factory=dict)


def iter_rows(path: Path, spec: TableSpec) -> Iterator[tuple[int, dict[str, object]]]:
    """(line number, row as a dict) for CSV/TSV and JSONL alike."""
    name = str(path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        yield from iter_json_objects(read_lines(path, spec.encoding), name)
        return
    lines = read_lines(path, spec.encoding)
    first = next(lines, None)
    if first is None:
        raise InputError(name, "file is empty (a header row is needed)", 1)
    delimiter = spec.delimiter
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") or "\t" in first else ","

    def all_lines() -> Iterator[str]:
        yield first
        yield from lines

    counter = _LineCounter(all_lines())
    # Tab-separated files (SemEval) do not quote; a tweet that starts with " must not open a quoted field.
    reader = csv.reader(
        counter, delimiter=delimiter, strict=True, quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    )
    try:
        header = next(reader)
        if len(set(header)) != len(header):
            raise InputError(name, f"duplicate column names in the header {header}", 1)
        while True:
            n = counter.line + 1  # the line this record starts on
            row = next(reader, None)
            if row is None:
                break
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                raise InputError(name, f"row has {len(row)} fields, the header has {len(header)}", n)
            yield n, dict(zip(header, row, strict=True))
    except csv.Error as exc:
        raise InputError(name, f"malformed CSV: {exc}", counter.line) from None


class _LineCounter:
    """Feeds csv.reader and counts lines (a quoted field may span several)."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.line = 0

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.line += 1
        return line


def _cell(row: dict[str, object], col: str, path: str, line: int) -> str:
    if col not in row:
        raise InputError(path, f"no column {col!r}; columns are {sorted(row)}", line)
    return check_scalar(row[col], path, line, col) or ""


def table_labels(path: Path, spec: TableSpec) -> set[str]:
    """Dataset labels a file uses (after the label map): a cheap first pass for the shared ClassLabel."""
    return {rec.label for rec in read_table(path, spec)}


def read_table(path: Path, spec: TableSpec, split: str | None = None) -> Iterator[StanceRecord]:
    name = str(path)
    stem = path.name
    for n, row in iter_rows(path, spec):
        text = _cell(row, spec.text_col, name, n)
        if not text.strip():
            raise InputError(name, f"empty text in column {spec.text_col!r}", n)
        raw_label = _cell(row, spec.label_col, name, n).strip()
        if spec.label_map:
            if raw_label not in spec.label_map:
                raise InputError(name, f"label {raw_label!r} is not in the label map {sorted(spec.label_map)}", n)
            label = spec.label_map[raw_label]
        else:
            label = raw_label
        if not label:
            raise InputError(name, f"empty label in column {spec.label_col!r}", n)
        target = _cell(row, spec.target_col, name, n).strip() if spec.target_col else ""
        row_id = _cell(row, spec.id_col, name, n).strip() if spec.id_col else str(n)
        record_id = f"{stem}:{row_id}"
        yield StanceRecord(
            id=record_id,
            article_id=record_id,
            unit_id=record_id,
            text=text,
            target=target,
            proposition="",
            label=label,
            origin=f"{name}:{n}",
            split=split,
        )
