"""The `geostance` command: one Typer app, one sub-command group per pipeline step.

CLI functions only parse options and print; the work lives in plain functions in each sub-package.
"""

from __future__ import annotations

import sys

import typer

from geostance.errors import GeostanceError


def build_app() -> typer.Typer:
    from geostance.bench.cli import app as bench_app
    from geostance.corpus.cli import app as corpus_app
    from geostance.dataset.cli import app as dataset_app
    from geostance.doccano.cli import app as doccano_app
    from geostance.evaluate.cli import app as evaluate_app
    from geostance.package.cli import app as package_app
    from geostance.predict_cli import app as predict_app
    from geostance.train.cli import app as train_app

    app = typer.Typer(
        help="geostance: annotated geopolitical news → Doccano → datasets → spaCy / sklearn models.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    app.add_typer(corpus_app, name="corpus")
    app.add_typer(package_app, name="package")
    app.add_typer(predict_app, name="predict")
    app.add_typer(evaluate_app, name="evaluate")
    app.add_typer(train_app, name="train")
    app.add_typer(doccano_app, name="doccano")
    app.add_typer(dataset_app, name="dataset")
    app.add_typer(bench_app, name="bench")
    return app


def main() -> None:
    app = build_app()
    try:
        app()  # standalone: click handles usage errors and exit codes itself
    except GeostanceError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
