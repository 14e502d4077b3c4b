"""Benchmark scores as the official scorers define them: exact-span entity micro-F1 (conlleval) and
SemEval-2016 Task 6 F_avg = (F_FAVOR + F_AGAINST) / 2 over pooled rows (eval.pl). Pure functions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

Span = tuple[int, int, str]


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0}


def entity_scores(gold: Iterable[Iterable[Span]], pred: Iterable[Iterable[Span]]) -> dict[str, Any]:
    """Micro P/R/F1 over exact (start, end, label) matches, per document pair, plus per label (with support).

    As in conlleval, an entity counts only when both edges and the type match; text is the CoNLL tokens joined
    by single spaces, so character spans and token spans are the same thing."""
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    for g_doc, p_doc in zip(gold, pred, strict=True):
        g, p = set(g_doc), set(p_doc)
        for s in g:
            n_gold[s[2]] += 1
        for s in p:
            n_pred[s[2]] += 1
        for s in g & p:
            tp[s[2]] += 1
    total = prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    labels = sorted(set(n_gold) | set(n_pred))
    return {"precision": total["p"], "recall": total["r"], "f1": total["f"],
            "per_label": {lab: {**prf(tp[lab], n_pred[lab], n_gold[lab]), "support": n_gold[lab]} for lab in labels}}


def f_avg(gold: Sequence[str], pred: Sequence[str]) -> dict[str, float]:
    """SemEval-2016 Task 6: F1 of FAVOR and of AGAINST over all rows, and their mean (NONE is not scored)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    out: dict[str, float] = {}
    for label in ("FAVOR", "AGAINST"):
        tp = sum(1 for g, p in zip(gold, pred) if g == p == label)
        out[f"f_{label.lower()}"] = prf(tp, sum(p == label for p in pred), sum(g == label for g in gold))["f"]
    out["f_avg"] = (out["f_favor"] + out["f_against"]) / 2
    return out
