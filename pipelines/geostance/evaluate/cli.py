"""`geostance evaluate`: parse options, call evaluate(), print where the results are; `summary` prints the table."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from geostance import paths

app = typer.Typer(
    help="Evaluate models on a split of a built dataset: metrics.json, report.md, plots.", invoke_without_command=True
)


@app.callback()
def evaluate_cmd(
    ctx: typer.Context,
    ner_model: Path = typer.Option(
        None, "--ner-model", help="spaCy NER folder [default: models/ner when neither model is given]"
    ),
    stance_model: Path = typer.Option(
        None, "--stance-model", help="Stance model folder [default: models/stance when neither model is given]"
    ),
    data: Path = typer.Option(None, "--data", help="Built dataset folder [default: models/dataset]"),
    split: str = typer.Option("test", "--split"),
    out: Path = typer.Option(None, "--out", help="Output folder [default: models/evaluation]"),
    curve: bool = typer.Option(False, "--curve", help="Also retrain at 25/50/75/100%% of train: learning curve PNG"),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples for the 95%% CIs"),
    realnews: Path = typer.Option(
        None,
        "--realnews-data",
        help="Folder holding conll2003/eng.testb: the NER is also "
        "scored on that real news, labels mapped [default: ../shared/data when there]",
    ),
) -> None:
    """Score NER (P/R/F1, per label) and stance (per class, macro-F1, F_avg, per target) against baselines."""
    if ctx.invoked_subcommand is not None:
        return
    from geostance.evaluate.run import evaluate

    if ner_model is None and stance_model is None:
        ner_model, stance_model = paths.models_dir() / "ner", paths.models_dir() / "stance"
    if realnews is None and (paths.shared_data_dir() / "conll2003" / "eng.testb").is_file():
        realnews = paths.shared_data_dir()
    result = evaluate(
        data or paths.dataset_dir(),
        out or paths.models_dir() / "evaluation",
        ner_model=ner_model,
        stance_model=stance_model,
        split=split,
        curve=curve,
        resamples=resamples,
        realnews_data=realnews,
        progress=lambda m: typer.echo(f"… {m}", err=True),
    )
    typer.echo(f"wrote {', '.join(str(f) for f in result.files)}")
    typer.echo(f"summary table: geostance evaluate summary --metrics {result.out_dir / 'metrics.json'}")


def _print_summary(rows: list[tuple[str, str, str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="geostance: test scores in % [95% bootstrap CI]")
    for column in ("score", "model", "baseline", "baseline is"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(*row)
    Console(width=120).print(table)
    typer.echo(
        "lookup: each train entity string tagged with its most frequent label; "
        "majority per target: each target's most frequent train label"
    )


@app.command("summary")
def summary_cmd(
    metrics: Path = typer.Option(None, "--metrics", help="metrics.json [default: models/evaluation/metrics.json]"),
) -> None:
    """Print the short summary table (model vs baseline, with CIs) from a metrics.json."""
    from geostance.errors import InputError
    from geostance.evaluate.report import summary_rows

    path = metrics or paths.models_dir() / "evaluation" / "metrics.json"
    if not path.is_file():
        raise InputError(path, "no metrics file (run `geostance evaluate` first)")
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(path, f"bad JSON: {exc.msg}", exc.lineno) from None
    _print_summary(summary_rows(loaded))
