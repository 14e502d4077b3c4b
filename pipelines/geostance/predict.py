"""Batch prediction: read texts from text, JSONL or corpus article files, run a spaCy pipeline over them with
`nlp.pipe`, and yield one JSON-ready record per text (entities and per-target stance).

Inputs, by suffix: `.txt` one text per non-empty line; `.jsonl` one object per line with a non-empty string
`text` (and optional `id`; other keys are kept under `meta`); `.md` a corpus article (front matter), one record
per paragraph unit. Bad lines raise an error naming file and line, or with `skip_bad` are skipped and listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError, InputError
from geostance.jsonl import parse_json_object

SUFFIXES = (".txt", ".jsonl", ".md")


@dataclass
class InputText:
    id: str
    text: str
    source: str  # path:line, or path#unit for articles
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReadResult:
    items: list[InputText] = field(default_factory=list)
    skipped: list[InputError] = field(default_factory=list)


def _lines(path: Path) -> Iterator[tuple[int, str | None, str]]:
    """(line number, text or None when undecodable, error message) per line, read as UTF-8."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                yield number, raw.decode("utf-8").rstrip("\r\n"), ""
            except UnicodeDecodeError as exc:
                yield number, None, f"not UTF-8 (byte {exc.start})"


def _jsonl_item(path: Path, number: int, line: str) -> InputText:
    obj = parse_json_object(line, path, number)
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(path, "no text: each line needs a non-empty string field 'text'", number)
    item_id = obj.get("id", f"{path.stem}:{number}")
    meta = {k: v for k, v in obj.items() if k not in ("text", "id")}
    return InputText(id=str(item_id), text=text, source=f"{path}:{number}", meta=meta)


def read_file(path: Path, *, skip_bad: bool = False) -> ReadResult:
    result = ReadResult()
    if path.suffix == ".md":
        from geostance.corpus.store import parse_article_file
        from geostance.corpus.units import split_units

        article = parse_article_file(path)
        for unit in split_units(article):
            result.items.append(InputText(id=unit.unit_id, text=unit.text, source=f"{path}#{unit.unit_id}",
                                          meta={"article_id": article.id}))
        return result
    if path.suffix not in (".txt", ".jsonl"):
        raise InputError(path, f"unsupported input type {path.suffix or '(none)'!r}; use {', '.join(SUFFIXES)}")
    for number, line, problem in _lines(path):
        try:
            if line is None:
                raise InputError(path, problem, number)
            if not line.strip():
                continue  # blank lines separate nothing and are not texts
            if path.suffix == ".jsonl":
                result.items.append(_jsonl_item(path, number, line))
            else:
                result.items.append(InputText(id=f"{path.stem}:{number}", text=line, source=f"{path}:{number}"))
        except InputError as error:
            if not skip_bad:
                raise
            result.skipped.append(error)
    return result


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder stands for its .txt/.jsonl/.md files, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(path, "no such file or folder")
    if not files:
        raise GeostanceError("no input files (give .txt, .jsonl or corpus .md files, or folders holding them)")
    return files


def read_inputs(paths: Iterable[Path], *, skip_bad: bool = False) -> ReadResult:
    total = ReadResult()
    for path in expand_paths(paths):
        part = read_file(path, skip_bad=skip_bad)
        total.items += part.items
        total.skipped += part.skipped
    return total


def doc_record(item: InputText, doc: Any) -> dict[str, Any]:
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
    return record


def predict_records(nlp: Any, items: list[InputText], *, batch_size: int = 64, n_process: int = 1,
                    progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None) -> Iterator[dict[str, Any]]:
    """One record per item, in input order. `progress(iterable, total)` may wrap the doc stream (a bar)."""
    if batch_size < 1 or n_process < 1:
        raise GeostanceError(f"batch size and process count must be >= 1 (got {batch_size}, {n_process})")
    docs = nlp.pipe(((item.text, item) for item in items), as_tuples=True, batch_size=batch_size,
                    n_process=n_process)
    if progress is not None:
        docs = progress(docs, len(items))
    for doc, item in docs:
        yield doc_record(item, doc)


def load_pipeline(model: str | None, ner_dir: Path | None, stance_dir: Path | None) -> Any:
    """An installed/saved spaCy pipeline by name or folder, else NER + stance assembled from the model folders."""
    if model:
        import spacy

        # the stance factory must be known when loading a saved pipeline folder (an installed package registers
        # its own copy through its entry point)
        import geostance.package.stance_component  # noqa: F401

        try:
            return spacy.load(model)
        except OSError as exc:
            raise GeostanceError(f"cannot load spaCy pipeline {model!r}: {' '.join(str(exc).split())}") from None
    from geostance.package.assemble import assemble_pipeline

    return assemble_pipeline(ner_dir if ner_dir and ner_dir.exists() else None,
                             stance_dir if stance_dir and stance_dir.exists() else None)
