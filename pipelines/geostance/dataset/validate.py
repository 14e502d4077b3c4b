"""Quality gates for a pulled snapshot, against the corpus and the schema. Every problem names file and line.

Gates: each line parses; each span lies inside its unit, has no leading/trailing whitespace and a schema label;
no two spans of one annotator overlap; at most one stance per target per unit; every unit maps back onto its
article (unit text == article text at the unit's offsets, and its sha256 matches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from geostance.corpus.model import Unit, text_sha256
from geostance.corpus.store import Corpus
from geostance.corpus.units import UnitMode, split_units
from geostance.dataset.readers.doccano import DoccanoRow, parse_row
from geostance.dataset.readers.snapshot import open_snapshot
from geostance.errors import InputError
from geostance.jsonl import decode_json
from geostance.schema import Schema
from geostance.textfile import read_lines


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    kind: str = "span"  # structure | unit | span | stance

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


class UnitIndex:
    """unit_id → Unit, splitting each article once."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.manifest = corpus.manifest()
        self._units: dict[str, dict[str, Unit]] = {}

    def unit(self, article_id: str, unit_id: str) -> Unit | str:
        """The unit, or a message saying why there is none."""
        if article_id not in self.manifest:
            return f"article {article_id!r} is not in the corpus manifest"
        if article_id not in self._units:
            try:
                article = self.corpus.load(article_id)
            except (InputError, FileNotFoundError) as exc:
                return f"article {article_id!r} cannot be loaded: {exc}"
            units: dict[str, Unit] = {}
            for mode in (UnitMode.paragraph, UnitMode.article):
                units.update({u.unit_id: u for u in split_units(article, mode)})
            self._units[article_id] = units
        units = self._units[article_id]
        if unit_id not in units:
            prefix = unit_id.rpartition(":")[2][:1]
            if prefix == "s" and article_id in self._units:  # sentence units need spaCy: only on demand
                article = self.corpus.load(article_id)
                units.update({u.unit_id: u for u in split_units(article, UnitMode.sentence)})
            if unit_id not in units:
                return f"unit {unit_id!r} is not a unit of article {article_id!r}"
        return units[unit_id]


def check_row(row: DoccanoRow, schema: Schema, units: UnitIndex, path: str) -> list[Problem]:
    problems: list[Problem] = []
    line = row.line

    def add(msg: str, kind: str) -> None:
        problems.append(Problem(path, line, msg, kind))

    meta = row.meta
    article_id, unit_id, sha = meta.get("article_id"), meta.get("unit_id"), meta.get("text_sha256")
    for key, value in (("article_id", article_id), ("unit_id", unit_id), ("text_sha256", sha)):
        if not isinstance(value, str) or not value:
            add(f"missing {key!r}", "unit")
    if isinstance(article_id, str) and isinstance(unit_id, str):
        unit = units.unit(article_id, unit_id)
        if isinstance(unit, str):
            add(unit, "unit")
        else:
            if unit.text != row.text:
                add(f"unit {unit_id} text differs from the article text at offsets {unit.start}..{unit.end}", "unit")
            if isinstance(sha, str) and sha != unit.sha256:
                add(f"unit {unit_id} text_sha256 does not match the corpus unit", "unit")
    if isinstance(sha, str) and sha != text_sha256(row.text):
        add("text_sha256 does not match the line's text", "unit")
    text = row.text
    entity_names = set(schema.entity_names)
    good: list[tuple[int, int, str]] = []
    for start, end, label, _user in row.spans:
        where = f"span [{start}, {end}, {label!r}]"
        if label not in entity_names:
            add(f"{where}: label not in the schema {sorted(entity_names)}", "span")
        if not (0 <= start < end <= len(text)):
            add(f"{where}: outside the unit (0..{len(text)}) or empty", "span")
            continue
        surface = text[start:end]
        if surface != surface.strip():
            add(f"{where}: leading or trailing whitespace in {surface!r}", "span")
        good.append((start, end, label))
    good.sort()
    for (s1, e1, l1), (s2, e2, l2) in pairwise(good):
        if s2 < e1:
            add(f"spans [{s1}, {e1}, {l1!r}] and [{s2}, {e2}, {l2!r}] overlap", "span")
    seen: dict[str, str] = {}
    for cat, _user in row.cats:
        try:
            target, label = schema.parse_category(cat)
        except ValueError as exc:
            add(str(exc), "stance")
            continue
        if target in seen:
            add(f"two stances for target {target!r}: {seen[target]} and {label}", "stance")
        seen[target] = label
    return problems


@dataclass
class CheckedFile:
    """An annotator file read once: the rows that parsed, and every problem found (file:line)."""

    rows: list[DoccanoRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_annotator_file(path: Path, schema: Schema, units: UnitIndex) -> CheckedFile:
    checked = CheckedFile()
    name = str(path)
    seen_units: dict[str, int] = {}
    try:
        for n, raw in enumerate(read_lines(path), start=1):
            if not raw.strip():
                continue
            try:
                row = parse_row(decode_json(raw, name, n), name, n)
            except InputError as exc:
                checked.problems.append(Problem(name, n, exc.message, "structure"))
                continue
            unit_id = row.meta.get("unit_id")
            if isinstance(unit_id, str):
                if unit_id in seen_units:
                    checked.problems.append(
                        Problem(
                            name, n, f"unit {unit_id} appears twice (first on line {seen_units[unit_id]})", "structure"
                        )
                    )
                seen_units.setdefault(unit_id, n)
            checked.problems.extend(check_row(row, schema, units, name))
            checked.rows.append(row)
    except InputError as exc:  # undecodable bytes
        checked.problems.append(Problem(exc.path, exc.line, exc.message, "structure"))
    return checked


def validate_snapshot(snapshot_dir: str | Path, corpus: Corpus, schema: Schema) -> list[Problem]:
    """Every gate over every annotator file of a snapshot; an empty list means the snapshot is clean."""
    try:
        snapshot = open_snapshot(Path(snapshot_dir))
    except InputError as exc:
        return [Problem(exc.path, exc.line, exc.message, "structure")]
    units = UnitIndex(corpus)
    return [
        p for _, path in sorted(snapshot.annotators.items()) for p in check_annotator_file(path, schema, units).problems
    ]
