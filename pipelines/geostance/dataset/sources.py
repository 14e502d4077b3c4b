"""Turn input paths and reader options into a build `Source` (CoNLL files, tables, Doccano files, snapshots)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from geostance.dataset.build import Source
from geostance.dataset.features import STANCE_LABELS
from geostance.dataset.readers.conll import TagScheme, conll_labels, read_conll
from geostance.dataset.readers.table import TableSpec, read_table, table_labels
from geostance.errors import GeostanceError


@dataclass
class SplitFiles:
    """Input files per split: positional paths (split by hash) and/or --train/--dev/--test."""

    unsplit: list[Path] = field(default_factory=list)
    train: list[Path] = field(default_factory=list)
    dev: list[Path] = field(default_factory=list)
    test: list[Path] = field(default_factory=list)

    def items(self) -> list[tuple[Path, str | None]]:
        out: list[tuple[Path, str | None]] = [(p, None) for p in self.unsplit]
        for split in ("train", "dev", "test"):
            out += [(p, split) for p in getattr(self, split)]
        if not out:
            raise GeostanceError("no input files: give PATH... or --train/--dev/--test")
        return out

    def all(self) -> list[Path]:
        return [p for p, _ in self.items()]


def _ordered_labels(found: set[str], preferred: tuple[str, ...] = ()) -> list[str]:
    """Preferred names first in their order (FAVOR, AGAINST, NONE), the rest sorted."""
    head = [x for x in preferred if x in found]
    return head + sorted(found - set(head))


def conll_source(files: SplitFiles, scheme: TagScheme = TagScheme.auto,
                 label_map: dict[str, str] | None = None, encoding: str = "utf-8") -> Source:
    items = files.items()
    label_map = label_map or {}
    labels: set[str] = set()
    for path, _ in items:
        labels |= conll_labels(path, encoding)
    mapped = sorted({label_map.get(lab, lab) for lab in labels})
    source = Source(kind="conll", inputs=files.all(), entity_labels=mapped)

    def records():
        for path, split in items:
            for rec in read_conll(path, scheme, split, repairs=source.read_issues, encoding=encoding):
                if label_map:
                    rec.spans = [type(s)(s.start, s.end, label_map.get(s.label, s.label)) for s in rec.spans]
                yield rec

    source.ner = records
    return source


def table_source(files: SplitFiles, spec: TableSpec) -> Source:
    items = files.items()
    labels: set[str] = set()
    for path, _ in items:
        labels |= table_labels(path, spec)
    if spec.label_map:
        labels |= set(spec.label_map.values())
    names = _ordered_labels(labels, STANCE_LABELS) if not labels <= set(STANCE_LABELS) else list(STANCE_LABELS)
    source = Source(kind="table", inputs=files.all(), stance_labels=names)

    def records():
        for path, split in items:
            yield from read_table(path, spec, split)

    source.stance = records
    return source
