"""The dataset stage's other commands as plain functions: validate a snapshot, measure agreement, count a
snapshot's labels, write the corpus card from a build."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError
from geostance.paths import annotations_dir, corpus_dir, dataset_dir, doccano_snapshots_dir, schema_path


@dataclass
class SnapshotChoice:
    """Which snapshot, corpus and schema a command reads (None: the project's latest snapshot, corpus, schema)."""

    snapshot: Path | None = None
    corpus: Path | None = None
    schema: Path | None = None


def run_validate(choice: SnapshotChoice) -> tuple[Path, list[Any]]:
    """(snapshot used, problems) for `geostance dataset validate`."""
    from geostance.corpus.store import Corpus
    from geostance.dataset.readers.snapshot import find_latest_snapshot
    from geostance.dataset.validate import validate_snapshot
    from geostance.schema import load_schema

    snapshot = Path(choice.snapshot or find_latest_snapshot(doccano_snapshots_dir()))
    corpus = Corpus(choice.corpus or corpus_dir())
    return snapshot, validate_snapshot(snapshot, corpus, load_schema(choice.schema or schema_path()))


@dataclass
class AgreementResult:
    snapshot: Path
    result: dict
    written: list[Path]


def run_agreement(choice: SnapshotChoice, out: Path | None) -> AgreementResult:
    """Agreement of a snapshot's annotators: agreement.json, agreement.md and agreement.png in `out`."""
    from geostance.corpus.store import Corpus
    from geostance.dataset.agreement import agreement_heatmap_png, agreement_markdown, compute_agreement
    from geostance.dataset.inputs.snapshot import read_snapshot
    from geostance.dataset.readers.snapshot import find_latest_snapshot
    from geostance.fileio import atomic_write_bytes, atomic_write_json, atomic_write_text
    from geostance.schema import load_schema

    schema = load_schema(choice.schema or schema_path())
    snapshot = Path(choice.snapshot or find_latest_snapshot(doccano_snapshots_dir()))
    data = read_snapshot(snapshot, Corpus(choice.corpus or corpus_dir()), schema)
    data.refuse_problems()
    if len(data.annotators) < 2:
        raise GeostanceError(f"{snapshot}: agreement needs two or more annotators, found {data.annotators}")
    result = compute_agreement(
        data.votes, data.annotators, schema.target_ids, schema.stance_labels, schema.entity_names
    )
    out = Path(out or dataset_dir().parent / "agreement")
    paths = [out / "agreement.json", out / "agreement.md", out / "agreement.png"]
    atomic_write_json(paths[0], result)
    atomic_write_text(paths[1], agreement_markdown(result))
    atomic_write_bytes(paths[2], agreement_heatmap_png(result))
    return AgreementResult(snapshot, result, paths)


def snapshot_counts(snapshot: Path | None = None) -> dict[str, Any] | None:
    """Counts per label over every annotator file of a snapshot (default: the latest; None when there is none):
    each annotator's spans and stances count, before adjudication."""
    from geostance.dataset.readers.doccano import read_doccano
    from geostance.dataset.readers.snapshot import find_latest_snapshot, open_snapshot

    try:
        opened = open_snapshot(snapshot or find_latest_snapshot(doccano_snapshots_dir()))
    except GeostanceError:
        if snapshot is not None:
            raise
        return None
    entities: Counter = Counter()
    stances: dict[str, Counter] = {}
    units: set[str] = set()
    for _user, path in sorted(opened.annotators.items()):
        for row in read_doccano(path):
            units.add(str(row.meta.get("unit_id") or row.origin))
            entities.update(label for *_, label, _u in row.spans)
            for cat, _u in row.cats:
                target, _sep, label = cat.rpartition(":")
                stances.setdefault(target, Counter())[label] += 1
    return {
        "snapshot": opened.name,
        "annotators": sorted(opened.annotators),
        "units": len(units),
        "entities": dict(sorted(entities.items())),
        "stance": {t: dict(sorted(c.items())) for t, c in sorted(stances.items())},
    }


@dataclass
class CardRequest:
    dataset: Path | None = None
    corpus: Path | None = None
    schema: Path | None = None
    template: Path | None = None
    out: Path | None = None


def render_corpus_card_from_build(req: CardRequest) -> str:
    """The corpus card's text, from the built dataset (counts per split), the corpus and the schema."""
    import datasets

    from geostance.corpus.stats import corpus_stats
    from geostance.corpus.store import Corpus
    from geostance.dataset.corpus_card import render_corpus_card
    from geostance.schema import load_schema

    data_dir = Path(req.dataset or dataset_dir())
    info_path = data_dir / "build_info.json"
    if not info_path.is_file():
        raise GeostanceError(f"{info_path}: no built dataset; run `make dataset` first")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    stance = datasets.load_from_disk(str(data_dir / "stance"))
    names = stance[next(iter(stance))].features["label"].names
    by_split: dict[str, dict[str, dict[str, int]]] = {}
    for split, ds in stance.items():
        for target, label in zip(ds["target"], ds["label"], strict=True):
            counts = by_split.setdefault(split, {}).setdefault(target, {})
            counts[names[label]] = counts.get(names[label], 0) + 1
    template = Path(req.template or annotations_dir() / "CARD.template.md").read_text(encoding="utf-8")
    stats = corpus_stats(Corpus(req.corpus or corpus_dir()).articles()).as_dict()
    agreement_path = data_dir / "agreement.json"
    agreement = json.loads(agreement_path.read_text(encoding="utf-8")) if agreement_path.is_file() else None
    return render_corpus_card(
        template,
        schema=load_schema(req.schema or schema_path()),
        stats=stats,
        build_info=info,
        stance_by_split=by_split,
        agreement=agreement,
        mentions=_mentions_by_split(data_dir),
    )


def _mentions_by_split(data_dir: Path) -> dict[str, list[str]]:
    """The text of every gold entity mention, per split of the built NER dataset."""
    import datasets

    out: dict[str, list[str]] = {}
    for split, rows in datasets.load_from_disk(str(data_dir / "ner")).items():
        out[split] = [
            text[s:e]
            for text, spans in zip(rows["text"], rows["spans"], strict=True)
            for s, e in zip(spans["start"], spans["end"], strict=True)
        ]
    return out


def run_corpus_card(req: CardRequest) -> Path:
    from geostance.fileio import atomic_write_text

    out = Path(req.out or annotations_dir() / "README.md")
    atomic_write_text(out, render_corpus_card_from_build(req))
    return out
