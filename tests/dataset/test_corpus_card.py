"""The corpus card's counts are generated: the committed annotations/README.md must equal a fresh rendering."""

import pytest

from geostance.dataset.build import BuildOptions, build_dataset
from geostance.dataset.corpus_card import render_corpus_card
from geostance.dataset.inputs.snapshot import SnapshotInput
from geostance.dataset.reports import CardRequest, render_corpus_card_from_build
from geostance.schema import load_schema


def test_committed_card_matches_a_fresh_build(repo_root, tmp_path, monkeypatch):
    monkeypatch.chdir(repo_root)
    out = tmp_path / "dataset"
    build_dataset(SnapshotInput.open(), out, BuildOptions(progress=False))
    fresh = render_corpus_card_from_build(CardRequest(dataset=out))
    committed = (repo_root / "annotations" / "README.md").read_text(encoding="utf-8")
    assert fresh == committed, "annotations/README.md is stale: run `make dataset && geostance dataset card`"
    assert "Agreement" in committed and 'κ with "no label"' in committed


def test_unknown_slot_is_an_error(repo_root):
    schema = load_schema(repo_root / "annotations" / "schema.yaml")
    info = {
        "label_distribution": {"ner": {}},
        "counts": {"ner": {"train": 1}, "stance": {"train": 1}},
        "alignment": {"spans_in": 0, "spans_exact": 0, "spans_adjusted": 0, "spans_dropped": 0, "policy": "x"},
        "snapshot": "s",
        "annotators": ["a"],
        "split_ratios": {"train": 1.0},
        "fingerprint": "f" * 16,
    }
    stats = {"units": 1, "articles": 1, "synthetic": 0, "words": 1, "genres": {}}
    card = render_corpus_card("{{articles}} articles", schema=schema, stats=stats, build_info=info, stance_by_split={})
    assert card == "1 articles"
    with pytest.raises(ValueError, match="unknown slot '{{nope}}'"):
        render_corpus_card("{{nope}}", schema=schema, stats=stats, build_info=info, stance_by_split={})


def test_unseen_mentions_counts_mentions_and_distinct_names_never_seen_in_train():
    from geostance.dataset.corpus_card import unseen_mentions

    test = ["Russia", "Russia", "Lavrov", "Kim", "Rason"]
    got = unseen_mentions({"train": ["Russia", "Kim"], "dev": [], "test": test})
    assert got["test"] == {"mentions": 5, "unseen": 2, "names": 4, "unseen_names": 2}
    assert got["dev"] == {"mentions": 0, "unseen": 0, "names": 0, "unseen_names": 0}
