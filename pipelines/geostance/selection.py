"""Choosing what to annotate next: how unsure a model is of each row, and a batch pick that lets no single article
fill the batch. Pure functions over numbers; the Doccano queue and the active-learning bench both use them, so the
strategy the bench measures is the one annotators get."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

import numpy as np


def softmax(values: np.ndarray) -> np.ndarray:
    """Row-wise softmax of decision values (as the stance component's `doc.cats`); NaN (a label no model knows)
    scores 0."""
    values = np.where(np.isnan(values), -np.inf, values)
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def margin_uncertainty(decision_values: np.ndarray) -> np.ndarray:
    """1 − (best − second best) of each row's softmax: 1 when the top two labels tie, towards 0 when one wins.
    Margin sampling (Scheffer et al. 2001): on text classification it tracks annotation value better than
    entropy when the label set is small."""
    probs = np.sort(softmax(np.asarray(decision_values, dtype=float)), axis=1)
    if probs.shape[1] < 2:
        return np.zeros(len(probs))
    return 1.0 - (probs[:, -1] - probs[:, -2])


def entity_uncertainty(entity_probs: Sequence[float]) -> float:
    """How unsure an NER is of a unit, from the beam probabilities of its candidate entities: that of the weakest
    (closest to 0.5), 1 − |2p − 1|; 0 when the beam agrees on every candidate or proposes none."""
    return max((1.0 - abs(2.0 * p - 1.0) for p in entity_probs), default=0.0)


def pick_batch(uncertainty: Sequence[float], groups: Sequence[Hashable], size: int, per_group: int) -> list[int]:
    """Indices of the `size` most uncertain rows, at most `per_group` rows from any one group (article), most
    uncertain first; ties go to the earlier row. Fewer than `size` when the cap leaves too few candidates."""
    if size < 0 or per_group < 1:
        raise ValueError(f"size must be ≥ 0 and per_group ≥ 1 (got {size}, {per_group})")
    order = sorted(range(len(uncertainty)), key=lambda i: (-float(uncertainty[i]), i))
    taken: Counter[Hashable] = Counter()
    picked: list[int] = []
    for i in order:
        if len(picked) == size:
            break
        if taken[groups[i]] < per_group:
            taken[groups[i]] += 1
            picked.append(i)
    return picked
