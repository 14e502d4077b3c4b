from __future__ import annotations

import random

import pytest

from geostance.bench.active import ActiveSettings, StanceRows, labels_to_reach, learning_curve, run_active_stance
from geostance.bench.report import render_markdown

WORDS = {
    "FAVOR": ["strong", "durable", "binding"],
    "AGAINST": ["hollow", "fragile", "brief"],
    "NONE": ["met", "visited", "said"],
}


def _rows(n: int, seed: int) -> StanceRows:
    rng = random.Random(seed)
    texts, targets, labels, groups = [], [], [], []
    for i in range(n):
        label = rng.choice(list(WORDS))
        noise = " ".join(rng.choice(["the", "a", "talks", "today", "ties"]) for _ in range(4))
        texts.append(f"{noise} {rng.choice(WORDS[label])} {i % 7}")
        targets.append(rng.choice(["alliance", "sanctions"]))
        labels.append(label)
        groups.append(f"article-{i // 5}")
    return StanceRows(texts, targets, labels, groups)


def test_units_group_rows_of_one_paragraph() -> None:
    rows = StanceRows(
        ["a", "a", "b", "a"], ["t1", "t2", "t1", "t1"], ["FAVOR", "NONE", "AGAINST", "NONE"], ["x", "x", "x", "y"]
    )
    assert rows.units() == [[0, 1], [2], [3]]


def test_labels_to_reach_sustained_ignores_a_spike_that_falls_back() -> None:
    curve = [(10, 0.5), (20, 0.9), (30, 0.7), (40, 0.91), (50, 0.92)]
    assert labels_to_reach(curve, 0.9, sustained=False) == 20
    assert labels_to_reach(curve, 0.9) == 40
    assert labels_to_reach(curve, 0.95) is None


@pytest.mark.parametrize("strategy", ["queue", "random"])
def test_a_curve_adds_one_batch_per_round_from_the_same_seed_set(strategy: str) -> None:
    rows, test = _rows(200, 0), _rows(80, 1)
    settings = ActiveSettings(seed_size=20, batch_size=15, rounds=4, seeds=(0,), per_group=2)
    curve = learning_curve(rows, test, strategy, 0, settings)
    assert [n for n, _ in curve] == [20, 35, 50, 65, 80]
    assert all(0.0 <= f <= 1.0 for _, f in curve)
    assert curve[0] == learning_curve(rows, test, "random" if strategy == "queue" else "queue", 0, settings)[0]


def test_the_run_reports_both_strategies_and_renders() -> None:
    rows, test = _rows(200, 2), _rows(80, 3)
    result = run_active_stance(rows, test, ActiveSettings(seed_size=20, batch_size=30, rounds=3, seeds=(0, 1)))
    assert set(result["labels_needed"]) == {"queue", "random"}
    assert set(result["curves"]["queue"]) == {"0", "1"}
    assert result["goal"] == pytest.approx(0.95 * result["full_data_f_avg"])
    result["plot"] = "active_learning_toy.png"
    text = render_markdown({"active_learning": {"toy": result}})
    assert "| toy |" in text and "active_learning_toy.png" in text
