"""`geostance package`: build the pip-installable spaCy pipeline wheel into models/packages/."""

from __future__ import annotations

from pathlib import Path

import typer

from geostance import paths

app = typer.Typer(
    help="Build one pip-installable spaCy pipeline wheel (NER + stance) with a model card.", invoke_without_command=True
)


@app.callback()
def package_cmd(
    ner_model: Path = typer.Option(None, "--ner-model", help="spaCy NER folder [default: models/ner]"),
    stance_model: Path = typer.Option(None, "--stance-model", help="Stance model folder [default: models/stance]"),
    metrics: Path = typer.Option(
        None, "--metrics", help="metrics.json for the model card [default: models/evaluation/metrics.json]"
    ),
    data: Path = typer.Option(None, "--data", help="Built dataset (for the card) [default: models/dataset]"),
    out: Path = typer.Option(None, "--out", help="Wheel folder [default: models/packages]"),
    name: str = typer.Option("geostance", "--name", help="Package name without the language prefix"),
    version: str = typer.Option("0.1.0", "--version"),
) -> None:
    """spacy package + a stance component registered by entry point; `pip install` the wheel, then
    `spacy.load("en_geostance")`."""
    from geostance.package.build import build_package

    models = paths.models_dir()
    result = build_package(
        ner_model or models / "ner",
        stance_model or models / "stance",
        out or models / "packages",
        metrics_path=metrics or models / "evaluation" / "metrics.json",
        dataset_dir=data or paths.dataset_dir(),
        name=name,
        version=version,
        progress=lambda m: typer.echo(f"… {m}"),
    )
    typer.echo(f"wheel → {result.wheel}")
    typer.echo(f"install: pip install {result.wheel}   use: spacy.load({result.package_name!r})")
