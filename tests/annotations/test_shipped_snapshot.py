"""Quality gates on the annotation files shipped under annotations/doccano/ (the corpus issue's acceptance test)."""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from geostance.corpus.store import Corpus
from geostance.dataset.readers.snapshot import find_latest_snapshot
from geostance.dataset.validate import validate_snapshot
from geostance.schema import load_schema

MIN_ARTICLES = 150
MIN_WORDS = 90_000
MIN_ENTITY_MENTIONS = 100
MIN_STANCE_UNITS = 60
MIN_FAVOR_AGAINST_SHARE = 0.15
MIN_DOUBLE_ANNOTATED_SHARE = 0.30


@pytest.fixture(scope="module")
def shipped(repo_root: Path):
    snapshot = find_latest_snapshot(repo_root / "annotations" / "doccano")
    return snapshot, Corpus(repo_root / "corpus"), load_schema(repo_root / "annotations" / "schema.yaml")


def _rows(snapshot: Path):
    for path in sorted((snapshot / "annotators").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            yield json.loads(line)


def test_shipped_snapshot_passes_every_gate(shipped):
    snapshot, corpus, schema = shipped
    assert validate_snapshot(snapshot, corpus, schema) == []


def test_every_unit_of_the_corpus_is_in_the_snapshot(shipped):
    snapshot, corpus, _ = shipped
    from geostance.corpus.units import split_units

    expected = {u.unit_id for a in corpus.articles() for u in split_units(a)}
    assert {r["unit_id"] for r in _rows(snapshot)} == expected


def _one_row_per_unit(snapshot: Path) -> list[dict]:
    """Each unit once (the first annotator file holding it), so double annotation does not count twice."""
    first: dict[str, dict] = {}
    for r in _rows(snapshot):
        first.setdefault(r["unit_id"], r)
    return list(first.values())


def test_the_corpus_is_large_enough(shipped):
    _, corpus, _ = shipped
    articles = corpus.articles()
    assert len(articles) >= MIN_ARTICLES
    assert sum(len(a.text.split()) for a in articles) >= MIN_WORDS


def _double_annotated_share(snapshot: Path) -> float:
    annotators_per_unit = Counter(r["unit_id"] for r in _rows(snapshot))
    return sum(n >= 2 for n in annotators_per_unit.values()) / len(annotators_per_unit)


def test_enough_units_are_double_annotated(shipped, tmp_path):
    snapshot, _, _ = shipped
    assert _double_annotated_share(snapshot) >= MIN_DOUBLE_ANNOTATED_SHARE
    single = tmp_path / snapshot.name
    shutil.copytree(snapshot, single)
    for extra in sorted((single / "annotators").glob("*.jsonl"))[1:]:
        extra.unlink()
    assert _double_annotated_share(single) == 0.0  # the gate fails on a copy with one annotator


def test_label_counts_meet_the_minimums(shipped):
    snapshot, _, schema = shipped
    rows = _one_row_per_unit(snapshot)
    entities = Counter(label for r in rows for *_, label in r["entities"])
    stance: dict[str, Counter] = defaultdict(Counter)
    both_in_one_article: dict[str, set] = defaultdict(set)
    per_article: dict[tuple[str, str], set] = defaultdict(set)
    for r in rows:
        for cat in r["cats"]:
            target, label = schema.parse_category(cat)
            stance[target][label] += 1
            per_article[(target, r["article_id"])].add(label)
    for (target, article), labels in per_article.items():
        if {"FAVOR", "AGAINST"} <= labels:
            both_in_one_article[target].add(article)
    for label in schema.entity_names:
        assert entities[label] >= MIN_ENTITY_MENTIONS, (label, entities[label])
    for target in schema.target_ids:
        total = sum(stance[target].values())
        for label in schema.stance_labels:
            assert stance[target][label] >= MIN_STANCE_UNITS, (target, label, stance[target][label])
        for label in ("FAVOR", "AGAINST"):
            assert stance[target][label] / total >= MIN_FAVOR_AGAINST_SHARE, (target, label)
        assert both_in_one_article[target], f"{target}: FAVOR and AGAINST never meet in one article"


def _break(snapshot: Path, tmp_path: Path, edit) -> Path:
    broken = tmp_path / snapshot.name
    shutil.copytree(snapshot, broken)
    path = next((broken / "annotators").glob("*.jsonl"))
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    edit(rows)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return broken


def _first_with(rows, key):
    return next(r for r in rows if r[key])


def _widen_span(rows):
    r = _first_with(rows, "entities")
    s, e, label = r["entities"][0]
    r["entities"][0] = [s, e + 1, label] if r["text"][e : e + 1] == " " else [max(s - 1, 0), e, label]


def _overlap(rows):
    r = _first_with(rows, "entities")
    s, e, label = r["entities"][0]
    r["entities"].append([s, e, "ORG" if label != "ORG" else "GPE"])


def _two_stances(rows):
    r = _first_with(rows, "cats")
    target = r["cats"][0].split(":")[0]
    r["cats"] = [f"{target}:FAVOR", f"{target}:AGAINST"]


def _unknown_label(rows):
    _first_with(rows, "entities")["entities"][0][2] = "WEAPON"


def _outside_unit(rows):
    r = _first_with(rows, "entities")
    r["entities"].append([len(r["text"]) - 1, len(r["text"]) + 4, "GPE"])


def _text_changed(rows):
    rows[3]["text"] = rows[3]["text"].replace(" ", "  ", 1)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_widen_span, "whitespace"),
        (_overlap, "overlap"),
        (_two_stances, "stance"),
        (_unknown_label, "WEAPON"),
        (_outside_unit, "outside"),
        (_text_changed, "text"),
    ],
)
def test_gate_fails_on_a_deliberately_broken_copy(shipped, tmp_path, edit, expected):
    snapshot, corpus, schema = shipped
    problems = validate_snapshot(_break(snapshot, tmp_path, edit), corpus, schema)
    assert problems, f"{edit.__name__} was not detected"
    assert any(expected.lower() in str(p).lower() for p in problems), [str(p) for p in problems]
