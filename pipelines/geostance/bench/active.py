"""Active-learning bench: how many labels the annotation queue's strategy saves over random batches.

Gold labels stand in for annotators. Each run starts from a random seed set of annotation units, then adds
batches chosen either by the queue's strategy (`geostance.selection`: margin uncertainty of the stance model,
at most `per_group` units from one article) or at random, refits, and scores a fixed test set. Several seeds;
the same seed gives both strategies the same seed set. A unit is what an annotator labels at once: a tweet
(SemEval) or a paragraph with all the targets it addresses (the corpus).

The model is the stance trainer's named-step Pipeline (`build_pipeline("global")`) with fixed hyper-parameters,
so the curves compare data, not searches; the full-data score uses the same settings.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geostance.selection import margin_uncertainty, pick_batch

STRATEGIES = ("queue", "random")
MODEL_PARAMS = {"clf__C": 0.3, "clf__class_weight": "balanced"}


@dataclass(frozen=True)
class ActiveSettings:
    seed_size: int = 100
    batch_size: int = 100
    rounds: int = 12
    seeds: tuple[int, ...] = (0, 1, 2)
    per_group: int = 3
    explore: float = 0.0  # share of each queue batch drawn at random (exploration against sampling bias)
    goal_share: float = 0.95  # "reached" = this share of the full-data score


@dataclass(frozen=True)
class StanceRows:
    """Stance rows, one per (text, target), grouped into annotation units."""

    texts: list[str]
    targets: list[str]
    labels: list[str]
    groups: list[str]  # article (or tweet) id of each row

    def units(self) -> list[list[int]]:
        """Row indices of each unit: rows with the same group and text, in first-seen order."""
        index: dict[tuple[str, str], list[int]] = {}
        for i, key in enumerate(zip(self.groups, self.texts, strict=True)):
            index.setdefault(key, []).append(i)
        return list(index.values())


def _fit(rows: StanceRows, idx: Sequence[int]) -> Any:
    from geostance.runtime.stance_component import stance_inputs
    from geostance.train.stance import build_pipeline

    model = build_pipeline("global").set_params(**MODEL_PARAMS)
    return model.fit(
        stance_inputs([rows.texts[i] for i in idx], [rows.targets[i] for i in idx]), [rows.labels[i] for i in idx]
    )


def _f_avg(model: Any, test: StanceRows) -> float:
    from geostance.metrics import f_avg
    from geostance.runtime.stance_component import stance_inputs

    return f_avg(test.labels, list(model.predict(stance_inputs(test.texts, test.targets))))


def _unit_uncertainty(model: Any, rows: StanceRows, units: list[list[int]], candidates: list[int]) -> list[float]:
    """A unit's uncertainty: that of its least certain (text, target) row."""
    from geostance.runtime.stance_component import stance_inputs

    flat = [i for u in candidates for i in units[u]]
    margins = margin_uncertainty(
        model.decision_function(stance_inputs([rows.texts[i] for i in flat], [rows.targets[i] for i in flat]))
    )
    by_row = dict(zip(flat, margins, strict=True))
    return [max(by_row[i] for i in units[u]) for u in candidates]


def _next_batch(
    strategy: str,
    model: Any,
    rows: StanceRows,
    units: list[list[int]],
    pool: list[int],
    size: int,
    per_group: int,
    explore: float,
    rng: random.Random,
) -> list[int]:
    if strategy == "random":
        return rng.sample(pool, min(size, len(pool)))
    uncertainty = _unit_uncertainty(model, rows, units, pool)
    picked = [pool[k] for k in pick_batch(uncertainty, [rows.groups[units[u][0]] for u in pool], size, per_group)]
    n_random = round(explore * len(picked))
    if n_random:
        kept = picked[: len(picked) - n_random]
        rest = [u for u in pool if u not in set(kept)]
        picked = kept + rng.sample(rest, min(n_random, len(rest)))
    return picked


def learning_curve(
    rows: StanceRows, test: StanceRows, strategy: str, seed: int, settings: ActiveSettings
) -> list[tuple[int, float]]:
    """(labelled rows, test F_avg) after the seed set and after each batch."""
    units = rows.units()
    rng = random.Random(seed)
    order = list(range(len(units)))
    rng.shuffle(order)
    chosen, pool = order[: settings.seed_size], order[settings.seed_size :]
    curve = []
    for _ in range(settings.rounds + 1):
        labelled = [i for u in chosen for i in units[u]]
        model = _fit(rows, labelled)
        curve.append((len(labelled), _f_avg(model, test)))
        if not pool:
            break
        batch = _next_batch(
            strategy, model, rows, units, pool, settings.batch_size, settings.per_group, settings.explore, rng
        )
        chosen += batch
        taken = set(batch)
        pool = [u for u in pool if u not in taken]
    return curve


def labels_to_reach(curve: Sequence[tuple[int, float]], goal: float, *, sustained: bool = True) -> int | None:
    """Labelled rows at the first point of the curve from which it stays at or above `goal` to the end of the run
    (`sustained`: when a team could stop annotating), or that first touches it; None if it never does."""
    if not sustained:
        return next((n for n, score in curve if score >= goal), None)
    reached = None
    for n, score in curve:
        if score < goal:
            reached = None
        elif reached is None:
            reached = n
    return reached


def run_active_stance(
    rows: StanceRows, test: StanceRows, settings: ActiveSettings, say: Callable[[str], None] = lambda m: None
) -> dict[str, Any]:
    """Curves for both strategies over every seed, and the labels each needs to reach the goal."""
    full = _f_avg(_fit(rows, range(len(rows.labels))), test)
    goal = settings.goal_share * full
    say(f"full data: {len(rows.labels)} rows, F_avg {full:.4f}; goal {goal:.4f}")
    curves: dict[str, dict[int, list[tuple[int, float]]]] = {s: {} for s in STRATEGIES}
    for seed in settings.seeds:
        for strategy in STRATEGIES:
            curves[strategy][seed] = learning_curve(rows, test, strategy, seed, settings)
            say(f"seed {seed} {strategy}: reached at {labels_to_reach(curves[strategy][seed], goal)}")
    return {
        "full_data_f_avg": full,
        "goal": goal,
        "settings": settings.__dict__ | {"seeds": list(settings.seeds)},
        "n_pool_rows": len(rows.labels),
        "n_test_rows": len(test.labels),
        "curves": {s: {str(seed): c for seed, c in by_seed.items()} for s, by_seed in curves.items()},
        **_savings(curves, goal),
    }


def _savings(curves: dict[str, dict[int, list[tuple[int, float]]]], goal: float) -> dict[str, Any]:
    """Labels needed per strategy (mean and spread over seeds; a run that never reaches the goal counts as its
    last point, flagged) and the share the queue saves."""
    needed: dict[str, Any] = {}
    for strategy, by_seed in curves.items():
        reached = {seed: labels_to_reach(c, goal) for seed, c in by_seed.items()}
        counts = [n if n is not None else by_seed[seed][-1][0] for seed, n in reached.items()]
        first = [labels_to_reach(c, goal, sustained=False) for c in by_seed.values()]
        needed[strategy] = {
            "per_seed": {str(s): n for s, n in reached.items()},
            "mean": float(np.mean(counts)),
            "min": min(counts),
            "max": max(counts),
            "std": float(np.std(counts)),
            "all_reached": all(n is not None for n in reached.values()),
            "first_touch_per_seed": first,
            "mean_score": float(np.mean([score for c in by_seed.values() for _, score in c])),
        }
    saving = 1.0 - needed["queue"]["mean"] / needed["random"]["mean"]
    return {"labels_needed": needed, "queue_saving": saving}


# ---------------------------------------------------------------- the bench part

# Curves run until the pool is used up, so every run ends at the full-data score and "never reached" cannot
# happen. SemEval's cap of 20 per target in a batch of 100 (five targets) was chosen on a dev split of train:
# 37% fewer labels there, against 13% more with no cap.
SEMEVAL_SETTINGS = ActiveSettings(seed_size=100, batch_size=100, rounds=28, per_group=20)
CORPUS_SETTINGS = ActiveSettings(seed_size=40, batch_size=40, rounds=40, per_group=3)


def _rows_of(split: Any, group_by_target: bool = False) -> StanceRows:
    from geostance.train.data import stance_rows

    texts, targets, labels, groups = stance_rows(split)
    return StanceRows(texts, targets, labels, list(targets) if group_by_target else groups)


def semeval_rows(data_dir: Path, work_dir: Path, progress: bool) -> tuple[StanceRows, StanceRows]:
    """SemEval-2016 Task A train (+ trial) as the pool and test A as the fixed test set. A tweet has no article, so
    the diversity guard groups by target instead: no target fills more than its share of a batch (chosen on a
    dev split of train, see BENCHMARKS.md)."""
    from geostance.bench.stance import build_semeval_dataset
    from geostance.train.data import load_task

    build_semeval_dataset(data_dir, work_dir / "semeval-dataset", progress)
    data = load_task(work_dir / "semeval-dataset", "stance")
    return _rows_of(data.split("train"), True), _rows_of(data.split("test"), True)


def corpus_rows(dataset: Path) -> tuple[StanceRows, StanceRows]:
    """The built corpus: train split as the pool, test split as the fixed test set; units grouped by article."""
    from geostance.train.data import load_task

    data = load_task(dataset, "stance")
    return _rows_of(data.split("train")), _rows_of(data.split("test"))


def run_active_bench(
    data_dir: Path, dataset: Path, out_dir: Path, say: Callable[[str], None], progress: bool = True
) -> tuple[dict[str, Any], list[str]]:
    """Both runs (SemEval-2016, the corpus's stance), their plots in `out_dir`, and one line each."""
    from geostance.evaluate.plots import learning_curves_png

    work_dir = out_dir / "work" / "active_learning"
    value: dict[str, Any] = {}
    for name, (pool, test), settings in (
        ("semeval2016", semeval_rows(data_dir, work_dir, progress), SEMEVAL_SETTINGS),
        ("corpus_stance", corpus_rows(dataset), CORPUS_SETTINGS),
    ):
        say(f"active learning on {name}: {len(pool.labels)} pool rows, {len(test.labels)} test rows")
        value[name] = run_active_stance(pool, test, settings, say=say)
        plot = learning_curves_png(
            value[name]["curves"],
            value[name]["goal"],
            f"{name}: test F_avg by labelled rows",
            out_dir / f"active_learning_{name}.png",
        )
        value[name]["plot"] = plot.name
    lines = [
        f"active learning {name}: queue needs {v['labels_needed']['queue']['mean']:.0f} labelled rows to reach "
        f"95% of full-data F_avg, random {v['labels_needed']['random']['mean']:.0f} "
        f"({100 * v['queue_saving']:.0f}% fewer)"
        for name, v in value.items()
    ]
    return value, lines
