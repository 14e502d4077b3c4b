"""CoNLL token files as a build input (`geostance dataset import conll`): NER only, tokens kept as given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.dataset.inputs import InputSummary, SplitFiles, StreamState
from geostance.dataset.readers.conll import TagScheme, conll_labels, read_conll
from geostance.dataset.records import NerRecord, RawSpan


@dataclass
class ConllInput:
    files: SplitFiles
    scheme: TagScheme = TagScheme.auto
    label_map: dict[str, str] = field(default_factory=dict)  # label in the file → dataset label (PER → PERSON)
    encoding: str = "utf-8"

    kind = "conll"
    stance_labels = None
    schema_text = ""  # labels come from the data

    def __post_init__(self) -> None:
        found: set[str] = set()
        for path, _ in self.files.items():
            found |= conll_labels(path, self.encoding)  # a first pass, so every split shares one ClassLabel
        self.entity_labels: list[str] | None = sorted({self.label_map.get(lab, lab) for lab in found})
        self.inputs: list[Path] = self.files.all()
        self.settings: dict[str, Any] = {
            "scheme": self.scheme.value,
            "label_map": self.label_map or None,
            "encoding": self.encoding,
        }
        self._repairs: list[str] = []
        self._state = StreamState(self.kind)

    def records(self) -> Iterator[NerRecord]:
        self._repairs.clear()
        for path, split in self.files.items():
            for record in read_conll(path, self.scheme, split, repairs=self._repairs, encoding=self.encoding):
                if self.label_map:
                    record.spans = [RawSpan(s.start, s.end, self.label_map.get(s.label, s.label)) for s in record.spans]
                yield record
        self._state.finished = True

    def summary(self) -> InputSummary:
        self._state.require_finished()
        return InputSummary(read_issues=list(self._repairs))
