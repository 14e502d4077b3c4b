import json

import pytest

from geostance.bench.report import load_results, merge_part, render_markdown, write_results
from geostance.errors import InputError


def test_merge_part_replaces_one_part_and_keeps_the_others():
    old = {"schema_version": 1, "ner": {"conll2003": {"test_f1": 0.8}}, "runs": {"ner": {"date": "x"}}}
    new = merge_part(old, "stance", {"semeval2016": {"f_avg": 0.7}}, {"date": "y"})
    assert new["ner"] == old["ner"] and new["stance"]["semeval2016"]["f_avg"] == 0.7
    assert new["runs"] == {"ner": {"date": "x"}, "stance": {"date": "y"}}
    assert "stance" not in old  # the input is not modified


def test_bad_results_file_is_named_with_its_line(tmp_path):
    (tmp_path / "results.json").write_text('{\n  "ner": oops\n}\n')
    with pytest.raises(InputError, match=r"results.json:2: not valid JSON"):
        load_results(tmp_path)


def test_report_shows_fractions_as_percentages_and_states_missed_targets(tmp_path):
    results = {
        "stance": {
            "semeval2016": {
                "f_avg": 0.6912,
                "f_favor": 0.6,
                "f_against": 0.7824,
                "n_train": 2914,
                "n_test": 1249,
                "selected_variant": "global",
                "per_target": {},
            }
        }
    }
    json_path, md_path = write_results(tmp_path, results)
    md = md_path.read_text()
    assert "| **geostance** (this run) | **69.12** | 60.00 | 78.24 |" in md
    assert "Target 70.0: **missed** by 0.88 points." in md
    assert "Not run yet: `geostance bench ner`." in md
    assert json.loads(json_path.read_text()) == results
    assert render_markdown(results) == md
