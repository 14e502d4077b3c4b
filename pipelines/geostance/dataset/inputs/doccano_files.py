"""Doccano export or import files of any shape as a build input (`geostance dataset import doccano`).

Rows stream through one at a time; the annotators of a row (Doccano 1.x puts every user's labels in one row) are
merged into gold by `adjudicate_unit` (majority vote, ties listed, decisions override), a single annotator's
labels being the gold by the same rule. Labels come from the schema (default: entity labels and `<target>:<label>`
categories) or, with `labels_from="data"`, from the files (a first pass collects them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from geostance.dataset.adjudicate import (
    AdjudicationSummary,
    Decision,
    adjudicate_unit,
    decisions_by_unit,
    load_decisions,
)
from geostance.dataset.features import stance_label_order
from geostance.dataset.inputs import InputSummary, SplitFiles, StreamState
from geostance.dataset.inputs.votes import CategoryParser, row_votes
from geostance.dataset.readers.doccano import DoccanoRow, read_doccano, read_label_config
from geostance.dataset.records import NerRecord, RawSpan, StanceRecord
from geostance.paths import schema_path
from geostance.schema import Schema, load_schema

# Who made labels that carry no user: a file of one annotator's work.
DEFAULT_ANNOTATOR = "export"
# Row shapes that are span annotation even when a row has no span (so a file of them has a NER task).
_SPAN_SHAPES = ("intent", "relation", "sequence", "conll", "legacy")
_CATEGORY_SHAPES = ("classification", "fasttext")


class LabelSource(StrEnum):
    schema = "schema"
    data = "data"


@dataclass
class DoccanoFilesInput:
    files: SplitFiles
    labels_from: LabelSource = LabelSource.schema
    schema_file: Path | None = None  # default: annotations/schema.yaml
    label_config: Path | None = None  # Doccano 1.x label definitions (numeric label ids → names)
    text_col: str = "text"
    label_col: str = "label"
    encoding: str = "utf-8"
    adjudication: Path | None = None  # decisions that override the vote (none by default)

    kind = "doccano"

    def __post_init__(self) -> None:
        self.labels_from = LabelSource(self.labels_from)
        schema_file = Path(self.schema_file or schema_path())
        self._schema: Schema | None = load_schema(schema_file) if self.labels_from is LabelSource.schema else None
        self.schema_text: str = schema_file.read_text(encoding="utf-8") if schema_file.is_file() else ""
        self._label_names = read_label_config(self.label_config) if self.label_config else None
        self._parse_cat = CategoryParser(self._schema)
        self._decisions: dict[tuple, Decision] = load_decisions(self.adjudication)
        self.inputs: list[Path] = self.files.all()
        self.settings: dict[str, Any] = {
            "labels": self.labels_from.value,
            "label_config": Path(self.label_config).name if self.label_config else "",
            "text_col": self.text_col,
            "label_col": self.label_col,
            "encoding": self.encoding,
        }
        self.entity_labels: list[str] | None
        self.stance_labels: list[str] | None
        self._propositions: dict[str, str] = {}
        if self._schema is not None:
            self.entity_labels = list(self._schema.entity_names)
            self.stance_labels = list(self._schema.stance_labels)
            self._propositions = {t.id: t.proposition for t in self._schema.targets}
        else:
            self.entity_labels, self.stance_labels = self._labels_in_data()
        self._state = StreamState(self.kind)
        self._summary = InputSummary()

    def _rows(self) -> Iterator[tuple[DoccanoRow, str | None]]:
        for path, split in self.files.items():
            for row in read_doccano(path, self._label_names, self.encoding, self.text_col, self.label_col):
                yield row, split

    def _labels_in_data(self) -> tuple[list[str] | None, list[str] | None]:
        """Entity and stance label names the files use (None: no such task in the files)."""
        entities: set[str] = set()
        stances: set[str] = set()
        has_ner = has_stance = False
        for row, _ in self._rows():
            entities.update(label for _, _, label, _ in row.spans)
            stances.update(p[1] for p in map(self._parse_cat, (cat for cat, _ in row.cats)) if not isinstance(p, str))
            has_ner = has_ner or row.shape in _SPAN_SHAPES or bool(row.spans)
            has_stance = has_stance or bool(row.cats) or row.shape in _CATEGORY_SHAPES
        return (sorted(entities) if has_ner else None), (stance_label_order(stances) if has_stance else None)

    def records(self) -> Iterator[NerRecord | StanceRecord]:
        adjudication = AdjudicationSummary()
        decisions = decisions_by_unit(self._decisions)
        issues: list[str] = []
        provenance: list[dict[str, Any]] = []
        for row, split in self._rows():
            unit_id = str(row.meta.get("unit_id") or row.id or row.origin)
            article_id = str(row.meta.get("article_id") or unit_id)
            found = row_votes(row, unit_id, self._parse_cat, DEFAULT_ANNOTATOR)
            issues += found.issues
            gold = adjudicate_unit(found.votes, decisions.get(unit_id, []), adjudication)
            if len(found.votes.annotators) > 1:
                # Kept for multi-annotator rows only: a single annotator's provenance says nothing the data does
                # not, and a large single-annotator export would keep it all in memory.
                provenance += gold.provenance
            if self.entity_labels is not None:
                yield NerRecord(
                    unit_id,
                    article_id,
                    unit_id,
                    row.text,
                    [RawSpan(*s) for s in gold.spans],
                    row.origin,
                    row.tokens,
                    split,
                )
            if self.stance_labels is not None:
                for target, label in sorted(gold.stances.items()):
                    yield StanceRecord(
                        f"{unit_id}:{target}" if target else unit_id,
                        article_id,
                        unit_id,
                        row.text,
                        target,
                        self._propositions.get(target, ""),
                        label,
                        row.origin,
                        split,
                    )
        adjudication.note_unused(self._decisions)
        self._summary = InputSummary(
            read_issues=issues, info={"adjudication": adjudication.build_info()}, files={"provenance.jsonl": provenance}
        )
        self._state.finished = True

    def summary(self) -> InputSummary:
        self._state.require_finished()
        return self._summary
