"""`geostance train ner|stance`: parse options, call the trainers, print what was written."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from geostance import paths

app = typer.Typer(
    help="Train the NER (spaCy) and stance (scikit-learn) models from a built dataset.", no_args_is_help=True
)


def default_ner_config() -> Path:
    return paths.configs_dir() / "ner.cfg"


# Long on purpose: Typer option declarations, one per line; the work is in train_ner_on.
@app.command("ner")
def ner_cmd(
    data: Path = typer.Option(None, "--data", help="Built dataset folder [default: models/dataset]"),
    out: Path = typer.Option(None, "--out", help="Output model folder [default: models/ner]"),
    config: Path = typer.Option(None, "--config", help="spaCy config [default: pipelines/configs/ner.cfg]"),
    set_: list[str] = typer.Option(
        [], "--set", help="Config override section.key=value (repeatable), e.g. --set training.max_steps=500"
    ),
    base_model: str = typer.Option(
        None,
        "--base-model",
        help="Fine-tune an installed spaCy pipeline (name or "
        "folder) instead of training from blank:en; use with --config "
        "pipelines/configs/ner-finetune.cfg",
    ),
    rehearsal: list[Path] = typer.Option(
        [],
        "--rehearsal",
        help="Unlabelled text (a .txt file or a folder of "
        "them, paragraphs separated by blank lines) that the base model labels "
        "and that trains alongside the gold docs, against forgetting",
    ),
    rehearsal_ratio: float = typer.Option(1.0, "--rehearsal-ratio", help="Rehearsal docs per gold train doc"),
    train_split: str = typer.Option("train", "--train-split"),
    dev_split: str = typer.Option("dev", "--dev-split"),
    gpu: int = typer.Option(-1, "--gpu", help="GPU id; -1 = CPU"),
    seed: int = typer.Option(0, "--seed"),
    members: int = typer.Option(
        1,
        "--members",
        min=1,
        help="Train this many models (seeds --seed, --seed+1, ...) "
        "and save one pipeline that takes their majority vote (slower, more accurate)",
    ),
) -> None:
    """Convert the dataset's ner splits to DocBin and train spaCy NER from the committed config."""
    from geostance.train.ner import parse_overrides, train_ner
    from geostance.train.rehearsal import Rehearsal

    result = train_ner(
        data or paths.dataset_dir(),
        out or paths.models_dir() / "ner",
        config or default_ner_config(),
        overrides=parse_overrides(set_),
        base_model=base_model,
        train_split=train_split,
        dev_split=dev_split,
        use_gpu=gpu,
        seed=seed,
        members=members,
        rehearsal=Rehearsal(tuple(rehearsal), rehearsal_ratio) if rehearsal else None,
    )
    a = result.alignment
    typer.echo(
        f"NER model → {result.out_dir}  ({result.train_docs} train / {result.dev_docs} dev docs; "
        f"labels {', '.join(result.labels)})"
    )
    aligned = (
        (
            f"spans as the dataset build aligned them: {a['spans_kept']} kept, {a['spans_adjusted']} adjusted, "
            f"{a['spans_dropped']} dropped (listed in its alignment_report.md)"
        )
        if a
        else "no alignment counts (a dataset built elsewhere)"
    )
    typer.echo(
        f"dev: F1 {result.dev_scores.get('ents_f', 0):.3f}  P {result.dev_scores.get('ents_p', 0):.3f}  "
        f"R {result.dev_scores.get('ents_r', 0):.3f};  {aligned}"
    )


@app.command("stance")
def stance_cmd(
    data: Path = typer.Option(None, "--data", help="Built dataset folder [default: models/dataset]"),
    out: Path = typer.Option(None, "--out", help="Output model folder [default: models/stance]"),
    variant: list[str] = typer.Option(
        ["global", "per_target", "ensemble"],
        "--variant",
        help="global, per_target and/or ensemble (repeatable); the best on dev is selected",
    ),
    grid: str = typer.Option(None, "--grid", help="Search grid as JSON, e.g. '{\"clf__C\": [0.3, 1]}'"),
    folds: int = typer.Option(5, "--folds", help="GroupKFold splits (grouped by article)"),
    jobs: int = typer.Option(1, "--jobs", help="Parallel fits in the search (-1 = all cores)"),
    train_split: str = typer.Option("train", "--train-split"),
    dev_split: str = typer.Option("dev", "--dev-split"),
) -> None:
    """Search a TF-IDF + linear SVM pipeline by grouped CV on train, check on dev, save with skops."""
    from geostance.errors import GeostanceError
    from geostance.train.stance import train_stance

    try:
        param_grid = json.loads(grid) if grid else None
    except json.JSONDecodeError as exc:
        raise GeostanceError(f"--grid is not valid JSON: {exc.msg}") from None
    result = train_stance(
        data or paths.dataset_dir(),
        out or paths.models_dir() / "stance",
        variants=tuple(variant),
        param_grid=param_grid,
        n_splits=folds,
        n_jobs=jobs,
        train_split=train_split,
        dev_split=dev_split,
        progress=lambda m: typer.echo(f"… {m}"),
    )
    typer.echo(f"stance model → {result.out_dir}  (selected: {result.selected})")
    for name, s in result.scores.items():
        typer.echo(
            f"  {name:<10} F_avg {s['f_avg']:.3f}  macro-F1 {s['macro_f1']:.3f}  on {s['checked_on']} (n={s['n']})"
        )
