"""SemEval-2016 Task 6, Task A stance benchmark with the project's table reader and stance trainer.

Train = trainingdata (Windows-1252) + trialdata, no dev split: the trainer searches its default grid by
cross-validation on train and picks a variant on out-of-fold predictions. Test A is scored once, afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geostance.bench.data_files import require_files
from geostance.metrics import SEMEVAL_F_AVG_LABELS, class_f1

SEMEVAL_DIR = "semeval2016-task6-stance"
SEMEVAL_FILES = {
    "train": ("trainingdata-all-annotations.txt", "trialdata-all-annotations.txt"),
    "test": ("testdata-taskA-all-annotations.txt",),
}
# The training file is Windows-1252; trial and test are ASCII, which cp1252 reads the same.
SEMEVAL_ENCODING = "cp1252"


def semeval_paths(data_dir: Path) -> dict[str, list[Path]]:
    paths = {split: [Path(data_dir) / SEMEVAL_DIR / n for n in names] for split, names in SEMEVAL_FILES.items()}
    require_files((p for ps in paths.values() for p in ps), "SemEval-2016", SEMEVAL_DIR)
    return paths


def build_semeval_dataset(data_dir: Path, out_dir: Path, progress: bool) -> Any:
    """`geostance dataset import table --train training trial --test testA --text-col Tweet ...`."""
    from geostance.dataset.build import BuildOptions, build_dataset
    from geostance.dataset.inputs import SplitFiles
    from geostance.dataset.inputs.table import TableInput
    from geostance.dataset.readers.table import TableSpec

    paths = semeval_paths(data_dir)
    spec = TableSpec(text_col="Tweet", label_col="Stance", target_col="Target", id_col="ID", encoding=SEMEVAL_ENCODING)
    return build_dataset(
        TableInput(SplitFiles(train=paths["train"], test=paths["test"]), spec), out_dir, BuildOptions(progress=progress)
    )


def semeval_scores(gold: list[str], pred: list[str]) -> dict[str, float]:
    """SemEval-2016 Task 6 (eval.pl): F1 of FAVOR and of AGAINST over all rows, and their mean F_avg."""
    f1 = class_f1(gold, pred, SEMEVAL_F_AVG_LABELS)
    return {"f_favor": f1["FAVOR"], "f_against": f1["AGAINST"], "f_avg": (f1["FAVOR"] + f1["AGAINST"]) / 2}


def per_target_scores(gold: list[str], pred: list[str], targets: list[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for target in sorted(set(targets)):
        idx = [i for i, t in enumerate(targets) if t == target]
        out[target] = {**semeval_scores([gold[i] for i in idx], [pred[i] for i in idx]), "n": len(idx)}
    return out


def run_stance_bench(
    data_dir: Path,
    work_dir: Path,
    *,
    progress: bool = True,
    n_jobs: int = 1,
    say: Callable[[str], None] = lambda m: None,
) -> dict[str, Any]:
    """Build, train with the default search, score test A. Returns the `stance.semeval2016` entry (fractions)."""
    from geostance.runtime.stance_component import predict_stance
    from geostance.train.data import load_task, stance_rows
    from geostance.train.stance import DEFAULT_GRID, load_stance_dir, train_stance_on

    started = time.monotonic()
    work_dir = Path(work_dir)
    say(f"building the SemEval-2016 dataset into {work_dir / 'dataset'}")
    build_semeval_dataset(data_dir, work_dir / "dataset", progress)
    data = load_task(work_dir / "dataset", "stance")
    t0 = time.monotonic()
    trained = train_stance_on(data, work_dir / "model", n_jobs=n_jobs, progress=say)
    train_seconds = time.monotonic() - t0
    bundle, meta = load_stance_dir(trained.out_dir)
    texts, targets, gold, _ = stance_rows(data.split("test"))
    variant_scores = {}
    selected_pred: list[str] = []
    for variant in meta["variants"]:
        pred = predict_stance(bundle, texts, targets, variant)[0]
        variant_scores[variant] = semeval_scores(gold, pred)["f_avg"]
        if variant == trained.selected:
            selected_pred = pred
    pooled = semeval_scores(gold, selected_pred)
    return {
        **pooled,
        "per_target": per_target_scores(gold, selected_pred, targets),
        "selected_variant": trained.selected,
        "variant_scores": variant_scores,
        "selection_scores": meta.get("scores"),
        "search": meta.get("search"),
        "param_grid": {
            k: [repr(v) if not isinstance(v, (str, int, float, type(None))) else v for v in vs]
            for k, vs in DEFAULT_GRID.items()
        },
        "n_train": len(data.split("train")),
        "n_test": len(gold),
        "train_seconds": round(train_seconds, 1),
        "seconds": round(time.monotonic() - started, 1),
    }
