import csv
import json
from collections import Counter

import pytest

from geostance.bench.stance import semeval_scores


def _data_rows(path):
    return path.read_bytes().count(b"\n") - 1  # minus the header


def test_bench_stance_scores_test_a_with_the_selected_variant(bench_out, mini_data):
    results = json.loads((bench_out / "results.json").read_text())
    st = results["stance"]["semeval2016"]
    d = mini_data / "semeval2016-task6-stance"
    assert st["n_train"] == (
        _data_rows(d / "trainingdata-all-annotations.txt") + _data_rows(d / "trialdata-all-annotations.txt")
    )
    assert st["n_test"] == _data_rows(d / "testdata-taskA-all-annotations.txt")
    assert st["f_avg"] == pytest.approx((st["f_favor"] + st["f_against"]) / 2)
    assert st["variant_scores"][st["selected_variant"]] == pytest.approx(st["f_avg"])
    assert sum(t["n"] for t in st["per_target"].values()) == st["n_test"]
    assert set(st["per_target"]) == {
        "Atheism",
        "Climate Change is a Real Concern",
        "Feminist Movement",
        "Hillary Clinton",
        "Legalization of Abortion",
    }


def test_parts_merge_into_one_results_file(bench_out):
    results = json.loads((bench_out / "results.json").read_text())
    assert {"ner", "stance"} <= set(results) and {"ner", "stance"} <= set(results["runs"])
    report = (bench_out / "BENCHMARKS.md").read_text()
    assert "## NER: CoNLL-2003" in report and "## Stance: SemEval-2016" in report
    assert "65.22" in report and "68.98" in report  # published rows beside ours


def test_semeval_scores_leave_none_out():
    gold = ["FAVOR", "AGAINST", "NONE", "AGAINST"]
    pred = ["FAVOR", "NONE", "NONE", "AGAINST"]
    s = semeval_scores(gold, pred)
    assert s["f_favor"] == 1.0
    assert s["f_against"] == pytest.approx(2 / 3)
    assert s["f_avg"] == pytest.approx((1 + 2 / 3) / 2)


def _rows(path, encoding):
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_semeval_scores_reproduce_the_published_majority_baseline(shared_data):
    """Per-target majority class of train + trial scores 65.22 on test A in the task paper."""
    d = shared_data / "semeval2016-task6-stance"
    train = [
        *_rows(d / "trainingdata-all-annotations.txt", "cp1252"),
        *_rows(d / "trialdata-all-annotations.txt", "cp1252"),
    ]
    test = _rows(d / "testdata-taskA-all-annotations.txt", "cp1252")
    majority = {
        t: Counter(r["Stance"] for r in train if r["Target"] == t).most_common(1)[0][0]
        for t in {r["Target"] for r in train}
    }
    s = semeval_scores([r["Stance"] for r in test], [majority[r["Target"]] for r in test])
    assert round(100 * s["f_avg"], 2) == 65.22
