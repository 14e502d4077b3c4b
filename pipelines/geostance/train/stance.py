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
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geostance.errors import GeostanceError
from geostance.fileio import atomic_write_json, staged_dir
from geostance.runtime.stance_component import (
    MODEL_FILE,
    STANCE_VARIANTS,
    TRUSTED_TYPES,
    UntrustedModelError,
    decide,
    dump_stance_model,
    load_stance_model,
    predict_stance,
    stance_inputs,
    stance_margins,
    target_key,
)
from geostance.train.data import TaskData, load_task, stance_label_names, stance_rows
from geostance.train.versions import library_versions

SEMEVAL_LABELS = ("FAVOR", "AGAINST")
# A target gets a model of its own with at least this many training rows, two labels having MIN_ROWS_PER_LABEL
# each; every other target is served by the global model (which always trains on all rows).
MIN_ROWS_PER_TARGET = 20
MIN_ROWS_PER_LABEL = 5

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
    return Pipeline(
        [
            ("features", ColumnTransformer(transformers, sparse_threshold=1.0)),
            ("clf", LinearSVC(dual="auto", max_iter=5000)),
        ]
    )


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


@dataclass(frozen=True)
class FAvgScorer:
    """The search's scorer: F_avg (macro F1 over the labels it names) of an estimator's predictions.

    A plain callable rather than `make_scorer(f1_score, ...)`: sklearn passes such a scorer f1_score's default
    `pos_label=1` whenever the data holds two classes, which fails for string labels ("pos_label=1 is not a valid
    label"); a target with only two of the three labels crashed the search."""

    labels: tuple[str, ...]

    def __call__(self, estimator: Any, X: Any, y: Any) -> float:
        from sklearn.metrics import f1_score

        return float(f1_score(y, estimator.predict(X), labels=list(self.labels), average="macro", zero_division=0))


def _scorer(labels: list[str]) -> FAvgScorer:
    return FAvgScorer(tuple(f_avg_labels(labels)))


def own_model_problem(y: list[str]) -> str | None:
    """Why a target's rows are too few for a model of its own (None when they are enough).

    Users bring open-ended targets (hundreds, most with a handful of rows); a model per target needs enough rows,
    and at least two labels with several rows each, to learn anything the global model does not."""
    counts = Counter(y)
    enough = [label for label, n in counts.items() if n >= MIN_ROWS_PER_LABEL]
    if len(y) < MIN_ROWS_PER_TARGET:
        return f"{len(y)} rows (fewer than {MIN_ROWS_PER_TARGET})"
    if len(enough) < 2:
        return f"fewer than two labels with {MIN_ROWS_PER_LABEL}+ rows ({dict(sorted(counts.items()))})"
    return None


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def search(
    X: np.ndarray,
    y: list[str],
    groups: list[str],
    labels: list[str],
    variant: str,
    param_grid: dict[str, list[Any]],
    n_splits: int,
    n_jobs: int,
) -> SearchResult:
    """Grid search by GroupKFold on (X, y); refit on all of it. With fewer than 2 groups: fit the defaults.

    A per-target search may meet a fold whose training part holds one label (a target's rows of one label can
    all come from one article): such a fold scores NaN instead of stopping training, and the note says so."""
    from sklearn.model_selection import GridSearchCV, GroupKFold

    pipe = build_pipeline(variant)
    n_groups = len(set(groups))
    if n_groups < 2 or len(set(y)) < 2:
        pipe.fit(X, y)
        return SearchResult(pipe, None, {}, len(y), n_groups, note="too few articles or classes to search; defaults")
    cache = tempfile.mkdtemp(prefix="geostance-stance-cache-")
    try:
        pipe.set_params(memory=cache)  # features are computed once per fold, not once per C value
        grid = GridSearchCV(
            pipe,
            param_grid,
            scoring=_scorer(labels),
            cv=GroupKFold(n_splits=min(n_splits, n_groups)),
            n_jobs=n_jobs,
            refit=True,
            error_score="raise" if variant == "global" else np.nan,
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*(test scores are non-finite|fits failed).*")
            grid.fit(X, y, groups=groups)
        model = grid.best_estimator_
        model.set_params(memory=None)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    score = float(grid.best_score_)
    if not np.isfinite(score):
        return SearchResult(
            model,
            None,
            {k: _plain(v) for k, v in grid.best_params_.items()},
            len(y),
            n_groups,
            note="a fold's training part held one label; parameters not compared",
        )
    return SearchResult(model, score, {k: _plain(v) for k, v in grid.best_params_.items()}, len(y), n_groups)


def refit_bundle(
    bundle: dict[str, Any], variant: str, texts: list[str], targets: list[str], y: list[str]
) -> dict[str, Any]:
    """Refit a bundle's chosen hyper-parameters on other data (folds, learning-curve subsets): no new search."""
    from sklearn.base import clone

    fresh: dict[str, Any] = {**bundle, "selected": variant, "global": clone(bundle["global"]), "per_target": {}}
    fresh["global"].fit(stance_inputs(texts, targets), y)
    if variant != "global":
        for key, model in bundle.get("per_target", {}).items():
            idx = [i for i, t in enumerate(targets) if target_key(t) == key]
            if len(set(y[i] for i in idx)) >= 2:
                fresh["per_target"][key] = clone(model).fit(
                    stance_inputs([texts[i] for i in idx], [targets[i] for i in idx]), [y[i] for i in idx]
                )
    return fresh


def oof_margins(
    bundle: dict[str, Any],
    texts: list[str],
    targets: list[str],
    y: list[str],
    groups: list[str],
    n_splits: int,
    variants: tuple[str, ...],
) -> dict[str, np.ndarray] | None:
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


def _rows_by_model_key(targets: list[str]) -> dict[str, list[int]]:
    """Row indices per per-target model key. Prediction picks a target's model by `target_key`, so targets that
    share a key ("U.S." and "u s") share one model rather than overwrite each other's."""
    rows: dict[str, list[int]] = {}
    for i, target in enumerate(targets):
        rows.setdefault(target_key(target), []).append(i)
    return rows


def _train_per_target(
    bundle: dict[str, Any],
    searches: dict[str, Any],
    X: np.ndarray,
    y: list[str],
    targets: list[str],
    groups: list[str],
    labels: list[str],
    grid: dict[str, list[Any]],
    n_splits: int,
    n_jobs: int,
    say: Any,
) -> dict[str, str]:
    """Search a model for each target with enough rows into `bundle["per_target"]`; return why the others are
    served by the global model."""
    fallbacks: dict[str, str] = {}
    for key, idx in sorted(_rows_by_model_key(targets).items()):
        name = " | ".join(sorted({targets[i] for i in idx}))
        y_t = [y[i] for i in idx]
        problem = own_model_problem(y_t)
        if problem:
            fallbacks[name] = f"{problem}: served by the global model"
            continue
        say(f"per-target model {name!r}: {len(idx)} rows")
        result = search(X[idx], y_t, [groups[i] for i in idx], labels, "per_target", grid, n_splits, n_jobs)
        bundle["per_target"][key] = result.model
        searches[f"per_target:{name}"] = result
    own = len(bundle["per_target"])
    say(
        f"{own} of {own + len(fallbacks)} target(s) got a model of their own; the others are served by the global "
        f"model (meta.json: per_target_models, per_target_fallbacks)"
    )
    return fallbacks


def train_stance(data_dir: str | Path, out_dir: str | Path, **kwargs: Any) -> StanceTrainResult:
    return train_stance_on(load_task(data_dir, "stance"), out_dir, **kwargs)


# Long on purpose: a one-keyword-per-line signature around one search → score → save sequence.
def train_stance_on(
    data: TaskData,
    out_dir: str | Path,
    *,
    variants: tuple[str, ...] = STANCE_VARIANTS,
    param_grid: dict[str, list[Any]] | None = None,
    n_splits: int = 5,
    n_jobs: int = 1,
    train_split: str = "train",
    dev_split: str = "dev",
    train_limit: float | None = None,
    seed: int = 0,
    progress: Any = None,
) -> StanceTrainResult:
    """Search, fit and save. `variants`: which of global/per_target/ensemble to offer (the first listed is selected
    when only one is). `progress(message)` is called before each search."""
    from geostance.train.ner import subsample_articles

    _check_variants(variants)
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
    bundle: dict[str, Any] = {
        "selected": variants[0],
        "global": global_search.model,
        "per_target": {},
        "labels": labels,
        "targets": sorted(set(targets)),
    }
    searches: dict[str, Any] = {"global": global_search}
    per_target_notes: dict[str, str] = {}
    if "per_target" in variants or "ensemble" in variants:
        per_target_notes = _train_per_target(
            bundle, searches, X, y, targets, groups, labels, grid, n_splits, n_jobs, say
        )

    scores, check = _score_variants(bundle, variants, data, dev_split, (texts, targets, y, groups), n_splits)
    selected = max(variants, key=lambda v: (scores[v]["f_avg"], -variants.index(v)))
    bundle["selected"] = selected

    with staged_dir(out_dir) as staging:
        dump_stance_model(bundle, staging / MODEL_FILE)
        load_stance_model(staging / MODEL_FILE)  # the file we ship must pass our own trusted-type check
        meta = {
            **_model_meta(data, bundle, variants, check, scores),
            **_search_meta(searches, grid, n_splits, train_split, per_target_notes),
            "train_rows": len(y),
            "train_limit": train_limit,
            "versions": library_versions(),
            "train_seconds": round(time.monotonic() - started, 1),
        }
        atomic_write_json(staging / "meta.json", meta)
    return StanceTrainResult(out_dir=out_dir, selected=selected, labels=labels, scores=scores)


def _model_meta(
    data: TaskData, bundle: dict[str, Any], variants: tuple[str, ...], check: str, scores: dict[str, Any]
) -> dict[str, Any]:
    """What the model file is, what it was trained on and how its variant was chosen, for meta.json."""
    return {
        "task": "stance",
        "model_file": MODEL_FILE,
        "format": "skops",
        "trusted_types": list(TRUSTED_TYPES),
        "dataset_fingerprint": data.fingerprint,
        "dataset_path": str(data.path.parent),
        "labels": bundle["labels"],
        "targets": bundle["targets"],
        "selected": bundle["selected"],
        "variants": list(variants),
        "selection_score": f"F_avg over {f_avg_labels(bundle['labels'])} on {check}",
        "scores": scores,
    }


def _check_variants(variants: tuple[str, ...]) -> None:
    unknown = [v for v in variants if v not in STANCE_VARIANTS]
    if unknown or not variants:
        raise GeostanceError(f"unknown stance variant(s) {unknown}; choose from {list(STANCE_VARIANTS)}")


def _score_variants(
    bundle: dict[str, Any],
    variants: tuple[str, ...],
    data: TaskData,
    dev_split: str,
    rows: tuple[list[str], list[str], list[str], list[str]],
    n_splits: int,
) -> tuple[dict[str, dict[str, Any]], str]:
    """Score each variant on dev; without a dev split, out of fold on train (or on train itself when there are
    too few articles for folds). Returns the scores and what they were checked on."""
    from sklearn.metrics import f1_score

    texts, targets, y, groups = rows
    labels = bundle["labels"]
    has_dev = data.has(dev_split)
    oof = None if has_dev else oof_margins(bundle, texts, targets, y, groups, n_splits, variants)
    check = "dev" if has_dev else ("out-of-fold on train" if oof is not None else "train (too few articles for folds)")
    if has_dev:
        d_texts, d_targets, d_y, _ = stance_rows(data.split(dev_split))
    scores: dict[str, dict[str, Any]] = {}
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
    return scores, check


def _search_meta(
    searches: dict[str, Any],
    grid: dict[str, list[Any]],
    n_splits: int,
    train_split: str,
    per_target_notes: dict[str, str],
) -> dict[str, Any]:
    """What the hyper-parameter searches tried and chose, for meta.json."""
    return {
        "search": {
            name: {
                "cv_score": s.cv_score,
                "best_params": s.best_params,
                "n_train": s.n_train,
                "n_groups": s.n_groups,
                "note": s.note,
            }
            for name, s in searches.items()
        },
        "param_grid": {k: [_plain(v) for v in vs] for k, vs in grid.items()},
        "cv": f"GroupKFold(n_splits<={n_splits}) by article_id on {train_split}",
        "per_target_models": sorted(
            name.removeprefix("per_target:") for name in searches if name.startswith("per_target:")
        ),
        "per_target_fallbacks": per_target_notes,
        "per_target_minimum": {"rows": MIN_ROWS_PER_TARGET, "labels_with_rows": [2, MIN_ROWS_PER_LABEL]},
        "train_split": train_split,
    }


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
