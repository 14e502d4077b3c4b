from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from geostance.selection import entity_uncertainty, margin_uncertainty, pick_batch


def test_margin_uncertainty_is_one_for_a_tie_and_falls_as_one_label_wins() -> None:
    values = np.array([[1.0, 1.0, -3.0], [2.0, 0.0, -1.0], [9.0, -9.0, -9.0]])
    u = margin_uncertainty(values)
    assert u[0] == 1.0
    assert u[0] > u[1] > u[2]
    assert 0.0 <= u[2] < 1e-6


def test_entity_uncertainty_peaks_at_half_and_is_zero_without_candidates() -> None:
    assert entity_uncertainty([]) == 0.0
    assert entity_uncertainty([1.0, 0.99]) < 0.03
    assert entity_uncertainty([0.98, 0.5]) == 1.0
    assert entity_uncertainty([0.7]) > entity_uncertainty([0.9])


def test_pick_batch_takes_the_most_uncertain_under_the_per_article_cap() -> None:
    uncertainty = [0.9, 0.8, 0.7, 0.2, 0.6, 0.1]
    groups = ["a", "a", "a", "b", "c", "c"]
    assert pick_batch(uncertainty, groups, 3, per_group=1) == [0, 4, 3]
    assert pick_batch(uncertainty, groups, 3, per_group=2) == [0, 1, 4]
    assert pick_batch(uncertainty, groups, 10, per_group=1) == [0, 4, 3]


@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 4)), max_size=40), st.integers(0, 12), st.integers(1, 3))
def test_pick_batch_respects_size_and_cap_and_never_skips_a_more_uncertain_eligible_row(rows, size, cap) -> None:
    uncertainty = [u for u, _ in rows]
    groups = [g for _, g in rows]
    picked = pick_batch(uncertainty, groups, size, cap)
    assert len(picked) == len(set(picked)) <= size
    per_group = {g: sum(groups[i] == g for i in picked) for g in set(groups)}
    assert all(n <= cap for n in per_group.values())
    for i in set(range(len(rows))) - set(picked):
        if per_group.get(groups[i], 0) < cap and len(picked) == size:
            assert all(uncertainty[j] >= uncertainty[i] for j in picked)
        elif per_group.get(groups[i], 0) < cap:
            raise AssertionError(f"row {i} was eligible and left out of an unfilled batch")


def test_a_label_no_model_knows_does_not_count_as_a_close_second() -> None:
    u = margin_uncertainty(np.array([[1.0, np.nan, 0.9]]))
    assert 0.9 < u[0] < 1.0
