"""Every score the project reports: entity spans, classes (stance), annotator agreement, and the article-level
bootstrap. Pure functions over lists; no I/O. evaluate, bench and dataset agreement all score through here.

- Entities: exact (start, end, label) matches, counted per document and per label with spaCy's `PRFScore`
  exactly as `spacy.scorer.Scorer.score_spans` counts them (a span counts once per document, only when both
  edges and the label match); `prf` is spaCy's precision / recall / F.
- Classes: `sklearn.metrics` (precision_recall_fscore_support, f1_score, accuracy, confusion_matrix).
- Agreement: Cohen's κ by sklearn, Krippendorff's α by the `krippendorff` package; Fleiss' κ is computed here
  because neither library has it.
- Bootstrap: articles are resampled (cluster bootstrap), not rows, because units of one article are not
  independent; the CI is the 2.5th to 97.5th percentile of the resampled scores. Resampling clusters is done
  with per-cluster count weights, so each resample rescores summed counts instead of re-running a scorer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from spacy.scorer import PRFScore

Span = tuple[int, int, str]
BOOTSTRAP_RESAMPLES = 1000
CONFIDENCE = 0.95
# SemEval-2016 Task 6: F_avg is the mean F1 of FAVOR and AGAINST; NONE is predicted but not scored.
SEMEVAL_F_AVG_LABELS = ("FAVOR", "AGAINST")


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 of counts as spaCy's `PRFScore` computes them (0.0 where a ratio is undefined)."""
    from spacy.scorer import PRFScore

    score = PRFScore(tp=int(tp), fp=int(fp), fn=int(fn))
    return float(score.precision), float(score.recall), float(score.fscore)


# ---------------------------------------------------------------- bootstrap (ours)


def percentile_ci(values: np.ndarray) -> list[float]:
    alpha = (1 - CONFIDENCE) / 2
    return [float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha))]


def resample_cluster_sums(per_row: np.ndarray, groups: Sequence[str], resamples: int, seed: int) -> np.ndarray:
    """Integer counts `per_row` (rows × ...) summed within clusters, then summed over `resamples` bootstrap
    draws of clusters: (resamples × ...)."""
    ids = {g: i for i, g in enumerate(dict.fromkeys(groups))}
    index, n_clusters = np.array([ids[g] for g in groups], dtype=np.int64), len(ids)
    per_cluster = np.zeros((n_clusters, *per_row.shape[1:]), dtype=np.int64)
    np.add.at(per_cluster, index, per_row.astype(np.int64))
    draws = np.random.default_rng(seed).integers(0, n_clusters, size=(resamples, n_clusters))
    # bincount weights avoid materialising resamples × clusters × ... arrays
    out = np.empty((resamples, *per_row.shape[1:]), dtype=np.int64)
    for b in range(resamples):
        out[b] = np.tensordot(np.bincount(draws[b], minlength=n_clusters), per_cluster, axes=(0, 0))
    return out


# Resampling whole articles needs enough of them; below this the bootstrap resamples units instead (and says so).
MIN_ARTICLES_FOR_CLUSTER_BOOTSTRAP = 10


def bootstrap_groups(article_ids: list[str], row_ids: list[str]) -> tuple[list[str], str]:
    """Clusters for the bootstrap: articles when there are enough, else single rows; plus a note saying which."""
    n_articles = len(set(article_ids))
    if n_articles >= MIN_ARTICLES_FOR_CLUSTER_BOOTSTRAP:
        return article_ids, f"article ({n_articles} articles)"
    return row_ids, (
        f"unit (only {n_articles} article(s) in the split, too few to resample articles; "
        "units of one article are correlated, so these intervals are too narrow)"
    )


# ---------------------------------------------------------------- entities


@dataclass
class EntityCounts:
    """Exact-span matches: `per_doc` rows are (tp, fp, fn) of each document pair; `per_label` by label name."""

    per_doc: np.ndarray
    per_label: dict[str, PRFScore]

    @property
    def micro(self) -> PRFScore:
        from spacy.scorer import PRFScore

        tp, fp, fn = (int(x) for x in self.per_doc.sum(axis=0))
        return PRFScore(tp=tp, fp=fp, fn=fn)


def entity_counts(gold: Iterable[Iterable[Span]], pred: Iterable[Iterable[Span]]) -> EntityCounts:
    """Count exact (start, end, label) matches per document pair (one prediction list per gold document)."""
    from spacy.scorer import PRFScore

    per_label: dict[str, PRFScore] = {}
    per_doc = []
    for gold_doc, pred_doc in zip(gold, pred, strict=True):
        gold_set, pred_set = set(gold_doc), set(pred_doc)
        doc = PRFScore()
        doc.score_set(pred_set, gold_set)
        per_doc.append((doc.tp, doc.fp, doc.fn))
        for label in {span[2] for span in gold_set | pred_set}:
            per_label.setdefault(label, PRFScore()).score_set(
                {s for s in pred_set if s[2] == label}, {s for s in gold_set if s[2] == label}
            )
    return EntityCounts(np.array(per_doc, dtype=np.int64).reshape(-1, 3), dict(sorted(per_label.items())))


def f1_difference_ci(
    gold: Sequence[Sequence[Span]],
    pred_a: Sequence[Sequence[Span]],
    pred_b: Sequence[Sequence[Span]],
    groups: Sequence[str],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> tuple[float, list[float]]:
    """Micro-F1 of `pred_a` minus that of `pred_b` on the same gold, with a paired cluster-bootstrap CI: both
    systems are rescored on the same resampled articles, so the interval is that of the difference itself
    (two overlapping single-system intervals do not mean the difference is not significant)."""
    a, b = entity_counts(gold, pred_a), entity_counts(gold, pred_b)
    sums = resample_cluster_sums(np.hstack([a.per_doc, b.per_doc]), groups, resamples, seed)
    diffs = _f1_of_counts(sums[:, :3]) - _f1_of_counts(sums[:, 3:])
    return float(a.micro.fscore - b.micro.fscore), percentile_ci(diffs)


def _f1_of_counts(counts: np.ndarray) -> np.ndarray:
    """F1 of (tp, fp, fn) rows, as PRFScore computes it (0 when there is nothing to score)."""
    tp, fp, fn = counts[:, 0], counts[:, 1], counts[:, 2]
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros(len(counts)), where=denom > 0)


def overlap_f1(a_docs: Sequence[Iterable[Span]], b_docs: Sequence[Iterable[Span]]) -> dict[str, dict[str, float]]:
    """Lenient span agreement per label (and `all`): a span of one side is matched when the other side has a span
    of the same label sharing at least one character. Precision = b's matched share, recall = a's; F1 their
    harmonic mean (symmetric in a and b)."""
    matched: dict[str, list[int]] = {}  # label → [a matched, a total, b matched, b total]
    for a_doc, b_doc in zip(a_docs, b_docs, strict=True):
        a_set, b_set = set(a_doc), set(b_doc)
        for side, mine, other in ((0, a_set, b_set), (2, b_set, a_set)):
            for start, end, label in mine:
                hit = any(lab == label and s < end and start < e for s, e, lab in other)
                for key in (label, "all"):
                    row = matched.setdefault(key, [0, 0, 0, 0])
                    row[side] += hit
                    row[side + 1] += 1
    out = {}
    for label, (a_hit, a_n, b_hit, b_n) in sorted(matched.items()):
        recall, precision = (a_hit / a_n if a_n else 0.0), (b_hit / b_n if b_n else 0.0)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = {"precision": precision, "recall": recall, "f1": f1}
    return out


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

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def span_scores(
    gold: Sequence[Sequence[Span]],
    pred: Sequence[Sequence[Span]],
    groups: Sequence[str],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> SpanScores:
    """Exact-match micro P/R/F1 and per label, with cluster-bootstrap CIs (`groups`: each document's cluster)."""
    counts = entity_counts(gold, pred)
    micro = counts.micro
    sums = (
        resample_cluster_sums(counts.per_doc, groups, resamples, seed)
        if len(gold)
        else np.zeros((1, 3), dtype=np.int64)
    )
    boot = np.array([prf(*row) for row in sums])
    per_label = {
        label: {
            "precision": float(s.precision),
            "recall": float(s.recall),
            "f1": float(s.fscore),
            "support": s.tp + s.fn,
            "predicted": s.tp + s.fp,
        }
        for label, s in counts.per_label.items()
    }
    return SpanScores(
        precision=float(micro.precision),
        recall=float(micro.recall),
        f1=float(micro.fscore),
        f1_ci=percentile_ci(boot[:, 2]),
        precision_ci=percentile_ci(boot[:, 0]),
        recall_ci=percentile_ci(boot[:, 1]),
        per_label=per_label,
        n_docs=len(gold),
        n_gold=micro.tp + micro.fn,
        n_pred=micro.tp + micro.fp,
    )


# ---------------------------------------------------------------- classes (stance)


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Rows = gold, columns = predicted, in `labels` order (rows with a value outside `labels` are not counted)."""
    from sklearn.metrics import confusion_matrix

    if not len(gold):
        return np.zeros((len(labels), len(labels)), dtype=np.int64)
    return confusion_matrix(gold, pred, labels=list(labels)).astype(np.int64)


def f1_from_confusion(matrices: np.ndarray) -> np.ndarray:
    """Per-class F1 = 2·tp / (gold + predicted) of confusion matrices (..., K, K), 0 where a class is absent:
    sklearn's formula, vectorised so the bootstrap can score a thousand resampled matrices at once."""
    tp = np.diagonal(matrices, axis1=-2, axis2=-1)
    denom = matrices.sum(axis=-2) + matrices.sum(axis=-1)
    return np.divide(2 * tp, denom, out=np.zeros(tp.shape, dtype=np.float64), where=denom > 0)


def class_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """F1 of each of `labels` over all rows (one vs the rest)."""
    from sklearn.metrics import f1_score

    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    if not len(gold):
        return {label: 0.0 for label in labels}
    scores = f1_score(gold, pred, labels=list(labels), average=None, zero_division=0)
    return {label: float(f) for label, f in zip(labels, scores, strict=True)}


def f_avg(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = SEMEVAL_F_AVG_LABELS) -> float:
    """Mean F1 of `labels` (SemEval-2016 Task 6's F_avg with the default FAVOR and AGAINST)."""
    scores = class_f1(gold, pred, labels)
    return float(np.mean([scores[label] for label in labels])) if labels else 0.0


def _per_class(gold: Sequence[str], pred: Sequence[str], labels: list[str]) -> dict[str, dict[str, Any]]:
    from sklearn.metrics import precision_recall_fscore_support

    if not len(gold):
        return {label: {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0} for label in labels}
    p, r, f, support = precision_recall_fscore_support(gold, pred, labels=labels, average=None, zero_division=0)
    return {
        label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(support[i])}
        for i, label in enumerate(labels)
    }


def _class_f1_ci(
    gold: Sequence[str],
    pred: Sequence[str],
    labels: list[str],
    avg_idx: list[int],
    groups: Sequence[str],
    resamples: int,
    seed: int,
) -> dict[str, list[float]]:
    """Bootstrap CIs of macro-F1 and F_avg: one confusion matrix per row, summed per resample of clusters."""
    index = {label: i for i, label in enumerate(labels)}
    one_hot = np.zeros((len(gold), len(labels), len(labels)), dtype=np.int64)
    for row, (g, p) in enumerate(zip(gold, pred, strict=True)):
        if g in index and p in index:
            one_hot[row, index[g], index[p]] = 1
    boot = f1_from_confusion(resample_cluster_sums(one_hot, groups, resamples, seed))
    return {
        "macro_f1_ci": percentile_ci(boot.mean(axis=1)),
        "f_avg_ci": percentile_ci(boot[:, avg_idx].mean(axis=1)) if avg_idx else [0.0, 0.0],
    }


def classification_scores(
    gold: Sequence[str],
    pred: Sequence[str],
    labels: Sequence[str],
    f_avg_labels: Sequence[str],
    groups: Sequence[str],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """Per-class P/R/F1, macro-F1 over `labels`, F_avg (mean F1 of `f_avg_labels`), accuracy, with CIs."""
    from sklearn.metrics import accuracy_score

    labels = list(labels)
    per_class = _per_class(gold, pred, labels)
    f1 = np.array([per_class[label]["f1"] for label in labels])
    avg_idx = [labels.index(label) for label in f_avg_labels]
    result: dict[str, Any] = {
        "n": len(gold),
        "accuracy": float(accuracy_score(gold, pred)) if len(gold) else 0.0,
        "per_class": per_class,
        "macro_f1": float(f1.mean()) if labels else 0.0,
        "f_avg": float(f1[avg_idx].mean()) if avg_idx else 0.0,
        "confusion_matrix": {"labels": labels, "matrix": confusion(gold, pred, labels).tolist()},
    }
    if len(gold):
        result |= _class_f1_ci(gold, pred, labels, avg_idx, groups, resamples, seed)
    else:
        result["macro_f1_ci"] = result["f_avg_ci"] = [0.0, 0.0]
    return result


# ---------------------------------------------------------------- annotator agreement


def _undefined_to_none(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's κ of two annotators' labels on the same items; None when undefined (no items, or both annotators
    used one and the same label, so chance agreement is 1)."""
    import warnings

    from sklearn.metrics import cohen_kappa_score

    if not len(a) or len(a) != len(b):
        return None
    with warnings.catch_warnings():
        # sklearn warns (UndefinedMetricWarning and a confusion-matrix UserWarning) when one label is all
        # there is; that case is returned as None
        warnings.simplefilter("ignore", UserWarning)
        kappa = cohen_kappa_score(list(a), list(b), replace_undefined_by=np.nan)
    return _undefined_to_none(kappa)


def fleiss_kappa(items: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' κ over items that each have the same number (≥ 2) of ratings; None when undefined."""
    items = [list(x) for x in items]
    if not items:
        return None
    n = len(items[0])
    if n < 2 or any(len(x) != n for x in items):
        return None
    big_n = len(items)
    totals: Counter[str] = Counter()
    agreement_per_item = []
    for ratings in items:
        counts = Counter(ratings)
        totals.update(counts)
        agreement_per_item.append((sum(v * v for v in counts.values()) - n) / (n * (n - 1)))
    p_bar = sum(agreement_per_item) / big_n
    pe = sum((totals[c] / (big_n * n)) ** 2 for c in sorted(totals))
    if pe == 1:
        return None
    return (p_bar - pe) / (1 - pe)


def krippendorff_alpha(matrix: Sequence[Sequence[str | None]], categories: Sequence[str]) -> float | None:
    """Nominal α; rows are annotators, columns units, None is missing. None when undefined (no unit labelled
    twice, or a single category used)."""
    import krippendorff

    index = {c: i for i, c in enumerate(categories)}
    data = np.array([[np.nan if v is None else index[v] for v in row] for row in matrix], dtype=float)
    paired = (~np.isnan(data)).sum(axis=0) >= 2
    if data.size == 0 or not paired.any() or len({v for row in matrix for v in row if v is not None}) < 2:
        return None
    try:
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except (ValueError, ZeroDivisionError):
        return None
