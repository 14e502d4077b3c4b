"""Stance tables as a build input (`geostance dataset import table`): stance only, one record per row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from geostance.dataset.features import stance_label_order
from geostance.dataset.inputs import InputSummary, SplitFiles
from geostance.dataset.readers.table import TableSpec, read_table, table_labels
from geostance.dataset.records import StanceRecord


@dataclass
class TableInput:
    files: SplitFiles
    spec: TableSpec = field(default_factory=TableSpec)

    kind = "table"
    entity_labels = None
    schema_text = ""  # labels come from the data

    def __post_init__(self) -> None:
        found = set(self.spec.label_map.values())
        for path, _ in self.files.items():
            found |= table_labels(path, self.spec)  # a first pass, so every split shares one ClassLabel
        self.stance_labels: list[str] | None = stance_label_order(found)
        self.inputs: list[Path] = self.files.all()
        self.settings: dict[str, Any] = {"table": asdict(self.spec)}

    def records(self) -> Iterator[StanceRecord]:
        for path, split in self.files.items():
            yield from read_table(path, self.spec, split)

    def summary(self) -> InputSummary:
        return InputSummary()  # a table reader repairs nothing: a bad row is an error
