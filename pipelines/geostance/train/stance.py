"""Train the stance classifier: a scikit-learn Pipeline searched by grouped cross-validation, saved with skops.

Two kinds of model are trained and kept in one skops file: one `global` model for all targets (target id and
target-conditioned words as features) and `per_target` models (one per target, the global model serving targets
without enough data). Three variants predict from them: `global`, `per_target` and `ensemble` (the mean of the two
models' decision values). The variant with the best score on dev (or, without dev, on out-of-fold predictions
over train) is `selected` and used by default; evaluation reports all of them.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geostance.errors import GeostanceError
from geostance.fileio import atomic_write_json, replace_dir, staging_dir_for
from geostance.package.stance_component import (MODEL_FILE, STANCE_VARIANTS, TRUSTED_TYPES, UntrustedModelError, decide,
                                                 dump_stance_model, load_stance_model, predict_stance,
                                                 stance_inputs, stance_margins, target_key)
from geostance.train.data import TaskData, load_task, stance_label_names, stance_rows
from geostance.train.versions import library_versions

SEMEVAL_LABELS = ("FAVOR", "AGAINST")

# Default search: small, because it runs on every `make train`; wide enough to reach the published SemEval
# baselines (word 1-3 + char 2-5 n-grams, class weights, C). Override with `param_grid`.
DEFAULT_GRID: dict[str, list[Any]] = {
    "clf__C": [0.1, 0.3, 1.0],
    "clf__class_weight": [None, "balanced"],
}


def build_pipeline(variant: str = "global") -> Any:
    """The named-step Pipeline: features (word, char, target, target_words) → clf (linear SVM)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder
    from sklearn.svm import LinearSVC

    # Columns of stance_inputs(): 0 marked text, 1 target key, 2 target-conditioned words.
    transformers: list[tuple[str, Any, Any]] = [
        ("word", TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, min_df=1), 0),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2), 0),
    ]
    if variant == "global":
        transformers += [
            ("target", OneHotEncoder(handle_unknown="ignore"), [1]),
            ("target_words", TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True), 2),
        ]
    return Pipeline([("features", ColumnTransformer(transformers, sparse_threshold=1.0)),
                     ("clf", LinearSVC(dual="auto", max_iter=5000))])


@dataclass
class SearchResult:
    model: Any
    cv_score: float | None
    best_params: dict[str, Any]
    n_train: int
    n_groups: int
    note: str = ""


@dataclass
class StanceTrainResult:
    out_dir: Path
    selected: str
    labels: list[str]
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)


def f_avg_labels(labels: list[str]) -> list[str]:
    """FAVOR and AGAINST where the label set has them (SemEval's F_avg); else every label (macro-F1)."""
    chosen = [lab for lab in SEMEVAL_LABELS if lab in labels]
    return chosen if len(chosen) == len(SEMEVAL_LABELS) else list(labels)


def _scorer(labels: list[str]) -> Any:
    from sklearn.metrics import f1_score, make_scorer

    return make_scorer(f1_score, average="macro", labels=f_avg_labels(labels), zero_division=0)


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def search(X: np.ndarray, y: list[str], groups: list[str], labels: list[str], variant: str,
           param_grid: dict[str, list[Any]], n_splits: int, n_jobs: int) -> SearchResult:
    """Grid search by GroupKFold on (X, y); refit on all of it. With fewer than 2 groups: fit the defaults."""
    from sklearn.model_selection import GridSearchCV, GroupKFold

    pipe = build_pipeline(variant)
    n_groups = len(set(groups))
    if n_groups < 2 or len(set(y)) < 2:
        pipe.fit(X, y)
        return SearchResult(pipe, None, {}, len(y), n_groups, note="too few articles or classes to search; defaults")
    cache = tempfile.mkdtemp(prefix="geostance-stance-cache-")
    try:
        pipe.set_params(memory=cache)  # features are computed once per fold, not once per C value
        grid = GridSearchCV(pipe, param_grid, scoring=_scorer(labels), cv=GroupKFold(n_splits=min(n_splits, n_groups)),
                            n_jobs=n_jobs, refit=True, error_score="raise")
        grid.fit(X, y, groups=groups)
        model = grid.best_estimator_
        model.set_params(memory=None)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return SearchResult(model, float(grid.best_score_), {k: _plain(v) for k, v in grid.best_params_.items()},
                        len(y), n_groups)


def refit_bundle(bundle: dict[str, Any], variant: str, texts: list[str], targets: list[str],
                 y: list[str]) -> dict[str, Any]:
    """Refit a bundle's chosen hyper-parameters on other data (folds, learning-curve subsets): no new search."""
    from sklearn.base import clone

    fresh: dict[str, Any] = {**bundle, "selected": variant, "global": clone(bundle["global"]), "per_target": {}}
    fresh["global"].fit(stance_inputs(texts, targets), y)
    if variant != "global":
        for key, model in bundle.get("per_target", {}).items():
            idx = [i for i, t in enumerate(targets) if target_key(t) == key]
            if len(set(y[i] for i in idx)) >= 2:
                fresh["per_target"][key] = clone(model).fit(
                    stance_inputs([texts[i] for i in idx], [targets[i] for i in idx]), [y[i] for i in idx])
    return fresh


def oof_margins(bundle: dict[str, Any], texts: list[str], targets: list[str], y: list[str], groups: list[str],
                n_splits: int, variants: tuple[str, ...]) -> dict[str, np.ndarray] | None:
    """Out-of-fold decision values of each variant with the chosen hyper-parameters (one refit per fold serves
    all variants); None with fewer than 2 groups."""
    from sklearn.model_selection import GroupKFold

    n = min(n_splits, len(set(groups)))
    if n < 2:
        return None
    margins = {v: np.full((len(y), len(bundle["labels"])), np.nan) for v in variants}
    refit_as = "global" if variants == ("global",) else "ensemble"
    for train_idx, test_idx in GroupKFold(n_splits=n).split(texts, y, groups):
        tr = list(train_idx)
        fold = refit_bundle(bundle, refit_as, [texts[i] for i in tr], [targets[i] for i in tr], [y[i] for i in tr])
        held_texts, held_targets = [texts[i] for i in test_idx], [targets[i] for i in test_idx]
        for variant in variants:
            margins[variant][test_idx] = stance_margins(fold, held_texts, held_targets, variant)
    return margins


def train_stance(data_dir: str | Path, out_dir: str | Path, **kwargs: Any) -> StanceTrainResult:
    return train_stance_on(load_task(data_dir, "stance"), out_dir, **kwargs)


def train_stance_on(data: TaskData, out_dir: str | Path, *, variants: tuple[str, ...] = STANCE_VARIANTS,
                    param_grid: dict[str, list[Any]] | None = None, n_splits: int = 5, n_jobs: int = 1,
                    train_split: str = "train", dev_split: str = "dev", train_limit: float | None = None,
                    seed: int = 0, progress: Any = None) -> StanceTrainResult:
    """Search, fit and save. `variants`: which of global/per_target/ensemble to offer (the first listed is selected
    when only one is). `progress(message)` is called before each search."""
    from sklearn.metrics import f1_score

    from geostance.train.ner import subsample_articles

    unknown = [v for v in variants if v not in STANCE_VARIANTS]
    if unknown or not variants:
        raise GeostanceError(f"unknown stance variant(s) {unknown}; choose from {list(STANCE_VARIANTS)}")
    grid = param_grid or DEFAULT_GRID
    out_dir = Path(out_dir)
    train = data.split(train_split)
    if train_limit is not None:
        train = subsample_articles(train, train_limit, seed)
    labels = stance_label_names(train.features)
    texts, targets, y, groups = stance_rows(train)
    if len(set(y)) < 2:
        raise GeostanceError(f"{data.path}: split {train_split!r} has {len(y)} rows and fewer than 2 stance labels")
    say = progress or (lambda message: None)
    X = stance_inputs(texts, targets)
    started = time.monotonic()

    say(f"global model: {len(y)} rows, {len(set(groups))} articles, grid {grid}")
    global_search = search(X, y, groups, labels, "global", grid, n_splits, n_jobs)
    bundle: dict[str, Any] = {"selected": variants[0], "global": global_search.model, "per_target": {},
                              "labels": labels, "targets": sorted(set(targets))}
    searches: dict[str, Any] = {"global": global_search}
    per_target_notes: dict[str, str] = {}
    if "per_target" in variants or "ensemble" in variants:
        for target in sorted(set(targets)):
            idx = [i for i, t in enumerate(targets) if t == target]
            y_t = [y[i] for i in idx]
            if len(set(y_t)) < 2:
                per_target_notes[target] = f"{len(idx)} rows, one label only: served by the global model"
                continue
            say(f"per-target model {target!r}: {len(idx)} rows")
            result = search(X[idx], y_t, [groups[i] for i in idx], labels, "per_target", grid, n_splits, n_jobs)
            bundle["per_target"][target_key(target)] = result.model
            searches[f"per_target:{target}"] = result

    has_dev = data.has(dev_split)
    oof = None if has_dev else oof_margins(bundle, texts, targets, y, groups, n_splits, variants)
    scores: dict[str, dict[str, Any]] = {}
    check = "dev" if has_dev else ("out-of-fold on train" if oof is not None else "train (too few articles for folds)")
    if has_dev:
        d_texts, d_targets, d_y, _ = stance_rows(data.split(dev_split))
    for variant in variants:
        if has_dev:
            preds, gold = predict_stance(bundle, d_texts, d_targets, variant)[0], d_y
        elif oof is not None:
            preds, gold = decide(oof[variant], labels)[0], y
        else:
            preds, gold = predict_stance(bundle, texts, targets, variant)[0], y
        scores[variant] = {
            "checked_on": check,
            "f_avg": float(f1_score(gold, preds, labels=f_avg_labels(labels), average="macro", zero_division=0)),
            "macro_f1": float(f1_score(gold, preds, labels=labels, average="macro", zero_division=0)),
            "n": len(gold),
        }
    selected = max(variants, key=lambda v: (scores[v]["f_avg"], -variants.index(v)))
    bundle["selected"] = selected

    staging = staging_dir_for(out_dir)
    try:
        dump_stance_model(bundle, staging / MODEL_FILE)
        load_stance_model(staging / MODEL_FILE)  # the file we ship must pass our own trusted-type check
        meta = {
            "task": "stance",
            "model_file": MODEL_FILE,
            "format": "skops",
            "trusted_types": list(TRUSTED_TYPES),
            "dataset_fingerprint": data.fingerprint,
            "dataset_path": str(data.path.parent),
            "labels": labels,
            "targets": bundle["targets"],
            "selected": selected,
            "variants": list(variants),
            "selection_score": f"F_avg over {f_avg_labels(labels)} on {check}",
            "scores": scores,
            "search": {name: {"cv_score": s.cv_score, "best_params": s.best_params, "n_train": s.n_train,
                              "n_groups": s.n_groups, "note": s.note} for name, s in searches.items()},
            "param_grid": {k: [_plain(v) for v in vs] for k, vs in grid.items()},
            "cv": f"GroupKFold(n_splits<={n_splits}) by article_id on {train_split}",
            "per_target_fallbacks": per_target_notes,
            "train_split": train_split,
            "train_rows": len(y),
            "train_limit": train_limit,
            "versions": library_versions(),
            "train_seconds": round(time.monotonic() - started, 1),
        }
        atomic_write_json(staging / "meta.json", meta)
        replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return StanceTrainResult(out_dir=out_dir, selected=selected, labels=labels, scores=scores)


def load_stance_dir(model_dir: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(bundle, meta) of a directory written by train_stance."""
    import json

    model_dir = Path(model_dir)
    meta_path = model_dir / "meta.json"
    if not meta_path.is_file() or not (model_dir / MODEL_FILE).is_file():
        raise GeostanceError(f"{model_dir}: not a stance model directory (needs meta.json and {MODEL_FILE})")
    try:
        bundle = load_stance_model(model_dir / MODEL_FILE)
    except UntrustedModelError as exc:
        raise GeostanceError(str(exc)) from None
    return bundle, json.loads(meta_path.read_text(encoding="utf-8"))
