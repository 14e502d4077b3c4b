"""Rehearsal against forgetting: general news mixed into NER training, labelled by the base pipeline itself or,
where the text carries inline markup (`[[Ajax|ORG]]`, as `corpus import-annotated` reads it), by annotators.

Fine-tuning a pretrained NER on a few hundred paragraphs of one topic makes it forget what it knew (catastrophic
forgetting). Pseudo-rehearsal, as in Prodigy's and spaCy's `rehearse`, counters it: the base model labels
unlabelled text *before* fine-tuning, and those docs train alongside the gold ones, so the update keeps agreeing
with the base where the corpus says nothing. Only the dataset's labels are kept; every base entity of another
label (DATE, MONEY, ...) is counted in the report, and its tokens train as outside any entity, as in the gold.
Annotated paragraphs keep their annotators' entities instead (aligned to tokens like the corpus's own gold).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.corpus.inline import ENTITY_MARKUP, MarkupError, parse_inline
from geostance.errors import GeostanceError, InputError

Span = tuple[int, int, str]

REHEARSAL_SUFFIXES = (".txt",)


@dataclass(frozen=True)
class Rehearsal:
    """Where the unlabelled text is (files, or folders of .txt files) and how many rehearsal docs to mix in per
    gold training doc."""

    paths: tuple[Path, ...]
    ratio: float = 1.0

    def __post_init__(self) -> None:
        if not self.ratio >= 0:
            raise GeostanceError(f"rehearsal ratio must be 0 or more, got {self.ratio}")


@dataclass(frozen=True)
class Paragraph:
    text: str
    entities: tuple[Span, ...] | None = None  # None: unlabelled, the base model labels it
    origin: str = ""


@dataclass
class RehearsalReport:
    paragraphs_available: int = 0
    docs: int = 0
    annotated_docs: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    dropped_by_label: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "paragraphs_available": self.paragraphs_available,
            "docs": self.docs,
            "annotated_docs": self.annotated_docs,
            "entities": dict(sorted(self.entities.items())),
            "dropped_by_label": dict(sorted(self.dropped_by_label.items())),
        }


def rehearsal_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in REHEARSAL_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(path, "rehearsal text not found")
    if not files:
        raise GeostanceError(f"no rehearsal text (*.txt) in {', '.join(map(str, paths))}")
    return files


def read_paragraphs(paths: Iterable[Path]) -> list[Paragraph]:
    """Paragraphs (blocks separated by blank lines) of UTF-8 text files; inline entity markup, where present,
    becomes the paragraph's entities."""
    paragraphs: list[Paragraph] = []
    for path in rehearsal_files(paths):
        try:
            text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not UTF-8 (byte {exc.start})") from None
        try:
            parsed = parse_inline(text)
        except MarkupError as exc:
            raise InputError(path, str(exc), exc.line) from None
        annotated = ENTITY_MARKUP.search(text) is not None  # a file with markup is annotated throughout
        for i, paragraph in enumerate(parsed.paragraphs):
            paragraphs.append(
                Paragraph(paragraph.text, tuple(paragraph.entities) if annotated else None, f"{path}#{i + 1}")
            )
    return paragraphs


def rehearsal_docs(
    base_nlp: Any, paragraphs: Sequence[Paragraph], n_docs: int, labels: Sequence[str], align: Any, seed: int = 0
) -> tuple[list[Any], RehearsalReport]:
    """`n_docs` paragraphs (a seeded sample) as Docs: an annotated paragraph with its own entities (via `align`,
    the trainer's span-to-token alignment), an unlabelled one with the base model's, restricted to `labels`."""
    report = RehearsalReport(paragraphs_available=len(paragraphs))
    chosen = list(paragraphs)
    random.Random(seed).shuffle(chosen)
    chosen = chosen[:n_docs]
    annotated = [p for p in chosen if p.entities is not None]
    docs = align(
        [
            {
                "id": p.origin,
                "text": p.text,
                "spans": {
                    "start": [s for s, _, _ in p.entities or ()],
                    "end": [e for _, e, _ in p.entities or ()],
                    "label": [lab for *_, lab in p.entities or ()],
                },
            }
            for p in annotated
        ]
    )
    report.annotated_docs = len(docs)
    for doc in docs:
        report.entities.update(ent.label_ for ent in doc.ents)
    keep = set(labels)
    for doc in base_nlp.pipe([p.text for p in chosen if p.entities is None], batch_size=64):
        kept = [ent for ent in doc.ents if ent.label_ in keep]
        report.entities.update(ent.label_ for ent in kept)
        report.dropped_by_label.update(ent.label_ for ent in doc.ents if ent.label_ not in keep)
        doc.ents = kept
        docs.append(doc)
    report.docs = len(docs)
    return docs, report
