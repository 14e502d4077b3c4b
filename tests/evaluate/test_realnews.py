from collections import Counter

import pytest
import spacy

from geostance.evaluate.realnews import (
    CONLL_LABEL_MAP,
    conll_documents,
    evaluate_realnews,
    join_sentences,
    map_spans,
    score_on_documents,
)

CONLL = """-DOCSTART- -X- -X- O

SOCCER NN I-NP O
- : O O
Ajax NNP I-NP I-ORG
beat VBD I-VP O
Leeds NNP I-NP I-ORG
. . O O

Peter NNP I-NP I-PER
Smith NNP I-NP I-PER
scored VBD I-VP O
in IN I-PP O
London NNP I-NP I-LOC
on IN I-PP O
Monday NNP I-NP O
. . O O

-DOCSTART- -X- -X- O

German JJ I-NP I-MISC
officials NNS I-NP O
met VBD I-VP O
in IN I-PP O
Paris NNP I-NP I-LOC
. . O O
"""


@pytest.fixture()
def testb(tmp_path):
    folder = tmp_path / "data" / "conll2003"
    folder.mkdir(parents=True)
    (folder / "eng.testb").write_text(CONLL, encoding="utf-8")
    return tmp_path / "data"


def ruler(patterns):
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": label, "pattern": text} for text, label in patterns])
    return nlp


def test_documents_join_sentences_and_keep_gold_spans_on_the_text(testb):
    gold = conll_documents(testb / "conll2003" / "eng.testb")
    assert len(gold.ids) == 2
    assert gold.texts[0] == "SOCCER - Ajax beat Leeds . Peter Smith scored in London on Monday ."
    assert [(gold.texts[0][s:e], lab) for s, e, lab in gold.spans[0]] == [
        ("Ajax", "ORG"),
        ("Leeds", "ORG"),
        ("Peter Smith", "PER"),
        ("London", "LOC"),
    ]
    assert [(gold.texts[1][s:e], lab) for s, e, lab in gold.spans[1]] == [("German", "MISC"), ("Paris", "LOC")]


def test_join_sentences_keeps_first_seen_article_order_and_shifts_spans():
    joined = join_sentences(
        [
            ("b", "Kim met Putin", [(0, 3, "PER"), (8, 13, "PER")]),
            ("a", "Seoul", []),
            ("b", "in Pyongyang", [(3, 12, "LOC")]),
        ]
    )
    assert joined.ids == ["b", "a"]
    assert joined.texts == ["Kim met Putin in Pyongyang", "Seoul"]
    assert [joined.texts[0][s:e] for s, e, _ in joined.spans[0]] == ["Kim", "Putin", "Pyongyang"]
    assert joined.spans[1] == [] and joined.words == 6


def test_labels_are_mapped_once_and_unmapped_ones_counted():
    dropped: Counter[str] = Counter()
    spans = map_spans(
        [(0, 4, "GPE"), (5, 9, "FAC"), (10, 14, "NORP"), (15, 19, "DATE"), (20, 24, "PERSON")], CONLL_LABEL_MAP, dropped
    )
    assert [label for *_, label in spans] == ["LOC", "LOC", "MISC", "PER"]
    assert dropped == Counter({"DATE": 1})


def test_a_pipeline_is_scored_on_mapped_exact_spans(testb):
    # 4 of the 6 gold entities right (London GPE->LOC, Peter Smith, Ajax, German NORP->MISC); Leeds as GPE is
    # a wrong label; Paris missed; Monday (DATE) has no CoNLL label and is counted, not scored
    nlp = ruler(
        [
            ("London", "GPE"),
            ("Peter Smith", "PERSON"),
            ("Ajax", "ORG"),
            ("German", "NORP"),
            ("Leeds", "GPE"),
            ("Monday", "DATE"),
        ]
    )
    scores = evaluate_realnews(nlp, testb, resamples=20)
    assert scores["documents"] == 2 and scores["n_gold"] == 6 and scores["n_pred"] == 5
    assert scores["precision"] == pytest.approx(4 / 5) and scores["recall"] == pytest.approx(4 / 6)
    assert scores["per_label"]["LOC"]["recall"] == pytest.approx(1 / 2)
    assert scores["unmapped_predictions"] == {"DATE": 1}


def test_without_a_map_labels_are_compared_as_they_are(testb):
    gold = conll_documents(testb / "conll2003" / "eng.testb")
    nlp = ruler([("London", "LOC"), ("Paris", "LOC")])
    assert score_on_documents(nlp, gold, None, resamples=5)["per_label"]["LOC"]["f1"] == pytest.approx(1.0)
