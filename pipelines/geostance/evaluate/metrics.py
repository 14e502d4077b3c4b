"""Scores, baselines and bootstrap confidence intervals. Pure functions over lists; no I/O.

Bootstrap: articles are resampled (cluster bootstrap), not rows, because units of one article are not
independent; the CI is the 2.5th to 97.5th percentile of the resampled scores.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Span = tuple[int, int, str]
BOOTSTRAP_RESAMPLES = 1000
CONFIDENCE = 0.95


def prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return float(p), float(r), float(f)


def _ci(values: np.ndarray) -> list[float]:
    alpha = (1 - CONFIDENCE) / 2
    return [float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha))]


def _cluster_index(groups: Sequence[str]) -> tuple[np.ndarray, int]:
    ids = {g: i for i, g in enumerate(dict.fromkeys(groups))}
    return np.array([ids[g] for g in groups], dtype=np.int64), len(ids)


def _resample_cluster_sums(per_row: np.ndarray, groups: Sequence[str], resamples: int, seed: int) -> np.ndarray:
    """Sum `per_row` (rows × ...) within clusters, then over `resamples` bootstrap draws of clusters."""
    index, n_clusters = _cluster_index(groups)
    per_cluster = np.zeros((n_clusters, *per_row.shape[1:]), dtype=np.float64)
    np.add.at(per_cluster, index, per_row)
    draws = np.random.default_rng(seed).integers(0, n_clusters, size=(resamples, n_clusters))
    # bincount weights avoid materialising resamples × clusters × ... arrays
    out = np.empty((resamples, *per_row.shape[1:]))
    for b in range(resamples):
        weights = np.bincount(draws[b], minlength=n_clusters).astype(np.float64)
        out[b] = np.tensordot(weights, per_cluster, axes=(0, 0))
    return out


# ---------------------------------------------------------------- NER

@dataclass
class SpanScores:
    precision: float
    recall: float
    f1: float
    f1_ci: list[float]
    precision_ci: list[float]
    recall_ci: list[float]
    per_label: dict[str, dict[str, float]]
    n_docs: int
    n_gold: int
    n_pred: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def span_scores(gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]], groups: Sequence[str], *,
                resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> SpanScores:
    """Exact-match (start, end, label) micro P/R/F1 and per label, with cluster-bootstrap CIs."""
    counts = np.zeros((len(gold), 3))
    per_label: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for i, (g, p) in enumerate(zip(gold, pred)):
        gs, ps = set(g), set(p)
        counts[i] = (len(gs & ps), len(ps - gs), len(gs - ps))
        for _, _, lab in gs & ps:
            per_label[lab][0] += 1
        for _, _, lab in ps - gs:
            per_label[lab][1] += 1
        for _, _, lab in gs - ps:
            per_label[lab][2] += 1
    p, r, f = prf(*counts.sum(axis=0))
    sums = _resample_cluster_sums(counts, groups, resamples, seed) if len(gold) else np.zeros((1, 3))
    boot = np.array([prf(*row) for row in sums])
    labels = {}
    for lab, (tp, fp, fn) in sorted(per_label.items()):
        lp, lr, lf = prf(tp, fp, fn)
        labels[lab] = {"precision": lp, "recall": lr, "f1": lf, "support": tp + fn, "predicted": tp + fp}
    return SpanScores(precision=p, recall=r, f1=f, f1_ci=_ci(boot[:, 2]), precision_ci=_ci(boot[:, 0]),
                      recall_ci=_ci(boot[:, 1]), per_label=labels, n_docs=len(gold),
                      n_gold=int(counts[:, 0].sum() + counts[:, 2].sum()),
                      n_pred=int(counts[:, 0].sum() + counts[:, 1].sum()))


class LookupNer:
    """Baseline: every entity string seen in train, tagged with its most frequent train label wherever it occurs
    (longest match first, at word boundaries, case-sensitive)."""

    def __init__(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> None:
        votes: dict[str, Counter] = defaultdict(Counter)
        for text, doc_spans in zip(texts, spans):
            for start, end, label in doc_spans:
                surface = text[start:end]
                if surface.strip():
                    votes[surface][label] += 1
        # ties broken by label name, so the baseline is deterministic
        self.lexicon = {s: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for s, c in votes.items()}
        alternatives = "|".join(re.escape(s) for s in sorted(self.lexicon, key=lambda s: (-len(s), s)))
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if self.lexicon else None

    def __call__(self, text: str) -> list[Span]:
        if self.pattern is None:
            return []
        return [(m.start(), m.end(), self.lexicon[m.group(0)]) for m in self.pattern.finditer(text)]


# ---------------------------------------------------------------- stance

def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """rows = gold, columns = predicted, in `labels` order (predictions outside `labels` are not counted)."""
    index = {lab: i for i, lab in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for g, p in zip(gold, pred):
        if g in index and p in index:
            matrix[index[g], index[p]] += 1
    return matrix


def _class_f1(matrix: np.ndarray) -> np.ndarray:
    """Per-class F1 from confusion matrices (..., K, K)."""
    tp = np.diagonal(matrix, axis1=-2, axis2=-1)
    pred = matrix.sum(axis=-2)
    gold = matrix.sum(axis=-1)
    denom = pred + gold
    return np.divide(2 * tp, denom, out=np.zeros_like(tp, dtype=np.float64), where=denom > 0)


def classification_scores(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str],
                          f_avg_labels: Sequence[str], groups: Sequence[str], *,
                          resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> dict:
    """Per-class P/R/F1, macro-F1 over `labels`, F_avg (mean F1 of `f_avg_labels`), accuracy, with CIs."""
    labels = list(labels)
    matrix = confusion(gold, pred, labels)
    f1 = _class_f1(matrix)
    tp = np.diagonal(matrix)
    per_class = {}
    for i, lab in enumerate(labels):
        p, r, f = prf(tp[i], matrix[:, i].sum() - tp[i], matrix[i].sum() - tp[i])
        per_class[lab] = {"precision": p, "recall": r, "f1": f, "support": int(matrix[i].sum())}
    avg_idx = [labels.index(lab) for lab in f_avg_labels]
    result = {
        "n": len(gold),
        "accuracy": float(tp.sum() / len(gold)) if len(gold) else 0.0,
        "per_class": per_class,
        "macro_f1": float(f1.mean()) if labels else 0.0,
        "f_avg": float(f1[avg_idx].mean()) if avg_idx else 0.0,
        "confusion_matrix": {"labels": labels, "matrix": matrix.tolist()},
    }
    if len(gold):
        one_hot = np.zeros((len(gold), len(labels), len(labels)))
        index = {lab: i for i, lab in enumerate(labels)}
        for row, (g, p) in enumerate(zip(gold, pred)):
            if g in index and p in index:
                one_hot[row, index[g], index[p]] = 1
        boot = _class_f1(_resample_cluster_sums(one_hot, groups, resamples, seed))
        result["macro_f1_ci"] = _ci(boot.mean(axis=1))
        result["f_avg_ci"] = _ci(boot[:, avg_idx].mean(axis=1)) if avg_idx else [0.0, 0.0]
    else:
        result["macro_f1_ci"] = result["f_avg_ci"] = [0.0, 0.0]
    return result


def majority_per_target(train_targets: Sequence[str], train_labels: Sequence[str]) -> dict[str, str]:
    """Baseline: each target's most frequent train label; key "" holds the overall majority (unseen targets)."""
    by_target: dict[str, Counter] = defaultdict(Counter)
    for t, lab in zip(train_targets, train_labels):
        by_target[t][lab] += 1
    pick = lambda c: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]  # noqa: E731 - ties by name
    majority = {t: pick(c) for t, c in by_target.items()}
    majority[""] = pick(Counter(train_labels))
    return majority
