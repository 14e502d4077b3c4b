"""What a build reads: one typed input per kind, each streaming `NerRecord`s and `StanceRecord`s.

- `SnapshotInput`: a pulled Doccano snapshot plus the corpus (the shipped dataset, `geostance dataset build`);
- `DoccanoFilesInput`: Doccano export or import files of any shape (`geostance dataset import doccano`);
- `ConllInput`: CoNLL token files (`geostance dataset import conll`);
- `TableInput`: stance tables, CSV/TSV/JSONL (`geostance dataset import table`).

Each knows its label names before streaming (the ClassLabels are declared before the first row is written), streams
its records once through `records()`, and then gives a `summary()`: what reading found beyond the records (repairs
made on reading, adjudication, agreement) and the files to write beside the dataset.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from geostance.dataset.records import NerRecord, StanceRecord
from geostance.dataset.splits import SPLITS
from geostance.errors import GeostanceError


@dataclass
class SplitFiles:
    """Input files: `unsplit` ones are split by article hash, the others are the split they are named for."""

    unsplit: list[Path] = field(default_factory=list)
    train: list[Path] = field(default_factory=list)
    dev: list[Path] = field(default_factory=list)
    test: list[Path] = field(default_factory=list)

    def items(self) -> list[tuple[Path, str | None]]:
        """(file, split or None) in reading order."""
        out: list[tuple[Path, str | None]] = [(Path(p), None) for p in self.unsplit]
        for split in SPLITS:
            out += [(Path(p), split) for p in getattr(self, split)]
        if not out:
            raise GeostanceError("no input files: give PATH... or --train/--dev/--test")
        return out

    def all(self) -> list[Path]:
        return [p for p, _ in self.items()]


@dataclass
class InputSummary:
    """What reading an input found beyond its records."""

    read_issues: list[str] = field(default_factory=list)  # what the reader repaired or dropped ("file:line: ...")
    info: dict[str, Any] = field(default_factory=dict)  # extra keys of build_info.json and the card
    files: dict[str, Any] = field(default_factory=dict)  # name → content written beside the dataset: text,
    #                                                        bytes, a JSON-able object, or rows for a .jsonl


class DatasetInput(Protocol):
    @property
    def kind(self) -> str:
        """ "snapshot", "doccano", "conll" or "table"."""
        ...

    @property
    def entity_labels(self) -> list[str] | None:
        """The NER ClassLabel's names; None: the input has no NER task."""
        ...

    @property
    def stance_labels(self) -> list[str] | None:
        """The stance ClassLabel's names; None: the input has no stance task."""
        ...

    @property
    def inputs(self) -> list[Path]:
        """Files or folders whose bytes the fingerprint covers."""
        ...

    @property
    def settings(self) -> dict[str, Any]:
        """Reader settings, in the fingerprint and build_info.json."""
        ...

    @property
    def schema_text(self) -> str:
        """The schema the labels come from ("" when they come from the data)."""
        ...

    def records(self) -> Iterator[NerRecord | StanceRecord]:
        """Every record, once; a second call reads the input again."""
        ...

    def summary(self) -> InputSummary:
        """Complete once `records()` has run to its end (a reader meets its repairs while reading)."""
        ...


class StreamState:
    """Guards `summary()` of inputs that learn something while streaming: asking before the stream has ended
    would give a summary that silently lacks part of the input."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.finished = False

    def require_finished(self) -> None:
        if not self.finished:
            raise RuntimeError(f"the {self.kind} input's summary is asked for before its records were all read")
