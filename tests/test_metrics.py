"""geostance.metrics: hand-checkable cases, and equality with the references it stands for (spaCy's span scorer,
sklearn's class scores, literal resampling of articles, the textbook κ) on random inputs."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geostance import metrics as M

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None)
# rescoring every resample with sklearn is slow; fewer examples still cover ties, empty classes and one cluster
SLOW_PROPERTY = settings(PROPERTY, max_examples=40)
STANCE = ["FAVOR", "AGAINST", "NONE"]


# ---------------------------------------------------------------- prf


@PROPERTY
@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_prf_is_the_textbook_formula_to_the_last_bit(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    assert M.prf(tp, fp, fn) == (p, r, 2 * p * r / (p + r) if p + r else 0.0)


# ---------------------------------------------------------------- entities


def test_span_scores_by_hand():
    gold = [[(0, 5, "PER"), (10, 15, "LOC")], [(0, 3, "ORG")]]
    pred = [[(0, 5, "PER"), (10, 15, "ORG")], [(0, 3, "ORG"), (5, 8, "LOC")]]
    s = M.span_scores(gold, pred, ["a", "b"], resamples=200)
    # tp 2 (PER, ORG), fp 2 (ORG at 10-15, LOC at 5-8), fn 1 (LOC at 10-15)
    assert (s.precision, s.recall) == pytest.approx((2 / 4, 2 / 3))
    assert s.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert s.per_label["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 1}
    assert s.per_label["ORG"]["precision"] == pytest.approx(0.5) and s.per_label["ORG"]["recall"] == 1.0
    assert s.n_gold == 3 and s.n_pred == 4


def test_entity_counts_match_exact_span_and_type_only_once_per_document():
    gold = [[(0, 4, "PER"), (10, 16, "LOC")], [(0, 3, "ORG")]]
    pred = [[(0, 4, "PER"), (0, 4, "PER"), (10, 15, "LOC")], [(0, 3, "MISC")]]
    counts = M.entity_counts(gold, pred)
    assert counts.per_doc.tolist() == [[1, 1, 1], [0, 1, 1]]
    assert (counts.micro.tp, counts.micro.fp, counts.micro.fn) == (1, 2, 2)
    assert list(counts.per_label) == ["LOC", "MISC", "ORG", "PER"]
    assert counts.per_label["PER"].to_dict() == {"p": 1.0, "r": 1.0, "f": 1.0}
    assert counts.per_label["MISC"].tp + counts.per_label["MISC"].fn == 0


def test_entity_counts_need_one_prediction_list_per_document():
    with pytest.raises(ValueError):
        M.entity_counts([[(0, 1, "PER")]], [])


@st.composite
def token_docs(draw):
    """Word count, then gold and predicted entities as non-overlapping (start, end, label) token spans."""
    n_words = draw(st.integers(1, 12))

    def entities():
        wanted = draw(
            st.lists(st.tuples(st.integers(0, n_words - 1), st.integers(1, 3), st.sampled_from("ABC")), max_size=5)
        )
        taken: set[int] = set()
        out = []
        for start, length, label in wanted:
            end = min(n_words, start + length)
            if taken.isdisjoint(range(start, end)):
                taken.update(range(start, end))
                out.append((start, end, label))
        return out

    return n_words, entities(), entities()


@functools.cache
def _vocab():
    import spacy

    return spacy.blank("en").vocab


@PROPERTY
@given(st.lists(token_docs(), min_size=1, max_size=6))
def test_entity_counts_equal_spacys_score_spans(docs):
    from spacy.scorer import Scorer
    from spacy.tokens import Doc, Span
    from spacy.training import Example

    vocab = _vocab()
    examples, gold_chars, pred_chars = [], [], []
    for n_words, gold, pred in docs:
        made = []
        for ents in (gold, pred):
            doc = Doc(vocab, words=[f"w{i}" for i in range(n_words)])
            doc.ents = [Span(doc, start, end, label=label) for start, end, label in ents]
            made.append(doc)
        examples.append(Example(made[1], made[0]))
        gold_chars.append([(e.start_char, e.end_char, e.label_) for e in made[0].ents])
        pred_chars.append([(e.start_char, e.end_char, e.label_) for e in made[1].ents])
    reference = Scorer.score_spans(examples, "ents")
    counts = M.entity_counts(gold_chars, pred_chars)
    micro = counts.micro
    if len(micro) == 0:  # spaCy reports no score at all when there is no span anywhere
        assert reference["ents_f"] is None and counts.per_label == {}
        return
    assert (micro.precision, micro.recall, micro.fscore) == (
        reference["ents_p"],
        reference["ents_r"],
        reference["ents_f"],
    )
    assert {label: s.to_dict() for label, s in counts.per_label.items()} == reference["ents_per_type"]


def test_bootstrap_ci_brackets_the_score_and_shrinks_with_more_articles():
    rng = np.random.default_rng(1)

    def run(n_docs):
        gold = [[(0, 1, "X")] for _ in range(n_docs)]
        pred = [[(0, 1, "X")] if rng.random() < 0.7 else [] for _ in range(n_docs)]
        return M.span_scores(gold, pred, [str(i) for i in range(n_docs)], resamples=500)

    small, large = run(20), run(400)
    for s in (small, large):
        assert 0 <= s.f1_ci[0] <= s.f1 <= s.f1_ci[1] <= 1
    assert large.f1_ci[1] - large.f1_ci[0] < small.f1_ci[1] - small.f1_ci[0]


def test_cluster_bootstrap_resamples_whole_articles():
    # two articles: one all right, one all wrong. Resampling articles gives F1 in {0, 0.5-ish, 1}, so the
    # interval spans nearly everything; resampling the 10 docs one by one would give a much narrower one.
    gold = [[(0, 1, "X")]] * 10
    pred = [[(0, 1, "X")]] * 5 + [[]] * 5
    by_article = M.span_scores(gold, pred, ["a"] * 5 + ["b"] * 5, resamples=500)
    by_doc = M.span_scores(gold, pred, [str(i) for i in range(10)], resamples=500)
    assert by_article.f1_ci == [0.0, 1.0]
    assert by_doc.f1_ci[1] - by_doc.f1_ci[0] < 1.0


def _literal_resamples(groups, resamples, seed):
    """Row indices of each bootstrap sample, drawn by copying whole clusters (the same draws as the module's)."""
    clusters = list(dict.fromkeys(groups))
    draws = np.random.default_rng(seed).integers(0, len(clusters), size=(resamples, len(clusters)))
    return [[i for c in draw for i, g in enumerate(groups) if g == clusters[c]] for draw in draws]


spans_of_doc = st.lists(st.tuples(st.integers(0, 4), st.integers(5, 7), st.sampled_from("AB")), max_size=3)


@PROPERTY
@given(
    st.lists(st.tuples(spans_of_doc, spans_of_doc, st.sampled_from("pqrs")), min_size=1, max_size=12),
    st.integers(0, 2**16),
)
def test_span_bootstrap_equals_rescoring_literally_resampled_articles(docs, seed):
    gold, pred, groups = (list(x) for x in zip(*docs, strict=True))
    scores = M.span_scores(gold, pred, groups, resamples=30, seed=seed)
    literal = [
        M.entity_counts([gold[i] for i in rows], [pred[i] for i in rows]).micro
        for rows in _literal_resamples(groups, 30, seed)
    ]
    assert scores.f1_ci == M.percentile_ci(np.array([s.fscore for s in literal]))
    assert scores.precision_ci == M.percentile_ci(np.array([s.precision for s in literal]))
    assert scores.recall_ci == M.percentile_ci(np.array([s.recall for s in literal]))


# ---------------------------------------------------------------- classes (stance)


def test_classification_scores_by_hand():
    gold = ["FAVOR", "FAVOR", "AGAINST", "NONE", "NONE", "AGAINST"]
    pred = ["FAVOR", "AGAINST", "AGAINST", "NONE", "FAVOR", "AGAINST"]
    s = M.classification_scores(gold, pred, STANCE, ["FAVOR", "AGAINST"], list("abcdef"), resamples=200)
    f_favor, f_against, f_none = 0.5, 0.8, 2 / 3
    assert s["per_class"]["FAVOR"]["f1"] == pytest.approx(f_favor)
    assert s["per_class"]["AGAINST"]["f1"] == pytest.approx(f_against)
    assert s["macro_f1"] == pytest.approx((f_favor + f_against + f_none) / 3)
    assert s["f_avg"] == pytest.approx((f_favor + f_against) / 2)
    assert s["accuracy"] == pytest.approx(4 / 6)
    assert s["confusion_matrix"]["matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert s["macro_f1_ci"][0] <= s["macro_f1"] <= s["macro_f1_ci"][1]


def test_f_avg_leaves_none_out():
    gold = ["FAVOR", "AGAINST", "NONE", "AGAINST"]
    pred = ["FAVOR", "NONE", "NONE", "AGAINST"]
    assert M.class_f1(gold, pred, M.SEMEVAL_F_AVG_LABELS) == pytest.approx({"FAVOR": 1.0, "AGAINST": 2 / 3})
    assert M.f_avg(gold, pred) == pytest.approx((1 + 2 / 3) / 2)
    with pytest.raises(ValueError, match="3 gold labels but 4 predictions"):
        M.f_avg(gold[:3], pred)


def test_an_empty_split_scores_zero_instead_of_failing():
    s = M.classification_scores([], [], STANCE, ["FAVOR", "AGAINST"], [], resamples=10)
    assert (s["n"], s["macro_f1"], s["f_avg"], s["macro_f1_ci"]) == (0, 0.0, 0.0, [0.0, 0.0])
    assert s["confusion_matrix"]["matrix"] == [[0, 0, 0]] * 3
    empty = M.span_scores([], [], [], resamples=10)
    assert (empty.f1, empty.f1_ci, empty.n_docs) == (0.0, [0.0, 0.0], 0)


labelled_rows = st.lists(
    st.tuples(st.sampled_from(STANCE), st.sampled_from(STANCE), st.sampled_from("pqrst")), min_size=1, max_size=40
)


@PROPERTY
@given(labelled_rows)
def test_classification_scores_equal_sklearn(rows):
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    gold, pred, groups = (list(x) for x in zip(*rows, strict=True))
    s = M.classification_scores(gold, pred, STANCE, ["FAVOR", "AGAINST"], groups, resamples=10)
    p, r, f, support = precision_recall_fscore_support(gold, pred, labels=STANCE, average=None, zero_division=0)
    assert [s["per_class"][lab]["precision"] for lab in STANCE] == p.tolist()
    assert [s["per_class"][lab]["recall"] for lab in STANCE] == r.tolist()
    assert [s["per_class"][lab]["f1"] for lab in STANCE] == f.tolist()
    assert [s["per_class"][lab]["support"] for lab in STANCE] == support.tolist()
    assert s["macro_f1"] == pytest.approx(
        f1_score(gold, pred, labels=STANCE, average="macro", zero_division=0), abs=1e-15
    )
    assert s["f_avg"] == pytest.approx(
        f1_score(gold, pred, labels=["FAVOR", "AGAINST"], average="macro", zero_division=0), abs=1e-15
    )
    assert s["accuracy"] == accuracy_score(gold, pred)
    assert s["confusion_matrix"]["matrix"] == confusion_matrix(gold, pred, labels=STANCE).tolist()


@SLOW_PROPERTY
@given(labelled_rows, st.integers(0, 2**16))
def test_class_bootstrap_equals_sklearn_on_literally_resampled_articles(rows, seed):
    from sklearn.metrics import f1_score

    gold, pred, groups = (list(x) for x in zip(*rows, strict=True))
    s = M.classification_scores(gold, pred, STANCE, ["FAVOR", "AGAINST"], groups, resamples=10, seed=seed)
    samples = _literal_resamples(groups, 10, seed)

    def f1s(labels):
        return np.array(
            [
                f1_score(
                    [gold[i] for i in idx], [pred[i] for i in idx], labels=labels, average="macro", zero_division=0
                )
                for idx in samples
            ]
        )

    assert s["macro_f1_ci"] == pytest.approx(M.percentile_ci(f1s(STANCE)), abs=1e-12)
    assert s["f_avg_ci"] == pytest.approx(M.percentile_ci(f1s(["FAVOR", "AGAINST"])), abs=1e-12)


# ---------------------------------------------------------------- agreement


def test_cohen_kappa_hand_computed():
    # p_o = 4/6, p_e = (3·1 + 2·3 + 1·2)/36 = 11/36 → κ = (24 − 11)/(36 − 11) = 13/25
    a = ["F", "F", "A", "A", "N", "F"]
    b = ["F", "A", "A", "A", "N", "N"]
    assert M.cohen_kappa(a, b) == pytest.approx(13 / 25)
    assert M.cohen_kappa(["F", "F"], ["F", "F"]) is None  # chance agreement 1: undefined
    assert M.cohen_kappa(["F", "A"], ["F", "A"]) == pytest.approx(1.0)
    assert M.cohen_kappa([], []) is None


@PROPERTY
@given(st.lists(st.tuples(st.sampled_from("FAN"), st.sampled_from("FAN")), min_size=1, max_size=30))
def test_cohen_kappa_equals_the_textbook_formula(pairs):
    from collections import Counter

    a, b = (list(x) for x in zip(*pairs, strict=True))
    n = len(a)
    observed = sum(x == y for x, y in pairs) / n
    ca, cb = Counter(a), Counter(b)
    chance = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if chance == 1:
        assert M.cohen_kappa(a, b) is None
    else:
        assert M.cohen_kappa(a, b) == pytest.approx((observed - chance) / (1 - chance), abs=1e-12)


ITEMS = [["F", "F", "F"], ["F", "F", "A"], ["A", "A", "N"]]


def test_fleiss_kappa_hand_computed():
    # P_i = 1, 1/3, 1/3 → P̄ = 5/9; p_F,A,N = 5/9, 3/9, 1/9 → P̄e = 35/81; κ = (45 − 35)/(81 − 35) = 10/46
    assert M.fleiss_kappa(ITEMS) == pytest.approx(10 / 46)
    assert M.fleiss_kappa([["F", "F"], ["A", "A"]]) == pytest.approx(1.0)
    assert M.fleiss_kappa([["F", "F"], ["F", "F"]]) is None  # one category only
    assert M.fleiss_kappa([["F", "F"], ["F"]]) is None  # uneven number of ratings
    assert M.fleiss_kappa([]) is None


def test_krippendorff_alpha_hand_computed():
    # coincidences: o_FF 4, o_FA = o_AF 1, o_AA 1, o_AN = o_NA 1; n_F 5, n_A 3, n_N 1, n 9
    # α = 1 − (n − 1)·Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k = 1 − 8·4 / 46 = 14/46
    matrix = [[item[r] for item in ITEMS] for r in range(3)]
    assert M.krippendorff_alpha(matrix, ["F", "A", "N"]) == pytest.approx(14 / 46)
    # missing values are allowed
    assert M.krippendorff_alpha([["F", None, "A"], ["F", "A", "A"]], ["F", "A", "N"]) == pytest.approx(1.0)
    assert M.krippendorff_alpha([["F", None], [None, "A"]], ["F", "A"]) is None  # no unit labelled twice


def test_f1_difference_is_paired_and_matches_each_systems_f1() -> None:
    from geostance.metrics import f1_difference_ci, span_scores

    gold = [[(0, 3, "GPE")], [(0, 5, "PERSON"), (6, 9, "ORG")], [(1, 4, "GPE")], [(2, 7, "LOC")]] * 5
    better = [list(doc) for doc in gold]
    worse = [doc[:1] if i % 2 else [] for i, doc in enumerate(gold)]
    groups = [f"a{i // 2}" for i in range(len(gold))]
    diff, (low, high) = f1_difference_ci(gold, better, worse, groups, resamples=200, seed=1)
    a = span_scores(gold, better, groups, resamples=10).f1
    b = span_scores(gold, worse, groups, resamples=10).f1
    assert diff == pytest.approx(a - b)
    assert 0 < low <= diff <= high
    same, ci = f1_difference_ci(gold, better, better, groups, resamples=50)
    assert same == 0.0 and ci == [0.0, 0.0]
