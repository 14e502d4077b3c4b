"""`geostance evaluate`: run models on a split of a built dataset, score them against baselines with bootstrap
CIs, plot, and write `metrics.json` + `report.md` (+ PNGs) into the output folder."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError
from geostance.evaluate import plots
from geostance.evaluate.ner import evaluate_ner
from geostance.evaluate.realnews import evaluate_realnews
from geostance.evaluate.report import render_report
from geostance.evaluate.stance import evaluate_stance
from geostance.fileio import atomic_write_json, atomic_write_text
from geostance.metrics import BOOTSTRAP_RESAMPLES, CONFIDENCE, MIN_ARTICLES_FOR_CLUSTER_BOOTSTRAP
from geostance.train.data import load_task, stance_rows

CURVE_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
METRICS_FILE = "metrics.json"
REPORT_FILE = "report.md"


@dataclass
class EvaluationResult:
    out_dir: Path
    metrics: dict[str, Any]
    files: list[Path] = field(default_factory=list)


def _training_of(info: dict[str, Any]) -> dict[str, Any]:
    """The base model and rehearsal a trained NER recorded in its meta, to retrain it the same way."""
    from geostance.train.rehearsal import Rehearsal

    base = info.get("base_model")
    rehearsal = info.get("rehearsal")
    return {
        "base_model": base.get("name") if isinstance(base, dict) else base,
        "rehearsal": Rehearsal(tuple(Path(p) for p in rehearsal["paths"]), rehearsal["ratio"]) if rehearsal else None,
    }


# Long on purpose: one loop over train fractions, retraining and scoring both tasks at each.
def learning_curve(
    data_dir: Path,
    split: str,
    *,
    ner_model: Path | None,
    stance_model: Path | None,
    fractions: tuple[float, ...],
    seed: int,
    progress: Callable | None = None,
) -> dict[str, Any]:
    """Retrain on growing shares of train articles (same hyper-parameters / config) and score on `split`."""
    import spacy

    from geostance.train.ner import subsample_articles, train_ner_on
    from geostance.train.stance import load_stance_dir, refit_bundle

    say = progress or (lambda message: None)
    curve: dict[str, Any] = {"fractions": list(fractions), "split": split}
    if ner_model is not None:
        data = load_task(data_dir, "ner")
        info = json.loads((ner_model / "meta.json").read_text(encoding="utf-8")).get("geostance", {})
        config = Path(info.get("config") or "")
        if not config.is_file():
            from geostance.train.cli import default_ner_config

            config = default_ner_config()
        scores, train_docs = [], []
        for fraction in fractions:
            say(f"learning curve: NER on {fraction:.0%} of train")
            with tempfile.TemporaryDirectory(prefix="geostance-curve-") as tmp:
                result = train_ner_on(
                    data,
                    Path(tmp) / "ner",
                    config,
                    overrides=info.get("overrides") or {},
                    train_limit=fraction,
                    seed=seed,
                    **_training_of(info),
                )
                nlp = spacy.load(Path(tmp) / "ner")
            s = evaluate_ner(nlp, data, split, resamples=200, seed=seed, baseline=False)
            scores.append(s["f1"])
            train_docs.append(result.train_docs)
        curve["ner_f1"] = scores
        curve["ner_train_docs"] = train_docs
    if stance_model is not None:
        data = load_task(data_dir, "stance")
        bundle, _ = load_stance_dir(stance_model)
        train = data.split("train")
        scores, rows, f_avgs = [], [], []
        for fraction in fractions:
            say(f"learning curve: stance on {fraction:.0%} of train")
            texts, targets, y, _ = stance_rows(subsample_articles(train, fraction, seed))
            rows.append(len(y))
            if len(set(y)) < 2:  # one label only: nothing to fit; the point is recorded as 0
                scores.append(0.0)
                f_avgs.append(0.0)
                continue
            fitted = refit_bundle(bundle, bundle["selected"], texts, targets, y)
            s = evaluate_stance(
                fitted, data, split, resamples=200, seed=seed, baseline=False, variants=(bundle["selected"],)
            )
            scores.append(s["macro_f1"])
            f_avgs.append(s["f_avg"])
        curve["stance_macro_f1"] = scores
        curve["stance_f_avg"] = f_avgs
        curve["stance_train_rows"] = rows
    return curve


@dataclass
class _Job:
    """What every part of one `evaluate` call shares; plots go to `staging` until the metrics are complete."""

    data_dir: Path
    split: str
    staging: Path
    resamples: int
    seed: int
    progress: Callable | None = None

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)


def _score_ner(job: _Job, ner_model: Path, realnews_data: Path | None, metrics: dict[str, Any]) -> None:
    import spacy

    data = load_task(job.data_dir, "ner")
    metrics["dataset_fingerprint"] = data.fingerprint
    job.say(f"NER: {ner_model} on {job.split} ({len(data.split(job.split))} docs)")
    try:
        nlp = spacy.load(ner_model)
    except OSError as exc:
        raise GeostanceError(f"{ner_model}: cannot load spaCy pipeline ({exc})") from None
    metrics["ner"] = {
        "model": str(ner_model),
        **evaluate_ner(nlp, data, job.split, resamples=job.resamples, seed=job.seed, progress=job.progress),
    }
    per_label = metrics["ner"]["per_label"]
    base_labels = (metrics["ner"]["baseline"] or {}).get("per_label", {})
    plots.per_label_f1_png(
        {k: v["f1"] for k, v in per_label.items()},
        {k: v["f1"] for k, v in base_labels.items()},
        f"NER F1 per label ({job.split})",
        job.staging / "ner_per_label.png",
    )
    if realnews_data is not None:
        job.say(f"NER on real news: {realnews_data}")
        metrics["realnews"] = evaluate_realnews(
            nlp, Path(realnews_data), resamples=job.resamples, seed=job.seed, progress=job.progress
        )


def _score_stance(job: _Job, stance_model: Path, metrics: dict[str, Any]) -> None:
    from geostance.train.stance import load_stance_dir

    data = load_task(job.data_dir, "stance")
    metrics.setdefault("dataset_fingerprint", data.fingerprint)
    job.say(f"stance: {stance_model} on {job.split} ({len(data.split(job.split))} rows)")
    bundle, _ = load_stance_dir(stance_model)
    metrics["stance"] = {
        "model": str(stance_model),
        **evaluate_stance(bundle, data, job.split, resamples=job.resamples, seed=job.seed),
    }
    cm = metrics["stance"]["confusion_matrix"]
    plots.confusion_matrix_png(
        cm["matrix"],
        cm["labels"],
        f"Stance ({metrics['stance']['variant']}, {job.split})",
        job.staging / "stance_confusion.png",
    )


def _score_curve(
    job: _Job, ner_model: Path | None, stance_model: Path | None, fractions: tuple[float, ...], metrics: dict[str, Any]
) -> None:
    lc = learning_curve(
        job.data_dir,
        job.split,
        ner_model=ner_model,
        stance_model=stance_model,
        fractions=fractions,
        seed=job.seed,
        progress=job.progress,
    )
    metrics["learning_curve"] = lc
    series = {
        name: lc[key]
        for key, name in (
            ("ner_f1", "NER F1"),
            ("stance_macro_f1", "stance macro-F1"),
            ("stance_f_avg", "stance F_avg"),
        )
        if key in lc
    }
    plots.learning_curve_png(lc["fractions"], series, job.staging / "learning_curve.png")


def _publish(metrics: dict[str, Any], staging: Path, out_dir: Path) -> list[Path]:
    """Plots, metrics.json and report.md into `out_dir`; other files there are left alone."""
    metrics["plots"] = sorted(p.name for p in staging.glob("*.png"))
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for png in sorted(staging.glob("*.png")):
        target = out_dir / png.name
        shutil.copyfile(png, target)
        files.append(target)
    # a stale plot from an earlier run with other options would be embedded by nothing but still mislead
    for old in ("ner_per_label.png", "stance_confusion.png", "learning_curve.png"):
        if old not in metrics["plots"]:
            (out_dir / old).unlink(missing_ok=True)
    atomic_write_json(out_dir / METRICS_FILE, metrics)
    atomic_write_text(out_dir / REPORT_FILE, render_report(metrics))
    return files + [out_dir / METRICS_FILE, out_dir / REPORT_FILE]


def evaluate(
    data_dir: str | Path,
    out_dir: str | Path,
    *,
    ner_model: str | Path | None = None,
    stance_model: str | Path | None = None,
    split: str = "test",
    curve: bool = False,
    curve_fractions: tuple[float, ...] = CURVE_FRACTIONS,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
    realnews_data: Path | None = None,
    progress: Callable | None = None,
) -> EvaluationResult:
    """Evaluate the given model(s) on `split`; write metrics.json, report.md and the plots into `out_dir`.
    With `realnews_data` (a folder holding conll2003/eng.testb), the NER is also scored on that real news."""
    if ner_model is None and stance_model is None:
        raise GeostanceError("nothing to evaluate: give --ner-model and/or --stance-model")
    ner_path = Path(ner_model) if ner_model is not None else None
    stance_path = Path(stance_model) if stance_model is not None else None
    metrics: dict[str, Any] = {
        "split": split,
        "dataset": str(Path(data_dir)),
        "bootstrap": {
            "resamples": resamples,
            "confidence": CONFIDENCE,
            "seed": seed,
            "unit": f"article when a split has >= {MIN_ARTICLES_FOR_CLUSTER_BOOTSTRAP} articles, "
            "else unit (see ner.bootstrap_unit, stance.bootstrap_unit)",
        },
    }
    staging = Path(tempfile.mkdtemp(prefix="geostance-eval-"))
    try:
        job = _Job(Path(data_dir), split, staging, resamples, seed, progress)
        if ner_path is not None:
            _score_ner(job, ner_path, realnews_data, metrics)
        if stance_path is not None:
            _score_stance(job, stance_path, metrics)
        if curve:
            _score_curve(job, ner_path, stance_path, curve_fractions, metrics)
        files = _publish(metrics, staging, Path(out_dir))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return EvaluationResult(out_dir=Path(out_dir), metrics=metrics, files=files)
