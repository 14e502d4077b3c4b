"""Small corpora and snapshots in the fixed layout, written by the tests themselves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geostance.corpus.model import Article
from geostance.corpus.store import Corpus, manifest_entry, render_article
from geostance.corpus.units import split_units
from geostance.fileio import atomic_write_text

ARTICLES = {
    "seoul-talks": "Kim Jong Un met Vladimir Putin in Pyongyang 🙂.\n\nSanctions on Russia failed, NATO said.",
    "tokyo-summit": "Japan and South Korea met in Tokyo.\n\nThe United States welcomed the trilateral deal.",
}


def make_corpus(root: Path, articles: dict[str, str] = ARTICLES) -> Corpus:
    corpus = Corpus(root)
    entries = {}
    for article_id, text in articles.items():
        article = Article(id=article_id, title=article_id.replace("-", " ").title(), text=text, synthetic=True)
        atomic_write_text(corpus.article_path(article_id), render_article(article))
        entries[article_id] = manifest_entry(article, corpus)
    corpus.write_manifest(entries)
    return corpus


def units_of(corpus: Corpus):
    return {u.unit_id: u for a in corpus.articles() for u in split_units(a)}


def span(unit_text: str, surface: str, label: str, nth: int = 0) -> list:
    start = -1
    for _ in range(nth + 1):
        start = unit_text.index(surface, start + 1)
    return [start, start + len(surface), label]


def write_snapshot(
    root: Path, corpus: Corpus, annotations: dict[str, dict[str, dict]], name: str = "20261127T093000Z"
) -> Path:
    """annotations: user → unit_id → {"entities": [...], "cats": [...]} (units not listed are not written)."""
    snap = root / name
    units = units_of(corpus)
    for user, per_unit in annotations.items():
        lines = []
        for k, (unit_id, ann) in enumerate(sorted(per_unit.items())):
            unit = units[unit_id]
            row = {
                "id": k + 1,
                "text": ann.get("text", unit.text),
                "entities": ann.get("entities", []),
                "cats": ann.get("cats", []),
                "article_id": unit.article_id,
                "unit_id": unit_id,
                "text_sha256": ann.get("text_sha256", unit.sha256),
                "Comments": [],
            }
            lines.append(json.dumps(row, ensure_ascii=False))
        path = snap / "annotators" / f"{user}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (snap / "export").mkdir(exist_ok=True)
    (snap / "snapshot.json").write_text(json.dumps({"annotators": sorted(annotations)}))
    return snap


@pytest.fixture
def corpus(tmp_path) -> Corpus:
    return make_corpus(tmp_path / "corpus")


@pytest.fixture
def schema_file(repo_root) -> Path:
    return repo_root / "annotations" / "schema.yaml"
