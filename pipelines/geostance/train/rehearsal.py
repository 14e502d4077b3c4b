"""Rehearsal against forgetting: the base pipeline's own entities on unlabelled text, mixed into NER training.

Fine-tuning a pretrained NER on a few hundred paragraphs of one topic makes it forget what it knew (catastrophic
forgetting). Pseudo-rehearsal, as in Prodigy's and spaCy's `rehearse`, counters it: the base model labels
unlabelled text *before* fine-tuning, and those docs train alongside the gold ones, so the update keeps agreeing
with the base where the corpus says nothing. Only the dataset's labels are kept; every base entity of another
label (DATE, MONEY, ...) is counted in the report, and its tokens train as outside any entity, as in the gold.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError, InputError

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


@dataclass
class RehearsalReport:
    paragraphs_available: int = 0
    docs: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    dropped_by_label: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"paragraphs_available": self.paragraphs_available, "docs": self.docs,
                "entities": dict(sorted(self.entities.items())),
                "dropped_by_label": dict(sorted(self.dropped_by_label.items()))}


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


def read_paragraphs(paths: Iterable[Path]) -> list[str]:
    """Paragraphs (blocks separated by blank lines) of UTF-8 text files, whitespace inside joined to one space."""
    paragraphs: list[str] = []
    for path in rehearsal_files(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not UTF-8 (byte {exc.start})") from None
        blocks = (" ".join(block.split()) for block in text.replace("\r\n", "\n").split("\n\n"))
        paragraphs += [block for block in blocks if block]
    return paragraphs


def rehearsal_docs(base_nlp: Any, paragraphs: Sequence[str], n_docs: int, labels: Sequence[str],
                   seed: int = 0) -> tuple[list[Any], RehearsalReport]:
    """`n_docs` paragraphs (a seeded sample) as Docs whose entities are the base model's, restricted to `labels`."""
    report = RehearsalReport(paragraphs_available=len(paragraphs))
    chosen = list(paragraphs)
    random.Random(seed).shuffle(chosen)
    chosen = chosen[:n_docs]
    keep = set(labels)
    docs = []
    for doc in base_nlp.pipe(chosen, batch_size=64):
        kept = [ent for ent in doc.ents if ent.label_ in keep]
        report.entities.update(ent.label_ for ent in kept)
        report.dropped_by_label.update(ent.label_ for ent in doc.ents if ent.label_ not in keep)
        doc.ents = kept
        docs.append(doc)
    report.docs = len(docs)
    return docs, report
