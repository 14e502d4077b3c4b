import json

import pytest


def _data_rows(path):
    return path.read_bytes().count(b"\n") - 1   # minus the header


def test_bench_stance_scores_test_a_with_the_selected_variant(bench_out, mini_data):
    results = json.loads((bench_out / "results.json").read_text())
    st = results["stance"]["semeval2016"]
    d = mini_data / "semeval2016-task6-stance"
    assert st["n_train"] == _data_rows(d / "trainingdata-all-annotations.txt") + _data_rows(d / "trialdata-all-annotations.txt")
    assert st["n_test"] == _data_rows(d / "testdata-taskA-all-annotations.txt")
    assert st["f_avg"] == pytest.approx((st["f_favor"] + st["f_against"]) / 2)
    assert st["variant_scores"][st["selected_variant"]] == pytest.approx(st["f_avg"])
    assert sum(t["n"] for t in st["per_target"].values()) == st["n_test"]
    assert set(st["per_target"]) == {"Atheism", "Climate Change is a Real Concern", "Feminist Movement",
                                     "Hillary Clinton", "Legalization of Abortion"}


def test_parts_merge_into_one_results_file(bench_out):
    results = json.loads((bench_out / "results.json").read_text())
    assert {"ner", "stance"} <= set(results) and {"ner", "stance"} <= set(results["runs"])
    report = (bench_out / "BENCHMARKS.md").read_text()
    assert "## NER: CoNLL-2003" in report and "## Stance: SemEval-2016" in report
    assert "65.22" in report and "68.98" in report      # published rows beside ours
