"""A pulled Doccano snapshot plus the corpus as a build input: the shipped dataset (`geostance dataset build`).

`read_snapshot` reads each annotator file once: every line is parsed and checked against the corpus and the schema
(the gates of `geostance dataset validate`) and becomes one annotator's votes. `SnapshotInput.open` refuses a
snapshot whose lines do not parse or do not match their corpus unit, adjudicates the votes into gold, measures
agreement when there are two or more annotators, and then streams records from memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.corpus.store import Corpus
from geostance.dataset.adjudicate import UnitGold, UnitVotes, adjudicate, load_decisions
from geostance.dataset.inputs import InputSummary
from geostance.dataset.inputs.votes import CategoryParser, row_votes
from geostance.dataset.readers.doccano import DoccanoRow
from geostance.dataset.readers.snapshot import find_latest_snapshot, open_snapshot
from geostance.dataset.records import NerRecord, RawSpan, StanceRecord
from geostance.dataset.validate import Problem, UnitIndex, check_annotator_file
from geostance.errors import GeostanceError
from geostance.paths import annotations_dir, corpus_dir, doccano_snapshots_dir, schema_path
from geostance.schema import Schema, load_schema

# Problems that leave a unit unreadable or unplaced: a build (or agreement) cannot go on with them. Span and
# stance problems are not among them: the aligner drops and lists bad spans, the votes bad categories.
FATAL_PROBLEMS = ("structure", "unit")


@dataclass
class SnapshotData:
    """Everything read from a snapshot's annotator files."""

    path: Path
    annotators: list[str]
    rows: dict[str, DoccanoRow]  # unit_id → a row of it (text, article_id, ...)
    votes: list[UnitVotes]  # per unit, sorted by unit_id
    problems: list[Problem]  # the validation gates' findings, file:line
    issues: list[str]  # categories dropped while reading votes

    def refuse_problems(self) -> None:
        found = [p for p in self.problems if p.kind in FATAL_PROBLEMS]
        if found:
            shown = "; ".join(str(p) for p in found[:5])
            raise GeostanceError(
                f"snapshot {self.path} fails validation ({len(found)} problem(s), see "
                f"`geostance dataset validate`): {shown}"
            )


def read_snapshot(snapshot_dir: Path, corpus: Corpus, schema: Schema) -> SnapshotData:
    snapshot = open_snapshot(Path(snapshot_dir))
    units = UnitIndex(corpus)
    parse_cat = CategoryParser(schema)
    rows: dict[str, DoccanoRow] = {}
    per_unit: dict[str, UnitVotes] = {}
    problems: list[Problem] = []
    issues: list[str] = []
    for user, path in sorted(snapshot.annotators.items()):
        checked = check_annotator_file(path, schema, units)
        problems += checked.problems
        for row in checked.rows:
            unit_id = row.meta.get("unit_id")
            if not isinstance(unit_id, str) or not unit_id:
                continue  # a "unit" problem: listed above, and fatal to a build
            found = row_votes(row, unit_id, parse_cat, default_user=user)
            issues += found.issues
            rows.setdefault(unit_id, row)
            unit = per_unit.setdefault(unit_id, UnitVotes(unit_id=unit_id, annotators=[]))
            if user in unit.annotators:
                continue  # a second line for the unit: a "structure" problem, listed above
            unit.annotators.append(user)
            # An annotator file holds one user's work: any per-span user field inside it is that user too.
            unit.spans[user] = set().union(*found.votes.spans.values())
            unit.stances[user] = {t: lab for labels in found.votes.stances.values() for t, lab in labels.items()}
    return SnapshotData(
        Path(snapshot_dir), sorted(snapshot.annotators), rows, [per_unit[k] for k in sorted(per_unit)], problems, issues
    )


class SnapshotInput:
    """Gold from a snapshot: read, checked, adjudicated and (with 2+ annotators) measured when opened."""

    kind = "snapshot"

    def __init__(
        self, data: SnapshotData, schema: Schema, schema_text: str, corpus: Corpus, decisions_file: Path
    ) -> None:
        self._data = data
        self._propositions = {t.id: t.proposition for t in schema.targets}
        gold, adjudication = adjudicate(data.votes, load_decisions(decisions_file))
        self._gold: dict[str, UnitGold] = {g.unit_id: g for g in gold}
        self.entity_labels: list[str] | None = list(schema.entity_names)
        self.stance_labels: list[str] | None = list(schema.stance_labels)
        self.schema_text = schema_text
        self.inputs = [data.path / "annotators", corpus.manifest_path]
        if decisions_file.is_file():
            self.inputs.append(decisions_file)
        # Names, not absolute paths: these settings feed the fingerprint, which must not depend on the checkout's
        # place.
        self.settings: dict[str, Any] = {"snapshot": data.path.name, "adjudication": decisions_file.name}
        self._summary = InputSummary(
            read_issues=list(data.issues),
            info={"snapshot": str(data.path), "annotators": data.annotators, "adjudication": adjudication.build_info()},
            files={
                "adjudication.json": adjudication.as_dict(),
                "provenance.jsonl": [p for g in gold for p in g.provenance],
            },
        )
        if len(data.annotators) >= 2:
            self._add_agreement(schema)

    def _add_agreement(self, schema: Schema) -> None:
        """Agreement between the annotators: a summary in build_info and the card, the full result as files."""
        from geostance.dataset.agreement import (
            agreement_heatmap_png,
            agreement_markdown,
            agreement_summary_markdown,
            compute_agreement,
        )

        data = self._data
        result = compute_agreement(
            data.votes, data.annotators, schema.target_ids, schema.stance_labels, schema.entity_names
        )
        self._summary.info["agreement"] = {
            "summary_markdown": agreement_summary_markdown(result),
            "stance": {
                t: {k: v for k, v in e.items() if k != "pairwise_cohen_kappa"} for t, e in result["stance"].items()
            },
        }
        self._summary.files.update(
            {
                "agreement.json": result,
                "agreement.md": agreement_markdown(result),
                "agreement.png": agreement_heatmap_png(result),
            }
        )

    @classmethod
    def open(
        cls,
        snapshot: Path | None = None,
        corpus: Path | None = None,
        schema: Path | None = None,
        adjudication: Path | None = None,
    ) -> SnapshotInput:
        """The latest snapshot under annotations/doccano/ and the project's corpus, schema and adjudication file,
        unless given."""
        snapshot_dir = Path(snapshot or find_latest_snapshot(doccano_snapshots_dir()))
        schema_file = Path(schema or schema_path())
        loaded = load_schema(schema_file)
        store = Corpus(corpus or corpus_dir())
        data = read_snapshot(snapshot_dir, store, loaded)
        data.refuse_problems()
        return cls(
            data,
            loaded,
            schema_file.read_text(encoding="utf-8"),
            store,
            Path(adjudication or annotations_dir() / "adjudication.jsonl"),
        )

    def records(self) -> Iterator[NerRecord | StanceRecord]:
        """Per unit (sorted by id): its NER record, then a stance record per gold target."""
        for unit_id, row in sorted(self._data.rows.items()):
            gold = self._gold[unit_id]
            article_id = str(row.meta["article_id"])
            yield NerRecord(unit_id, article_id, unit_id, row.text, [RawSpan(*s) for s in gold.spans], row.origin)
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
                )

    def summary(self) -> InputSummary:
        return self._summary  # everything was read when the input was opened
