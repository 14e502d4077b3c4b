"""Build sources for Doccano input: export files of any shape (`--from doccano`) and pulled snapshots (default).

Multi-annotator input is merged into gold by `adjudicate` (majority vote, ties listed, decisions override);
a snapshot also gets its agreement measured. Stance categories are `<target>:<label>` (schema labels) or, with
`--labels data`, any category (`target:label`, or a bare label with an empty target).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geostance.dataset.adjudicate import (AdjudicationSummary, UnitVotes, adjudicate, adjudicate_unit,
                                         decided_units, load_decisions)
from geostance.dataset.build import Source
from geostance.dataset.features import STANCE_LABELS
from geostance.dataset.readers.doccano import DoccanoRow, read_doccano, read_label_config
from geostance.dataset.records import NerRecord, RawSpan, StanceRecord
from geostance.errors import GeostanceError
from geostance.schema import Schema, load_schema

if TYPE_CHECKING:
    from geostance.dataset.service import BuildRequest

DEFAULT_ANNOTATOR = "export"


@dataclass
class CategoryParser:
    """Category name → (target, label), or a message saying why it is rejected."""

    schema: Schema | None              # None: labels from the data

    def __call__(self, cat: str) -> tuple[str, str] | str:
        if self.schema is not None:
            try:
                return self.schema.parse_category(cat)
            except ValueError as exc:
                return str(exc)
        target, sep, label = cat.rpartition(":")
        return (target, label) if sep and label else ("", cat)


@dataclass
class RowVotes:
    """One row's annotations split by annotator (Doccano 1.x puts every user's labels in one row)."""

    votes: UnitVotes
    issues: list[str] = field(default_factory=list)


def row_votes(row: DoccanoRow, unit_id: str, parse_cat: CategoryParser, default_user: str = DEFAULT_ANNOTATOR
              ) -> RowVotes:
    users = sorted({u or default_user for *_, u in row.spans} | {u or default_user for _, u in row.cats})
    votes = UnitVotes(unit_id=unit_id, annotators=users or [default_user])
    issues: list[str] = []
    for start, end, label, user in row.spans:
        votes.spans.setdefault(user or default_user, set()).add((start, end, label))
    for cat, user in row.cats:
        who = user or default_user
        parsed = parse_cat(cat)
        if isinstance(parsed, str):
            issues.append(f"{row.origin}: category {cat!r} dropped: {parsed}")
            continue
        target, label = parsed
        mine = votes.stances.setdefault(who, {})
        if target in mine and mine[target] != label:
            issues.append(f"{row.origin}: {who} gave target {target!r} two labels ({mine[target]}, {label}); "
                          "both dropped")
            mine[target] = None  # type: ignore[assignment]
            continue
        mine[target] = label
    for who, mine in votes.stances.items():
        votes.stances[who] = {t: lab for t, lab in mine.items() if lab is not None}
    return RowVotes(votes, issues)


def _single_annotator_stances(row: DoccanoRow, parse_cat: CategoryParser, issues: list[str]) -> dict[str, str]:
    stances: dict[str, str | None] = {}
    for cat, _ in row.cats:
        parsed = parse_cat(cat)
        if isinstance(parsed, str):
            issues.append(f"{row.origin}: category {cat!r} dropped: {parsed}")
            continue
        target, label = parsed
        if target in stances and stances[target] != label:
            issues.append(f"{row.origin}: target {target!r} has two labels ({stances[target]}, {label}); both dropped")
            stances[target] = None
            continue
        stances[target] = label
    return {t: lab for t, lab in stances.items() if lab is not None}


def _records(row: DoccanoRow, unit_id: str, article_id: str, spans, stances: dict[str, str],
             propositions: dict[str, str]) -> tuple[NerRecord, list[StanceRecord]]:
    ner = NerRecord(id=unit_id, article_id=article_id, unit_id=unit_id, text=row.text,
                    spans=[RawSpan(s, e, lab) for s, e, lab in spans], origin=row.origin, tokens=row.tokens)
    stance = [StanceRecord(id=f"{unit_id}:{t}" if t else unit_id, article_id=article_id, unit_id=unit_id,
                           text=row.text, target=t, proposition=propositions.get(t, ""), label=lab,
                           origin=row.origin) for t, lab in sorted(stances.items())]
    return ner, stance


def _schema_or_none(req: "BuildRequest", schema_file: Path, default: str) -> Schema | None:
    mode = req.labels or default
    return load_schema(schema_file) if mode == "schema" else None


def doccano_source(files, req: "BuildRequest", schema_file: Path) -> tuple[Source, dict[str, Any]]:
    """`--from doccano FILE...`: rows stream through; each row's annotators are merged by majority vote."""
    items = files.items()
    label_config = read_label_config(req.label_config) if req.label_config else None
    schema = _schema_or_none(req, schema_file, "schema")
    parse_cat = CategoryParser(schema)
    settings = {"labels": req.labels or "schema", "label_config": Path(req.label_config).name if req.label_config else "",
                "text_col": req.text_col, "label_col": req.label_col, "encoding": req.encoding}

    def rows() -> Iterator[tuple[DoccanoRow, str | None]]:
        for path, split in items:
            for row in read_doccano(path, label_config, req.encoding, req.text_col, req.label_col):
                yield row, split

    if schema is not None:
        entity_labels = list(schema.entity_names)
        stance_labels = list(schema.stance_labels)
        propositions = {t.id: t.proposition for t in schema.targets}
        has_ner = has_stance = True
    else:   # label names from the data: one cheap pass first
        ents: set[str] = set()
        cats: set[str] = set()
        has_ner = has_stance = False
        for row, _ in rows():
            ents.update(lab for _, _, lab, _ in row.spans)
            for cat, _ in row.cats:
                parsed = parse_cat(cat)
                if not isinstance(parsed, str):
                    cats.add(parsed[1])
            has_ner = has_ner or row.shape in ("intent", "relation", "sequence", "conll", "legacy") or bool(row.spans)
            has_stance = has_stance or bool(row.cats) or row.shape in ("classification", "fasttext")
        entity_labels = sorted(ents)
        stance_labels = list(STANCE_LABELS) if cats <= set(STANCE_LABELS) else sorted(cats)
        propositions = {}
    source = Source(kind="doccano", inputs=[p for p, _ in items],
                    entity_labels=entity_labels if has_ner else None,
                    stance_labels=stance_labels if has_stance else None)
    summary = AdjudicationSummary()
    provenance: list[dict[str, Any]] = []
    used: set = set()
    decisions = load_decisions(req.adjudication)
    decided = decided_units(decisions)

    def merged() -> Iterator[NerRecord | StanceRecord]:
        for row, split in rows():
            unit_id = str(row.meta.get("unit_id") or row.id or row.origin)
            article_id = str(row.meta.get("article_id") or unit_id)
            if unit_id not in decided and all(u is None for *_, u in row.spans) \
                    and all(u is None for _, u in row.cats):
                # one annotator, no decision: the row is the gold (what adjudicate_unit would return, faster)
                stances = _single_annotator_stances(row, parse_cat, source.read_issues)
                summary.units += 1
                summary.counts["span: single annotator"] += len(row.spans)
                summary.counts["stance: single annotator"] += len(stances)
                if has_ner:
                    yield NerRecord(unit_id, article_id, unit_id, row.text,
                                    [RawSpan(s, e, lab) for s, e, lab, _ in row.spans], row.origin,
                                    row.tokens, split)
                if has_stance:
                    for t, lab in sorted(stances.items()):
                        yield StanceRecord(f"{unit_id}:{t}" if t else unit_id, article_id, unit_id, row.text, t,
                                           propositions.get(t, ""), lab, row.origin, split)
                continue
            rv = row_votes(row, unit_id, parse_cat)
            source.read_issues.extend(rv.issues)
            gold = adjudicate_unit(rv.votes, decisions, summary, used, decided)
            if len(rv.votes.annotators) > 1:
                provenance.extend(gold.provenance)
            ner, stances = _records(row, unit_id, article_id, gold.spans, gold.stances, propositions)
            if has_ner:
                ner.split = split
                yield ner
            if has_stance:
                for s in stances:
                    s.split = split
                    yield s

    source.records = merged
    source.extra_files["provenance.jsonl"] = provenance   # filled while the build streams
    source.extra["adjudication"] = _LazySummary(summary)
    return source, settings


class _LazySummary(dict):
    """A summary dict whose content is read when the build writes build_info (after streaming)."""

    def __init__(self, summary: AdjudicationSummary) -> None:
        super().__init__()
        self._summary = summary

    def materialise(self) -> dict[str, Any]:
        d = self._summary.as_dict()
        return {"rules": d["rules"], "ties": len(d["ties"]), "unused_decisions": d["unused_decisions"],
                "summary_markdown": self._summary.markdown()}


@dataclass
class SnapshotVotes:
    """Everything read from a snapshot's annotator files, keyed by unit."""

    annotators: list[str]
    rows: dict[str, DoccanoRow]                     # unit_id → a row (text, article_id, ...)
    votes: list[UnitVotes]
    issues: list[str]


def read_snapshot_votes(snapshot_dir: Path, schema: Schema) -> SnapshotVotes:
    from geostance.dataset.readers.snapshot import open_snapshot

    snapshot = open_snapshot(snapshot_dir)
    parse_cat = CategoryParser(schema)
    rows: dict[str, DoccanoRow] = {}
    per_unit: dict[str, UnitVotes] = {}
    issues: list[str] = []
    for user, path in sorted(snapshot.annotators.items()):
        for row in read_doccano(path):
            unit_id = row.meta.get("unit_id")
            if not isinstance(unit_id, str) or not unit_id:
                raise GeostanceError(f"{row.origin}: missing 'unit_id'")
            rv = row_votes(row, unit_id, parse_cat, default_user=user)
            issues.extend(rv.issues)
            rows.setdefault(unit_id, row)
            unit = per_unit.setdefault(unit_id, UnitVotes(unit_id=unit_id, annotators=[]))
            if user in unit.annotators:
                raise GeostanceError(f"{row.origin}: unit {unit_id} appears twice for {user}")
            unit.annotators.append(user)
            # an annotator file holds one user's work: ignore any per-span user field inside it
            unit.spans[user] = set().union(*rv.votes.spans.values()) if rv.votes.spans else set()
            merged: dict[str, str] = {}
            for d in rv.votes.stances.values():
                merged.update(d)
            unit.stances[user] = merged
    return SnapshotVotes(sorted(snapshot.annotators), rows, [per_unit[k] for k in sorted(per_unit)], issues)


def snapshot_source(req: "BuildRequest", schema_file: Path) -> tuple[Source, dict[str, Any]]:
    """The default build: the latest snapshot, validated against the corpus, adjudicated into gold."""
    from geostance.corpus.store import Corpus
    from geostance.dataset.agreement import (agreement_heatmap_png, agreement_markdown,
                                             agreement_summary_markdown, compute_agreement)
    from geostance.dataset.readers.snapshot import find_latest_snapshot
    from geostance.dataset.validate import validate_snapshot
    from geostance.paths import annotations_dir, corpus_dir, doccano_snapshots_dir

    snapshot_dir = req.snapshot or find_latest_snapshot(doccano_snapshots_dir())
    schema = load_schema(schema_file)
    corpus = Corpus(req.corpus or corpus_dir())
    problems = validate_snapshot(snapshot_dir, corpus, schema)
    fatal = [p for p in problems if p.kind in ("structure", "unit")]
    if fatal:
        shown = "; ".join(str(p) for p in fatal[:5])
        raise GeostanceError(f"snapshot {snapshot_dir} fails validation ({len(fatal)} problem(s), see "
                             f"`geostance dataset validate`): {shown}")
    data = read_snapshot_votes(snapshot_dir, schema)
    decisions_path = req.adjudication or annotations_dir() / "adjudication.jsonl"
    gold, summary = adjudicate(data.votes, load_decisions(decisions_path))
    propositions = {t.id: t.proposition for t in schema.targets}
    by_unit = {g.unit_id: g for g in gold}

    def ner() -> Iterator[NerRecord]:
        for unit_id, row in sorted(data.rows.items()):
            rec, _ = _records(row, unit_id, str(row.meta["article_id"]), by_unit[unit_id].spans, {}, propositions)
            yield rec

    def stance() -> Iterator[StanceRecord]:
        for unit_id, row in sorted(data.rows.items()):
            _, recs = _records(row, unit_id, str(row.meta["article_id"]), [], by_unit[unit_id].stances,
                               propositions)
            yield from recs

    inputs = [Path(snapshot_dir) / "annotators", corpus.manifest_path]
    if Path(decisions_path).is_file():
        inputs.append(Path(decisions_path))
    source = Source(kind="snapshot", inputs=inputs, entity_labels=list(schema.entity_names),
                    stance_labels=list(schema.stance_labels), ner=ner, stance=stance, propositions=propositions,
                    read_issues=list(data.issues))
    source.extra["snapshot"] = str(snapshot_dir)
    source.extra["annotators"] = data.annotators
    adj = summary.as_dict()
    source.extra["adjudication"] = {"rules": adj["rules"], "ties": len(adj["ties"]),
                                    "unused_decisions": adj["unused_decisions"], "summary_markdown": summary.markdown()}
    source.extra_files["adjudication.json"] = adj
    source.extra_files["provenance.jsonl"] = [p for g in gold for p in g.provenance]
    if len(data.annotators) >= 2:
        result = compute_agreement(data.votes, data.annotators, schema.target_ids, schema.stance_labels,
                                   schema.entity_names)
        source.extra["agreement"] = {"summary_markdown": agreement_summary_markdown(result),
                                     "stance": {t: {k: v for k, v in e.items() if k != "pairwise_cohen_kappa"}
                                                for t, e in result["stance"].items()}}
        source.extra_files["agreement.json"] = result
        source.extra_files["agreement.md"] = agreement_markdown(result)
        source.extra_files["agreement.png"] = agreement_heatmap_png(result)
    # Names, not absolute paths: these settings feed the fingerprint, which must not depend on the checkout's place.
    return source, {"snapshot": Path(snapshot_dir).name, "adjudication": Path(decisions_path).name}
