"""Partitions: the unit of work and of output. One partition is a run of lines of one .txt/.jsonl file (a byte
range starting at a line), some row groups of one Parquet file, or a few corpus articles; it becomes one Parquet
file whose name is derived from what it reads, so a re-run finds the partitions already done.

Planning reads only newline positions and Parquet footers, so the driver stays cheap next to the workers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from geostance.errors import GeostanceError, InputError
from geostance.predict import (
    LINE_SUFFIXES,
    ReadResult,
    expand_paths,
    read_article_file,
    read_line_file,
    read_parquet_file,
)

# Texts per partition. 2,000 paragraphs are about 20 s of work for one core with the shipped pipeline: long
# enough that the scheduler's few milliseconds per task and the per-file write are noise, short enough that a
# killed worker loses little and that the last partitions of a job spread over every worker.
DEFAULT_PARTITION_ROWS = 2000
# Corpus articles are grouped by size, since their paragraph count is only known after parsing.
ARTICLE_BYTES_PER_ROW = 400
OUTPUT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}\.\d{9}\.[0-9a-f]{16}\.parquet$")
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Partition:
    kind: str  # "lines", "parquet" or "articles"
    paths: tuple[str, ...]  # absolute paths the worker opens
    names: tuple[str, ...]  # the same files as the user named them: sources and errors use these
    start: int = 0  # lines: byte offset of the first line; parquet: first row group
    stop: int = 0  # lines: byte offset after the last line; parquet: the row group after the last
    first_line: int = 1  # number of the first line (Parquet: row) in its file
    size_hint: int = 0  # lines, rows or estimated paragraphs: an upper bound for progress and planning
    file_name: str = ""  # the output file: <stem>.<first line>.<hash of inputs, model, settings>.parquet


def _file_name(kind: str, paths: tuple[str, ...], start: int, stop: int, first_line: int, salt: str) -> str:
    stats = [(Path(p).stat().st_size, Path(p).stat().st_mtime_ns) for p in paths]
    ident = json.dumps([kind, paths, stats, start, stop, salt])
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", Path(paths[0]).stem)[:40] or "part"
    return f"{stem}.{first_line:09d}.{hashlib.sha256(ident.encode()).hexdigest()[:16]}.parquet"


def line_ranges(path: Path, rows: int) -> Iterator[tuple[int, int, int, int]]:
    """(start byte, stop byte, first line, lines) for runs of `rows` lines, the last run possibly shorter."""
    start = offset = 0
    first, count = 1, 0
    ends_with_newline = True
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            pos = 0
            # count whole blocks at C speed; look for single newlines only where a run ends
            while count + block.count(b"\n", pos) >= rows:
                for _ in range(rows - count):
                    pos = block.index(b"\n", pos) + 1
                yield start, offset + pos, first, rows
                start, first, count = offset + pos, first + rows, 0
            count += block.count(b"\n", pos)
            offset += len(block)
            ends_with_newline = block.endswith(b"\n")
    if offset > start:
        yield start, offset, first, count + (0 if ends_with_newline else 1)


def _article_groups(files: list[Path], rows: int) -> Iterator[list[Path]]:
    group: list[Path] = []
    size = 0
    for file in files:
        group.append(file)
        size += file.stat().st_size
        if size >= rows * ARTICLE_BYTES_PER_ROW:
            yield group
            group, size = [], 0
    if group:
        yield group


def _parquet_ranges(path: Path, rows: int) -> Iterator[tuple[int, int, int, int]]:
    """(first row group, row group after the last, first row, rows): whole row groups, about `rows` rows each."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise InputError(path, f"not a readable Parquet file ({' '.join(str(exc).split())})") from None
    start, first, count = 0, 1, 0
    for group in range(meta.num_row_groups):
        count += meta.row_group(group).num_rows
        if count >= rows or group == meta.num_row_groups - 1:
            yield start, group + 1, first, count
            start, first, count = group + 1, first + count, 0


def plan_partitions(inputs: list[Path], rows: int, salt: str) -> list[Partition]:
    """Partitions of about `rows` texts over the input files, in input order. `salt` (model fingerprint and
    settings) goes into every output name: another model or setting writes other files."""
    if rows < 1:
        raise GeostanceError(f"partition size must be at least 1 text (got {rows})")
    unique: dict[Path, Path] = {}
    for file in expand_paths(inputs):
        unique.setdefault(file.resolve(), file)  # a file named twice (itself and in its folder) is read once
    files = list(unique.values())
    plan: list[Partition] = []
    articles = [f for f in files if f.suffix == ".md"]
    for file in files:
        name, path = str(file), str(file.resolve())
        if file.suffix in LINE_SUFFIXES:
            ranges = list(line_ranges(file, rows))
            kind = "lines"
        elif file.suffix == ".parquet":
            ranges = list(_parquet_ranges(file, rows))
            kind = "parquet"
        elif file.suffix == ".md":
            if file == articles[0]:  # all articles are planned together, at the place of the first
                plan += _article_partitions(articles, rows, salt)
            continue
        else:
            raise InputError(file, f"unsupported input type {file.suffix or '(none)'!r}")
        plan += [
            Partition(
                kind, (path,), (name,), start, stop, first, n, _file_name(kind, (path,), start, stop, first, salt)
            )
            for start, stop, first, n in ranges
        ]
    return plan


def _article_partitions(articles: list[Path], rows: int, salt: str) -> list[Partition]:
    out = []
    for group in _article_groups(articles, rows):
        paths = tuple(str(f.resolve()) for f in group)
        hint = max(1, sum(f.stat().st_size for f in group) // ARTICLE_BYTES_PER_ROW)
        out.append(
            Partition(
                "articles",
                paths,
                tuple(str(f) for f in group),
                size_hint=hint,
                file_name=_file_name("articles", paths, 0, 0, 1, salt),
            )
        )
    return out


def read_partition(part: Partition, *, skip_bad: bool = False) -> ReadResult:
    path, name = Path(part.paths[0]), part.names[0]
    if part.kind == "lines":
        return read_line_file(
            path, name, start=part.start, stop=part.stop, first_line=part.first_line, skip_bad=skip_bad
        )
    if part.kind == "parquet":
        return read_parquet_file(path, name, row_groups=range(part.start, part.stop), skip_bad=skip_bad)
    result = ReadResult()
    for path_, name_ in zip(part.paths, part.names, strict=True):
        result.items += read_article_file(Path(path_), name_).items
    return result
