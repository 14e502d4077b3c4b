"""`geostance evaluate`: run models on a split of a built dataset, score them against baselines with bootstrap
CIs, plot, and write `metrics.json` + `report.md` (+ PNGs) into the output folder."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError
from geostance.evaluate import metrics as M
from geostance.evaluate import plots
from geostance.evaluate.report import render_report
from geostance.fileio import atomic_write_json, atomic_write_text
from geostance.train.data import TaskData, entity_label_names, load_task, row_spans, stance_rows

CURVE_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
# Resampling whole articles needs enough of them; below this the bootstrap resamples units instead (and says so).
MIN_ARTICLES_FOR_CLUSTER_BOOTSTRAP = 10


def bootstrap_groups(article_ids: list[str], row_ids: list[str]) -> tuple[list[str], str]:
    """Clusters for the bootstrap: articles when there are enough, else single rows; plus a note saying which."""
    n_articles = len(set(article_ids))
    if n_articles >= MIN_ARTICLES_FOR_CLUSTER_BOOTSTRAP:
        return article_ids, f"article ({n_articles} articles)"
    return row_ids, (f"unit (only {n_articles} article(s) in the split, too few to resample articles; "
                     "units of one article are correlated, so these intervals are too narrow)")
METRICS_FILE = "metrics.json"
REPORT_FILE = "report.md"


@dataclass
class EvaluationResult:
    out_dir: Path
    metrics: dict[str, Any]
    files: list[Path] = field(default_factory=list)


def ner_predictions(nlp: Any, texts: Sequence[str], progress: Callable | None = None) -> list[list[M.Span]]:
    """Entity spans of the pipeline as a user runs it; its stance component, if any, is switched off."""
    from tqdm import tqdm

    from geostance.pipes import stance_pipes

    # the NER pipeline as shipped (entity consistency included); stance is scored separately
    docs = nlp.pipe(texts, batch_size=64, disable=stance_pipes(nlp))
    if progress is not None:
        docs = tqdm(docs, total=len(texts), desc="NER", unit="doc", leave=False)
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs]


def ner_gold(data: TaskData, split: str) -> tuple[list[str], list[list[M.Span]], list[str]]:
    rows = data.split(split)
    names = entity_label_names(rows.features)
    return list(rows["text"]), [row_spans(r, names) for r in rows], list(rows["article_id"])


def evaluate_ner(nlp: Any, data: TaskData, split: str, *, resamples: int, seed: int,
                 progress: Callable | None = None, baseline: bool = True) -> dict[str, Any]:
    texts, gold, articles = ner_gold(data, split)
    groups, unit = bootstrap_groups(articles, list(data.split(split)["id"]))
    pred = ner_predictions(nlp, texts, progress)
    scores = M.span_scores(gold, pred, groups, resamples=resamples, seed=seed).as_dict()
    scores["bootstrap_unit"] = unit
    if baseline and not data.has("train"):
        scores["baseline"] = None  # the baseline learns its lexicon from train; this dataset has none
    elif baseline:
        train_texts, train_gold, _ = ner_gold(data, "train")
        lookup = M.LookupNer(train_texts, train_gold)
        base = M.span_scores(gold, [lookup(t) for t in texts], groups, resamples=resamples, seed=seed).as_dict()
        scores["baseline_f1"] = base["f1"]
        scores["baseline_f1_ci"] = base["f1_ci"]
        scores["baseline"] = {"name": "lookup: each train entity string tagged with its most frequent train label",
                              "lexicon_size": len(lookup.lexicon), **base}
    return scores


def _stance_block(gold: list[str], pred: list[str], targets: list[str], groups: list[str], labels: list[str],
                  f_avg_labels: list[str], resamples: int, seed: int) -> dict[str, Any]:
    result = M.classification_scores(gold, pred, labels, f_avg_labels, groups, resamples=resamples, seed=seed)
    per_target = {}
    for target in sorted(set(targets)):
        idx = [i for i, t in enumerate(targets) if t == target]
        sub = M.classification_scores([gold[i] for i in idx], [pred[i] for i in idx], labels, f_avg_labels,
                                      [groups[i] for i in idx], resamples=resamples, seed=seed)
        per_target[target] = {k: sub[k] for k in ("n", "macro_f1", "macro_f1_ci", "f_avg", "f_avg_ci",
                                                  "accuracy", "per_class")}
    result["per_target"] = per_target
    return result


def evaluate_stance(bundle: dict[str, Any], data: TaskData, split: str, *, resamples: int, seed: int,
                    baseline: bool = True, variants: tuple[str, ...] | None = None) -> dict[str, Any]:
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
    result = {"variant": selected, "labels": labels, "f_avg_labels": avg, "bootstrap_unit": unit,
              **by_variant[selected]}
    result["variants"] = {v: {k: b[k] for k in ("macro_f1", "macro_f1_ci", "f_avg", "f_avg_ci", "accuracy")}
                          | {"per_target": {t: {"f_avg": s["f_avg"], "macro_f1": s["macro_f1"]}
                                            for t, s in b["per_target"].items()}}
                          for v, b in by_variant.items()}
    if baseline and not data.has("train"):
        result["baseline"] = None  # majority classes come from train; this dataset has none
    elif baseline:
        train_texts, train_targets, train_gold, _ = stance_rows(data.split("train"))
        majority = M.majority_per_target(train_targets, train_gold)
        base_pred = [majority.get(t, majority[""]) for t in targets]
        base = _stance_block(gold, base_pred, targets, groups, labels, avg, resamples, seed)
        result["baseline_macro_f1"] = base["macro_f1"]
        result["baseline_macro_f1_ci"] = base["macro_f1_ci"]
        result["baseline_f_avg"] = base["f_avg"]
        result["baseline_f_avg_ci"] = base["f_avg_ci"]
        result["baseline"] = {"name": "majority class per target (from train)", "labels": majority,
                              **{k: base[k] for k in ("macro_f1", "f_avg", "accuracy", "per_class")}}
        for target, scores in result["per_target"].items():
            scores["baseline_macro_f1"] = base["per_target"][target]["macro_f1"]
            scores["baseline_f_avg"] = base["per_target"][target]["f_avg"]
    return result


def _training_of(info: dict[str, Any]) -> dict[str, Any]:
    """The base model and rehearsal a trained NER recorded in its meta, to retrain it the same way."""
    from geostance.train.rehearsal import Rehearsal

    base = info.get("base_model")
    rehearsal = info.get("rehearsal")
    return {"base_model": base.get("name") if isinstance(base, dict) else base,
            "rehearsal": Rehearsal(tuple(Path(p) for p in rehearsal["paths"]), rehearsal["ratio"])
            if rehearsal else None}


def learning_curve(data_dir: Path, split: str, *, ner_model: Path | None, stance_model: Path | None,
                   fractions: tuple[float, ...], seed: int, progress: Callable | None = None) -> dict[str, Any]:
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
                result = train_ner_on(data, Path(tmp) / "ner", config, overrides=info.get("overrides") or {},
                                      train_limit=fraction, seed=seed, **_training_of(info))
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
            s = evaluate_stance(fitted, data, split, resamples=200, seed=seed, baseline=False,
                                variants=(bundle["selected"],))
            scores.append(s["macro_f1"])
            f_avgs.append(s["f_avg"])
        curve["stance_macro_f1"] = scores
        curve["stance_f_avg"] = f_avgs
        curve["stance_train_rows"] = rows
    return curve


def evaluate(data_dir: str | Path, out_dir: str | Path, *, ner_model: str | Path | None = None,
             stance_model: str | Path | None = None, split: str = "test", curve: bool = False,
             curve_fractions: tuple[float, ...] = CURVE_FRACTIONS, resamples: int = M.BOOTSTRAP_RESAMPLES,
             seed: int = 0, realnews_data: Path | None = None, progress: Callable | None = None) -> EvaluationResult:
    """Evaluate the given model(s) on `split`; write metrics.json, report.md and the plots into `out_dir`.
    With `realnews_data` (a folder holding conll2003/eng.testb), the NER is also scored on that real news."""
    import spacy

    from geostance.train.stance import load_stance_dir

    if ner_model is None and stance_model is None:
        raise GeostanceError("nothing to evaluate: give --ner-model and/or --stance-model")
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    say = progress or (lambda message: None)
    metrics: dict[str, Any] = {
        "split": split, "dataset": str(data_dir),
        "bootstrap": {"resamples": resamples, "confidence": M.CONFIDENCE, "seed": seed,
                      "unit": f"article when a split has >= {MIN_ARTICLES_FOR_CLUSTER_BOOTSTRAP} articles, "
                              "else unit (see ner.bootstrap_unit, stance.bootstrap_unit)"},
    }
    staging = Path(tempfile.mkdtemp(prefix="geostance-eval-"))
    try:
        if ner_model is not None:
            ner_model = Path(ner_model)
            data = load_task(data_dir, "ner")
            metrics["dataset_fingerprint"] = data.fingerprint
            say(f"NER: {ner_model} on {split} ({len(data.split(split))} docs)")
            try:
                nlp = spacy.load(ner_model)
            except OSError as exc:
                raise GeostanceError(f"{ner_model}: cannot load spaCy pipeline ({exc})") from None
            metrics["ner"] = {"model": str(ner_model), **evaluate_ner(nlp, data, split, resamples=resamples,
                                                                      seed=seed, progress=progress)}
            per_label = metrics["ner"]["per_label"]
            base_labels = (metrics["ner"]["baseline"] or {}).get("per_label", {})
            plots.per_label_f1_png({k: v["f1"] for k, v in per_label.items()},
                                   {k: v["f1"] for k, v in base_labels.items()},
                                   f"NER F1 per label ({split})", staging / "ner_per_label.png")
            if realnews_data is not None:
                from geostance.evaluate.realnews import evaluate_realnews

                say(f"NER on real news: {realnews_data}")
                metrics["realnews"] = evaluate_realnews(nlp, Path(realnews_data), resamples=resamples, seed=seed,
                                                        progress=progress)
        if stance_model is not None:
            stance_model = Path(stance_model)
            data = load_task(data_dir, "stance")
            metrics.setdefault("dataset_fingerprint", data.fingerprint)
            say(f"stance: {stance_model} on {split} ({len(data.split(split))} rows)")
            bundle, _ = load_stance_dir(stance_model)
            metrics["stance"] = {"model": str(stance_model),
                                 **evaluate_stance(bundle, data, split, resamples=resamples, seed=seed)}
            cm = metrics["stance"]["confusion_matrix"]
            plots.confusion_matrix_png(cm["matrix"], cm["labels"],
                                       f"Stance ({metrics['stance']['variant']}, {split})",
                                       staging / "stance_confusion.png")
        if curve:
            metrics["learning_curve"] = learning_curve(
                data_dir, split, ner_model=Path(ner_model) if ner_model else None,
                stance_model=Path(stance_model) if stance_model else None, fractions=curve_fractions,
                seed=seed, progress=progress)
            lc = metrics["learning_curve"]
            series = {name: lc[key] for key, name in (("ner_f1", "NER F1"), ("stance_macro_f1", "stance macro-F1"),
                                                      ("stance_f_avg", "stance F_avg")) if key in lc}
            plots.learning_curve_png(lc["fractions"], series, staging / "learning_curve.png")
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
        files += [out_dir / METRICS_FILE, out_dir / REPORT_FILE]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return EvaluationResult(out_dir=out_dir, metrics=metrics, files=files)
