"""Batch prediction: read texts from text, JSONL, Parquet or corpus article files, run a spaCy pipeline over them
with `nlp.pipe`, and yield one JSON-ready record per text (entities, per-target stance, the model's name and
fingerprint).

Inputs, by suffix: `.txt` one text per non-empty line; `.jsonl` one object per line with a non-empty string
`text` (and optional `id`; other keys are kept under `meta`); `.parquet` one row per text, columns like JSONL keys
(rows are numbered from 1 and reported as lines); `.md` a corpus article (front matter), one record per paragraph
unit. Bad lines raise an error naming file and line, or with `skip_bad` are skipped and listed.

The readers take a byte range (lines) or row-group range (Parquet) too, so `geostance.batch` can cut one large
file into partitions that workers read on their own; `name` is the path as the user gave it, used in sources and
errors, while `path` is what is opened (absolute on a cluster, where workers have another working directory).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError, InputError
from geostance.fields import check_id
from geostance.jsonl import parse_json_object

SUFFIXES = (".txt", ".jsonl", ".parquet", ".md")
LINE_SUFFIXES = (".txt", ".jsonl")


@dataclass
class InputText:
    id: str
    text: str
    source: str  # path:line, or path#unit for articles
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelSpec:
    """Which pipeline to load, in a form every process can load it from: an installed package name or an absolute
    folder (`model`), else NER and/or stance folders assembled into one pipeline. Small and picklable: workers get
    this, never the pipeline itself."""

    model: str | None = None
    ner_dir: str | None = None
    stance_dir: str | None = None

    @classmethod
    def make(cls, model: str | None, ner_dir: Path | None, stance_dir: Path | None) -> ModelSpec:
        if model:
            return cls(model=str(Path(model).resolve()) if Path(model).exists() else model)
        existing = [str(Path(d).resolve()) if d and Path(d).exists() else None for d in (ner_dir, stance_dir)]
        if existing == [None, None]:
            raise GeostanceError(
                f"no model: neither {ner_dir} nor {stance_dir} exists (run `make train`, or pass "
                "--model / --ner-model / --stance-model)"
            )
        return cls(ner_dir=existing[0], stance_dir=existing[1])

    def folders(self) -> list[Path]:
        """The folders the pipeline is loaded from (an installed package: its package folder)."""
        if self.model:
            if Path(self.model).exists():
                return [Path(self.model)]
            import spacy

            try:
                return [Path(spacy.util.get_package_path(self.model))]
            except Exception:  # spaCy raises ModuleNotFoundError or its own error for a missing package
                raise GeostanceError(
                    f"cannot find spaCy pipeline {self.model!r} (not a folder or installed package)"
                ) from None
        return [Path(d) for d in (self.ner_dir, self.stance_dir) if d]


@dataclass(frozen=True)
class ModelInfo:
    name: str  # en_geostance-0.1.0, or the NER + stance folder names
    fingerprint: str  # sha256 over the files the pipeline is loaded from


def _tree_sha256(folders: list[Path]) -> str:
    digest = hashlib.sha256()
    for i, folder in enumerate(folders):
        files = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file()
            and "__pycache__" not in p.parts
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        )
        for file in files:
            digest.update(f"{i}/{file.relative_to(folder).as_posix()}\0".encode())
            with file.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    return "sha256:" + digest.hexdigest()


def describe_model(spec: ModelSpec) -> ModelInfo:
    """Name and fingerprint without loading the pipeline: the driver stamps jobs with it and each worker checks that
    the model it loaded is the same one."""
    folders = spec.folders()
    if spec.model:
        meta_file = folders[0] / "meta.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
        name = f"{meta.get('lang', 'xx')}_{meta.get('name', folders[0].name)}-{meta.get('version', '0')}"
    else:
        name = "+".join(folder.name for folder in folders)
    return ModelInfo(name=name, fingerprint=_tree_sha256(folders))


@dataclass
class ReadResult:
    items: list[InputText] = field(default_factory=list)
    skipped: list[InputError] = field(default_factory=list)


def _lines(
    path: Path, start: int = 0, stop: int | None = None, first_line: int = 1
) -> Iterator[tuple[int, str | None, str]]:
    """(line number, text or None when undecodable, error message) per line of bytes [start, stop), read as UTF-8.
    `start` must be the first byte of a line, whose number is `first_line`."""
    with path.open("rb") as fh:
        fh.seek(start)
        position = start
        for number, raw in enumerate(fh, start=first_line):
            if stop is not None and position >= stop:
                return
            position += len(raw)
            try:
                yield number, raw.decode("utf-8").rstrip("\r\n"), ""
            except UnicodeDecodeError as exc:
                yield number, None, f"not UTF-8 (byte {exc.start})"


def _item_from_object(obj: dict[str, Any], name: str, number: int, what: str) -> InputText:
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(name, f"no text: each {what} needs a non-empty string field 'text'", number)
    item_id = check_id(obj.get("id"), name, number) or f"{Path(name).stem}:{number}"
    meta = {k: v for k, v in obj.items() if k not in ("text", "id")}
    return InputText(id=item_id, text=text, source=f"{name}:{number}", meta=meta)


def _collect(result: ReadResult, skip_bad: bool, make: Callable[..., InputText | None], *args: Any) -> None:
    """Append `make(*args)` (None: nothing to append); a bad item raises, or with `skip_bad` is listed."""
    try:
        item = make(*args)
    except InputError as error:
        if not skip_bad:
            raise
        result.skipped.append(error)
        return
    if item is not None:
        result.items.append(item)


def read_line_file(
    path: Path,
    name: str | None = None,
    *,
    start: int = 0,
    stop: int | None = None,
    first_line: int = 1,
    skip_bad: bool = False,
) -> ReadResult:
    """A .txt or .jsonl file, or the lines in its byte range [start, stop)."""
    name = name or str(path)
    jsonl = path.suffix == ".jsonl"
    result = ReadResult()

    def item(number: int, line: str | None, problem: str) -> InputText | None:
        if line is None:
            raise InputError(name, problem, number)
        if not line.strip():
            return None  # blank lines separate nothing and are not texts
        if jsonl:
            return _item_from_object(parse_json_object(line, name, number), name, number, "line")
        return InputText(id=f"{Path(name).stem}:{number}", text=line, source=f"{name}:{number}")

    for number, line, problem in _lines(path, start, stop, first_line):
        _collect(result, skip_bad, item, number, line, problem)
    return result


def read_parquet_file(
    path: Path, name: str | None = None, *, row_groups: range | None = None, skip_bad: bool = False
) -> ReadResult:
    """A Parquet file (or some of its row groups): one text per row, rows numbered from 1 across the file."""
    import pyarrow.parquet as pq

    name = name or str(path)
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise InputError(name, f"not a readable Parquet file ({' '.join(str(exc).split())})") from None
    if "text" not in pf.schema_arrow.names:
        raise InputError(name, f"no 'text' column (columns: {', '.join(pf.schema_arrow.names)})")
    groups = range(pf.num_row_groups) if row_groups is None else row_groups
    number = sum(pf.metadata.row_group(g).num_rows for g in range(groups.start)) if len(groups) else 0
    result = ReadResult()
    for group in groups:
        for obj in pf.read_row_group(group).to_pylist():
            number += 1
            _collect(result, skip_bad, _item_from_object, obj, name, number, "row")
    return result


def read_article_file(path: Path, name: str | None = None) -> ReadResult:
    """A corpus article: one text per paragraph unit."""
    from geostance.corpus.store import parse_article_file
    from geostance.corpus.units import split_units

    name = name or str(path)
    article = parse_article_file(path)
    return ReadResult(
        items=[
            InputText(id=unit.unit_id, text=unit.text, source=f"{name}#{unit.unit_id}", meta={"article_id": article.id})
            for unit in split_units(article)
        ]
    )


def read_file(path: Path, *, skip_bad: bool = False, name: str | None = None) -> ReadResult:
    if path.suffix == ".md":
        return read_article_file(path, name)
    if path.suffix == ".parquet":
        return read_parquet_file(path, name, skip_bad=skip_bad)
    if path.suffix not in LINE_SUFFIXES:
        raise InputError(name or path, f"unsupported input type {path.suffix or '(none)'!r}; use {', '.join(SUFFIXES)}")
    return read_line_file(path, name, skip_bad=skip_bad)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder stands for its .txt/.jsonl/.parquet/.md files, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(path, "no such file or folder")
    if not files:
        raise GeostanceError(
            "no input files (give .txt, .jsonl, .parquet or corpus .md files, or folders holding them)"
        )
    return files


def read_inputs(paths: Iterable[Path], *, skip_bad: bool = False) -> ReadResult:
    total = ReadResult()
    for path in expand_paths(paths):
        part = read_file(path, skip_bad=skip_bad)
        total.items += part.items
        total.skipped += part.skipped
    return total


def doc_record(item: InputText, doc: Any, model: ModelInfo | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": item.id,
        "source": item.source,
        "text": item.text,
        "entities": [{"start": e.start_char, "end": e.end_char, "label": e.label_, "text": e.text} for e in doc.ents],
    }
    if doc.has_extension("stance") and doc._.stance is not None:
        record["stance"] = doc._.stance
        record["stance_scores"] = {k: round(v, 4) for k, v in doc.cats.items()}
    if item.meta:
        record["meta"] = item.meta
    if model is not None:
        record["model"] = model.name
        record["model_fingerprint"] = model.fingerprint
    return record


def predict_records(
    nlp: Any,
    items: list[InputText],
    *,
    batch_size: int = 64,
    n_process: int = 1,
    progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
    model: ModelInfo | None = None,
) -> Iterator[dict[str, Any]]:
    """One record per item, in input order, stamped with `model` when given. `progress(iterable, total)` may wrap
    the doc stream (a bar)."""
    if batch_size < 1 or n_process < 1:
        raise GeostanceError(f"batch size and process count must be >= 1 (got {batch_size}, {n_process})")
    docs = nlp.pipe(((item.text, item) for item in items), as_tuples=True, batch_size=batch_size, n_process=n_process)
    if progress is not None:
        docs = progress(docs, len(items))
    for doc, item in docs:
        yield doc_record(item, doc, model)


def load_spec(spec: ModelSpec) -> Any:
    """The pipeline a spec names, in this process (on a worker: from the worker's own disk or packages)."""
    for folder in (spec.ner_dir, spec.stance_dir):
        if folder and not Path(folder).is_dir():
            import socket

            raise GeostanceError(
                f"{folder}: no such model folder on {socket.gethostname()} (every worker needs the "
                "model at the same path, or the package installed)"
            )
    return load_pipeline(
        spec.model, Path(spec.ner_dir) if spec.ner_dir else None, Path(spec.stance_dir) if spec.stance_dir else None
    )


def load_pipeline(model: str | None, ner_dir: Path | None, stance_dir: Path | None) -> Any:
    """An installed/saved spaCy pipeline by name or folder, else NER + stance assembled from the model folders."""
    if model:
        import spacy

        # the stance factory must be known when loading a saved pipeline folder (an installed package registers
        # its own copy through its entry point)
        import geostance.runtime.stance_component  # noqa: F401

        try:
            return spacy.load(model)
        except OSError as exc:
            raise GeostanceError(f"cannot load spaCy pipeline {model!r}: {' '.join(str(exc).split())}") from None
    from geostance.runtime.assemble import assemble_pipeline

    return assemble_pipeline(
        ner_dir if ner_dir and ner_dir.exists() else None, stance_dir if stance_dir and stance_dir.exists() else None
    )
