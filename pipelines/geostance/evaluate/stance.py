"""Stance on a split of a built dataset: every variant of the model (global, per target, ensemble) scored per
class, per target, macro-F1 and F_avg, beside the majority-per-target baseline learnt from train."""

from __future__ import annotations

from typing import Any

from geostance.evaluate.baselines import majority_per_target
from geostance.metrics import bootstrap_groups, classification_scores
from geostance.train.data import TaskData, stance_rows


def _stance_block(
    gold: list[str],
    pred: list[str],
    targets: list[str],
    groups: list[str],
    labels: list[str],
    f_avg_labels: list[str],
    resamples: int,
    seed: int,
) -> dict[str, Any]:
    result = classification_scores(gold, pred, labels, f_avg_labels, groups, resamples=resamples, seed=seed)
    per_target = {}
    for target in sorted(set(targets)):
        idx = [i for i, t in enumerate(targets) if t == target]
        sub = classification_scores(
            [gold[i] for i in idx],
            [pred[i] for i in idx],
            labels,
            f_avg_labels,
            [groups[i] for i in idx],
            resamples=resamples,
            seed=seed,
        )
        per_target[target] = {
            k: sub[k] for k in ("n", "macro_f1", "macro_f1_ci", "f_avg", "f_avg_ci", "accuracy", "per_class")
        }
    result["per_target"] = per_target
    return result


def evaluate_stance(
    bundle: dict[str, Any],
    data: TaskData,
    split: str,
    *,
    resamples: int,
    seed: int,
    baseline: bool = True,
    variants: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    from geostance.runtime.stance_component import predict_stance
    from geostance.train.stance import f_avg_labels

    texts, targets, gold, articles = stance_rows(data.split(split))
    groups, unit = bootstrap_groups(articles, list(data.split(split)["id"]))
    labels = list(data.split(split).features["label"].names)
    avg = f_avg_labels(labels)
    available = ["global"] + (["per_target", "ensemble"] if bundle.get("per_target") else [])
    variants = variants or tuple(available)
    selected = bundle["selected"] if bundle["selected"] in variants else variants[0]
    by_variant = {}
    for variant in variants:
        pred = predict_stance(bundle, texts, targets, variant)[0]
        by_variant[variant] = _stance_block(gold, pred, targets, groups, labels, avg, resamples, seed)
    result = {
        "variant": selected,
        "labels": labels,
        "f_avg_labels": avg,
        "bootstrap_unit": unit,
        **by_variant[selected],
    }
    result["variants"] = {
        v: {k: b[k] for k in ("macro_f1", "macro_f1_ci", "f_avg", "f_avg_ci", "accuracy")}
        | {"per_target": {t: {"f_avg": s["f_avg"], "macro_f1": s["macro_f1"]} for t, s in b["per_target"].items()}}
        for v, b in by_variant.items()
    }
    if baseline and not data.has("train"):
        result["baseline"] = None  # majority classes come from train; this dataset has none
    elif baseline:
        train_texts, train_targets, train_gold, _ = stance_rows(data.split("train"))
        majority = majority_per_target(train_targets, train_gold)
        base_pred = [majority.get(t, majority[""]) for t in targets]
        base = _stance_block(gold, base_pred, targets, groups, labels, avg, resamples, seed)
        result["baseline_macro_f1"] = base["macro_f1"]
        result["baseline_macro_f1_ci"] = base["macro_f1_ci"]
        result["baseline_f_avg"] = base["f_avg"]
        result["baseline_f_avg_ci"] = base["f_avg_ci"]
        result["baseline"] = {
            "name": "majority class per target (from train)",
            "labels": majority,
            **{k: base[k] for k in ("macro_f1", "f_avg", "accuracy", "per_class")},
        }
        for target, scores in result["per_target"].items():
            scores["baseline_macro_f1"] = base["per_target"][target]["macro_f1"]
            scores["baseline_f_avg"] = base["per_target"][target]["f_avg"]
    return result
