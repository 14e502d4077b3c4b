import csv
from collections import Counter

import pytest

from geostance.bench.scoring import entity_scores, f_avg


def test_entity_scores_count_exact_span_and_type_only():
    gold = [[(0, 4, "PER"), (10, 16, "LOC")], [(0, 3, "ORG")]]
    pred = [[(0, 4, "PER"), (10, 15, "LOC")], [(0, 3, "MISC")]]
    s = entity_scores(gold, pred)
    assert s["precision"] == pytest.approx(1 / 3)
    assert s["recall"] == pytest.approx(1 / 3)
    assert s["f1"] == pytest.approx(1 / 3)
    assert s["per_label"]["PER"] == {"p": 1.0, "r": 1.0, "f": 1.0, "support": 1}
    assert s["per_label"]["MISC"]["support"] == 0 and s["per_label"]["MISC"]["p"] == 0.0
    assert s["per_label"]["LOC"]["f"] == 0.0


def test_entity_scores_need_one_prediction_list_per_document():
    with pytest.raises(ValueError):
        entity_scores([[(0, 1, "PER")]], [])


def test_f_avg_ignores_none_as_a_class():
    gold = ["FAVOR", "AGAINST", "NONE", "AGAINST"]
    pred = ["FAVOR", "NONE", "NONE", "AGAINST"]
    s = f_avg(gold, pred)
    assert s["f_favor"] == 1.0
    assert s["f_against"] == pytest.approx(2 / 3)
    assert s["f_avg"] == pytest.approx((1 + 2 / 3) / 2)


def _rows(path, encoding):
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_f_avg_reproduces_the_published_majority_baseline(shared_data):
    """Per-target majority class of train + trial scores 65.22 on test A in the task paper."""
    d = shared_data / "semeval2016-task6-stance"
    train = _rows(d / "trainingdata-all-annotations.txt", "cp1252") + _rows(d / "trialdata-all-annotations.txt", "cp1252")
    test = _rows(d / "testdata-taskA-all-annotations.txt", "cp1252")
    majority = {t: Counter(r["Stance"] for r in train if r["Target"] == t).most_common(1)[0][0]
                for t in {r["Target"] for r in train}}
    s = f_avg([r["Stance"] for r in test], [majority[r["Target"]] for r in test])
    assert round(100 * s["f_avg"], 2) == 65.22
