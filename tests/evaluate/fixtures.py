"""A metrics.json-shaped dict built with the real scorers on a few hand-made rows, for the renderers' tests
(report.md, the model card) without training a model."""

from __future__ import annotations

from typing import Any

from geostance.metrics import classification_scores, span_scores

STANCE = ["FAVOR", "AGAINST", "NONE"]


def _ner() -> dict[str, Any]:
    gold = [[(0, 6, "GPE")], [(0, 4, "ORG"), (9, 14, "GPE")], [(0, 3, "PERSON")]]
    pred = [[(0, 6, "GPE")], [(0, 4, "PERSON"), (9, 14, "GPE")], [(0, 3, "PERSON")]]
    model = span_scores(gold, pred, ["a", "b", "c"], resamples=20).as_dict()
    baseline = span_scores(gold, [[(0, 6, "GPE")], [], []], ["a", "b", "c"], resamples=20).as_dict()
    return {
        "model": "models/ner",
        "bootstrap_unit": "unit (only 3 article(s))",
        **model,
        "baseline": {"name": "lookup", "lexicon_size": 1, **baseline},
        "baseline_f1": baseline["f1"],
        "baseline_f1_ci": baseline["f1_ci"],
    }


def _stance() -> dict[str, Any]:
    gold = ["FAVOR", "AGAINST", "NONE", "AGAINST", "FAVOR", "NONE"]
    pred = ["FAVOR", "AGAINST", "FAVOR", "AGAINST", "NONE", "NONE"]
    targets = ["alliance", "alliance", "alliance", "sanctions", "sanctions", "sanctions"]
    block = classification_scores(gold, pred, STANCE, ["FAVOR", "AGAINST"], list("abcdef"), resamples=20)
    per_target = {}
    for target in ("alliance", "sanctions"):
        idx = [i for i, t in enumerate(targets) if t == target]
        sub = classification_scores(
            [gold[i] for i in idx],
            [pred[i] for i in idx],
            STANCE,
            ["FAVOR", "AGAINST"],
            [str(i) for i in idx],
            resamples=20,
        )
        per_target[target] = {k: sub[k] for k in ("n", "macro_f1", "macro_f1_ci", "f_avg", "f_avg_ci", "accuracy")}
    summary = {k: block[k] for k in ("macro_f1", "macro_f1_ci", "f_avg", "f_avg_ci", "accuracy")}
    variants = {
        v: {
            **summary,
            "per_target": {t: {"f_avg": s["f_avg"], "macro_f1": s["macro_f1"]} for t, s in per_target.items()},
        }
        for v in ("global", "ensemble")
    }
    return {
        "model": "models/stance",
        "variant": "global",
        "labels": STANCE,
        "f_avg_labels": ["FAVOR", "AGAINST"],
        "bootstrap_unit": "unit",
        **block,
        "per_target": per_target,
        "variants": variants,
        "baseline": None,
    }


def _realnews() -> dict[str, Any]:
    scores = span_scores([[(0, 5, "LOC")], [(0, 3, "PER")]], [[(0, 5, "LOC")], []], ["d1", "d2"], resamples=20)
    return {
        "data": "conll2003/eng.testb",
        "documents": 2,
        "words": 12,
        "label_map": {"GPE": "LOC", "PER": "PER"},
        **scores.as_dict(),
        "unmapped_predictions": {},
    }


def sample_metrics() -> dict[str, Any]:
    return {
        "split": "test",
        "dataset": "models/dataset",
        "dataset_fingerprint": "f00d",
        "bootstrap": {"resamples": 20, "confidence": 0.95, "seed": 0, "unit": "article"},
        "ner": _ner(),
        "realnews": _realnews(),
        "stance": _stance(),
        "plots": ["ner_per_label.png", "stance_confusion.png"],
    }
