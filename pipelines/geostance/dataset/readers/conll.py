"""CoNLL token files (IOB1 or IOB2): token first, tag last, any whitespace between columns.

CoNLL-2003 (`eng.*`): 4 columns, IOB1, `-DOCSTART-` lines start documents. WNUT-17: 2 columns, IOB2.
A sentence becomes one record: text is the tokens joined by single spaces, spans are character offsets, and the
given tokens are kept (no re-tokenising). Documents (`-DOCSTART-`) are the groups splits keep together; a file
without them is one document per sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path

from geostance.dataset.records import NerRecord, RawSpan
from geostance.errors import InputError
from geostance.textfile import read_lines


class TagScheme(StrEnum):
    auto = "auto"
    iob1 = "iob1"  # I- starts an entity unless it continues one of the same type; B- only between two of a type
    iob2 = "iob2"  # every entity starts with B-


def _split_tag(tag: str, path: str, line: int) -> tuple[str, str]:
    if tag == "O":
        return "O", ""
    prefix, sep, label = tag.partition("-")
    if not sep or prefix not in ("B", "I") or not label:
        raise InputError(path, f"tag {tag!r} is not O, B-<label> or I-<label>", line)
    return prefix, label


def tags_to_spans(tags: list[tuple[str, str]], scheme: TagScheme) -> tuple[list[tuple[int, int, str]], int]:
    """Token spans (first, last+1, label) and the number of IOB2 entities that began with I- (repaired)."""
    spans: list[tuple[int, int, str]] = []
    repaired = 0
    start = None
    label = ""
    for k, (prefix, lab) in enumerate(tags):
        continues = prefix == "I" and start is not None and lab == label
        if start is not None and not continues:
            spans.append((start, k, label))
            start = None
        if prefix == "B" or (prefix == "I" and not continues):
            if prefix == "I" and scheme is TagScheme.iob2:
                repaired += 1
            start, label = k, lab
    if start is not None:
        spans.append((start, len(tags), label))
    return spans, repaired


def _sentences(lines: Iterable[str], path: str) -> Iterator[tuple[int | None, int, list[str], list[tuple[str, str]]]]:
    """(document index or None before any -DOCSTART-, first line, tokens, tags) per sentence."""
    doc = 0
    seen_docstart = False
    tokens: list[str] = []
    tags: list[tuple[str, str]] = []
    first = 0
    for n, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            if tokens:
                yield (doc if seen_docstart else None), first, tokens, tags
                tokens, tags = [], []
            continue
        cols = line.split()
        if cols[0] == "-DOCSTART-":
            if tokens:
                yield (doc if seen_docstart else None), first, tokens, tags
                tokens, tags = [], []
            if seen_docstart:
                doc += 1
            seen_docstart = True
            continue
        if len(cols) < 2:
            raise InputError(path, f"expected a token and a tag separated by whitespace, got {line.strip()!r}", n)
        if not tokens:
            first = n
        tokens.append(cols[0])
        tags.append(_split_tag(cols[-1], path, n))
    if tokens:
        yield (doc if seen_docstart else None), first, tokens, tags


def detect_scheme(lines: Iterable[str], path: str) -> TagScheme:
    """IOB1 when some entity starts with I- (after O, at a sentence start or after another type): IOB2 never
    does that. Otherwise IOB2 (a file where no entity starts with I- reads the same either way)."""
    for _, _, _, tags in _sentences(lines, path):
        prev = ("O", "")
        for prefix, lab in tags:
            if prefix == "I" and (prev[0] == "O" or prev[1] != lab):
                return TagScheme.iob1
            prev = (prefix, lab)
    return TagScheme.iob2


def conll_labels(path: Path, encoding: str = "utf-8") -> set[str]:
    """Entity labels used in a file (a cheap first pass, so every split shares one ClassLabel)."""
    labels: set[str] = set()
    for _, _, _, tags in _sentences(read_lines(path, encoding), str(path)):
        labels.update(lab for prefix, lab in tags if prefix != "O")
    return labels


def read_conll(
    path: Path,
    scheme: TagScheme = TagScheme.auto,
    split: str | None = None,
    repairs: list[str] | None = None,
    encoding: str = "utf-8",
) -> Iterator[NerRecord]:
    """Stream one `NerRecord` per sentence. `repairs` collects IOB2 entities that began with I- (kept, listed)."""
    name = str(path)
    if scheme is TagScheme.auto:
        scheme = detect_scheme(read_lines(path, encoding), name)
    stem = path.name
    per_doc_sentence: dict[int, int] = {}
    for doc, line, tokens, tags in _sentences(read_lines(path, encoding), name):
        token_spans, repaired = tags_to_spans(tags, scheme)
        if repaired and repairs is not None:
            repairs.append(f"{name}:{line}: {repaired} entity(ies) began with I- in an IOB2 file; read as starts")
        starts = []
        pos = 0
        for tok in tokens:
            starts.append(pos)
            pos += len(tok) + 1
        spans = [RawSpan(starts[i], starts[j - 1] + len(tokens[j - 1]), lab) for i, j, lab in token_spans]
        sentence_id = f"{stem}:{line}"
        if doc is None:  # no documents: each sentence is its own group
            article_id, unit_id = sentence_id, f"{sentence_id}:s0000"
        else:
            k = per_doc_sentence.get(doc, 0)
            per_doc_sentence[doc] = k + 1
            article_id = f"{stem}:d{doc:05d}"
            unit_id = f"{article_id}:s{k:04d}"
        yield NerRecord(
            id=sentence_id,
            article_id=article_id,
            unit_id=unit_id,
            text=" ".join(tokens),
            spans=spans,
            origin=f"{name}:{line}",
            tokens=tokens,
            split=split,
        )
