"""The predict bench's arithmetic and input (the timing itself runs in `make bench`, not here)."""

from __future__ import annotations

import pytest

from geostance.batch.bench import paper_plan, write_units


def test_paper_plan_extrapolates_per_core_throughput():
    measured = {"dask_units_per_s": 200.0, "workers": 2, "mean_task_s": 10.0, "scheduler_ms_per_task": 2.0}
    plan = paper_plan(measured, units_per_article=10, articles=10e6)
    assert plan["units_per_s_per_core"] == 100.0
    assert plan["core_hours"] == pytest.approx(10e6 * 10 / 100 / 3600)
    assert plan["hours_on"]["16"] == pytest.approx(plan["core_hours"] / 16)
    assert plan["core_hours_per_million_articles"] == pytest.approx(plan["core_hours"] / 10)
    assert plan["scheduler_bound_workers"] == 5000  # a 10 s task every 2 ms keeps 5,000 workers busy


def test_write_units_repeats_texts_and_keeps_a_file_of_the_right_size(tmp_path):
    path = write_units(["One.", "Two."], 5, tmp_path / "u.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [line.split('"text": ')[1] for line in lines] == ['"One."}', '"Two."}', '"One."}', '"Two."}', '"One."}']
    mtime = path.stat().st_mtime_ns
    assert write_units(["One.", "Two."], 5, path).stat().st_mtime_ns == mtime
    assert len(write_units(["One."], 3, path).read_text().splitlines()) == 3
