import numpy as np
import pytest

from geostance.evaluate import metrics as M


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


def test_lookup_baseline_longest_match_word_boundaries_majority_label():
    lookup = M.LookupNer(["North Korea and Korea", "Korea", "Korea"],
                         [[(0, 11, "GPE"), (16, 21, "LOC")], [(0, 5, "GPE")], [(0, 5, "GPE")]])
    assert lookup.lexicon == {"North Korea": "GPE", "Korea": "GPE"}
    assert lookup("In North Korea, Koreans met Korea.") == [(3, 14, "GPE"), (28, 33, "GPE")]
    assert M.LookupNer([], [])("anything") == []


def test_classification_scores_by_hand():
    gold = ["FAVOR", "FAVOR", "AGAINST", "NONE", "NONE", "AGAINST"]
    pred = ["FAVOR", "AGAINST", "AGAINST", "NONE", "FAVOR", "AGAINST"]
    s = M.classification_scores(gold, pred, ["FAVOR", "AGAINST", "NONE"], ["FAVOR", "AGAINST"],
                                list("abcdef"), resamples=200)
    f_favor, f_against, f_none = 0.5, 0.8, 2 / 3
    assert s["per_class"]["FAVOR"]["f1"] == pytest.approx(f_favor)
    assert s["per_class"]["AGAINST"]["f1"] == pytest.approx(f_against)
    assert s["macro_f1"] == pytest.approx((f_favor + f_against + f_none) / 3)
    assert s["f_avg"] == pytest.approx((f_favor + f_against) / 2)
    assert s["confusion_matrix"]["matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert s["macro_f1_ci"][0] <= s["macro_f1"] <= s["macro_f1_ci"][1]


def test_majority_per_target():
    m = M.majority_per_target(["a", "a", "a", "b"], ["FAVOR", "NONE", "NONE", "AGAINST"])
    assert m == {"a": "NONE", "b": "AGAINST", "": "NONE"}
