"""`geostance doccano ...`: parse options, call one function from `workflow`/`server`, print its result."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from geostance.corpus.units import UnitMode

app = typer.Typer(
    help="Doccano: local server, project setup, idempotent push, annotation queue, pull, annotate, pre-annotate.",
    no_args_is_help=True,
)


def _settings(need_project: bool = True):
    from geostance.doccano.settings import load_settings

    return load_settings(need_project=need_project)


def _progress(description: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True)


@app.command("up")
def up_cmd(web_workers: int = typer.Option(2, help="gunicorn worker processes")) -> None:
    """Install (first use) and start a local Doccano: web server and task worker. Settings from env or .env."""
    from geostance.doccano.server import local_port, start_server

    settings = _settings(need_project=False)
    state = start_server(
        port=local_port(settings.url),
        admin_username=settings.username,
        admin_password=settings.password,
        web_workers=web_workers,
        echo=lambda m: typer.echo(m, err=True),
    )
    typer.echo(
        f"Doccano is up at {state.url} (web pid {state.web_pid}, worker pid {state.task_pid}); "
        f"stop it with `geostance doccano down`"
    )


@app.command("down")
def down_cmd() -> None:
    """Stop the web server and worker that `up` started (by their recorded pids)."""
    from geostance.doccano.server import stop_server

    stopped = stop_server()
    typer.echo(f"stopped pids {stopped}" if stopped else "no Doccano server started by `up` is running")


@app.command("setup")
def setup_cmd(
    annotators: Path = typer.Option(None, "--annotators", help="file of 'username:password' lines (keep out of git)"),
    guidelines: Path = typer.Option(None, help="guideline file [default: annotations/GUIDELINES.md]"),
    schema: Path = typer.Option(None, help="schema file [default: annotations/schema.yaml]"),
) -> None:
    """Create or update the project from the schema (no duplicates); optionally add annotator accounts."""
    from geostance.doccano.workflow import run_setup
    from geostance.schema import load_schema

    report = run_setup(_settings(), schema=load_schema(schema), guidelines=guidelines, accounts_file=annotators)
    typer.echo(json.dumps({k: v for k, v in report.__dict__.items()}, indent=2))


@app.command("push")
def push_cmd(
    corpus: Path = typer.Option(None, help="corpus folder [default: corpus/]"),
    unit: UnitMode = typer.Option(UnitMode.paragraph, help="annotation unit"),
    annotator: list[str] = typer.Option([], "--annotator", help="annotator username (repeat) for assignment"),
    overlap: int = typer.Option(1, help="annotators per unit (k), recorded in the example's meta"),
    batch_size: int = typer.Option(None, help="units per bulk import [default: 5000]"),
    refresh: bool = typer.Option(False, "--refresh", help="list every example instead of trusting the push cache"),
    setup: bool = typer.Option(True, help="create the project from the schema first when it is missing"),
) -> None:
    """Upload corpus units not yet in the project (bulk import; the project is set up first when missing);
    report units changed since upload."""
    from geostance.doccano.push import DEFAULT_BATCH_SIZE
    from geostance.doccano.workflow import run_push

    batch_size = batch_size or DEFAULT_BATCH_SIZE
    with _progress("pushing") as bar:
        task = bar.add_task("push", total=None)
        report = run_push(
            _settings(),
            corpus=corpus,
            mode=unit,
            annotators=annotator,
            overlap=overlap,
            batch_size=batch_size,
            refresh=refresh,
            setup=setup,
            on_batch=lambda done, total: bar.update(task, completed=done, total=total),
        )
    typer.echo(json.dumps(report.summary(), indent=2))
    for changed in report.plan.changed:
        typer.echo(
            f"warning: unit {changed.unit_id} changed since upload (example {changed.example_id}); not re-uploaded",
            err=True,
        )
    for uid, ids in report.plan.duplicates.items():
        typer.echo(f"warning: unit {uid} is in the project {len(ids)} times (examples {ids})", err=True)
    for uid in report.plan.altered_on_server:
        typer.echo(f"warning: unit {uid}: the text on the server no longer matches its text_sha256", err=True)


@app.command("pull")
def pull_cmd(
    out: Path = typer.Option(None, help="snapshot folder [default: annotations/doccano/<UTC time>/]"),
    approved_only: bool = typer.Option(False, "--approved-only", help="only examples each annotator confirmed"),
) -> None:
    """Export the project: one JSONL per annotator with code-point offsets, the raw export, snapshot.json."""
    from geostance.doccano.workflow import run_pull

    report = run_pull(_settings(), out=out, approved_only=approved_only, echo=lambda m: typer.echo(m, err=True))
    typer.echo(json.dumps(report.summary(), indent=2))


@app.command("annotate")
def annotate_cmd(
    source: Path = typer.Option(..., "--from", help="JSONL of {unit_id, entities, cats} (code-point offsets)"),
    confirm: bool = typer.Option(True, help="mark each example confirmed (done) for this user"),
) -> None:
    """Post recorded annotation decisions as the logged-in user; re-running adds nothing twice."""
    from geostance.doccano.workflow import run_annotate

    with _progress("annotating") as bar:
        task = bar.add_task("annotate", total=None)
        report = run_annotate(
            _settings(),
            source,
            confirm=confirm,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    typer.echo(json.dumps(report.__dict__, indent=2))


@app.command("preannotate")
def preannotate_cmd(
    model: Path = typer.Option(None, help="spaCy pipeline dir (NER, and textcat named <target>:<label>)"),
    predictions: Path = typer.Option(None, help="JSONL of {unit_id, entities, cats, scores?} from any model"),
    annotators: Path = typer.Option(None, "--annotators", help="'username:password' lines: post as each of them"),
    threshold: float = typer.Option(0.5, help="minimum stance score to suggest"),
) -> None:
    """Post model predictions onto each annotator's unlabelled examples, so they see and correct them."""
    from geostance.doccano.workflow import run_preannotate

    with _progress("pre-annotating") as bar:
        task = bar.add_task("preannotate", total=None)
        reports = run_preannotate(
            _settings(),
            model=model,
            predictions=predictions,
            accounts_file=annotators,
            threshold=threshold,
            progress=lambda _u, done, total: bar.update(task, completed=done, total=total),
        )
    typer.echo(json.dumps([r.__dict__ for r in reports], indent=2))


@app.command("queue")
def queue_cmd(
    size: int = typer.Option(50, help="units to queue"),
    per_article: int = typer.Option(3, help="at most this many units from one article"),
    ner: Path = typer.Option(None, help="NER model folder [default: models/ner]"),
    stance: Path = typer.Option(None, help="stance model folder [default: models/stance]"),
    annotators: Path = typer.Option(
        None,
        "--annotators",
        help="'username:password' lines: pre-annotate for each [default: the DOCCANO_USERNAME user]",
    ),
    threshold: float = typer.Option(0.5, help="minimum stance score to suggest"),
    workers: int = typer.Option(None, help="requests in flight per annotator [default: 8]"),
    corpus: Path = typer.Option(None, help="corpus folder [default: corpus/]"),
    unit: UnitMode = typer.Option(UnitMode.paragraph, help="annotation unit (as pushed)"),
    snapshots: Path = typer.Option(None, help="pulled snapshots; the latest counts [default: annotations/doccano/]"),
    out: Path = typer.Option(None, help="where queue records go [default: annotations/queues/]"),
) -> None:
    """Queue the units the models are least sure of: pre-annotate them for each annotator, put them first in
    Doccano's order, record the queue. Units anyone labelled are never queued; re-run after annotating."""
    from geostance.doccano.annotation_queue import QueueOptions
    from geostance.doccano.user_labels import DEFAULT_WORKERS
    from geostance.doccano.workflow import run_queue
    from geostance.paths import models_dir

    options = QueueOptions(
        ner_dir=ner or models_dir() / "ner",
        stance_dir=stance or models_dir() / "stance",
        size=size,
        per_article=per_article,
        threshold=threshold,
        workers=workers or DEFAULT_WORKERS,
    )
    report = run_queue(
        _settings(),
        options,
        accounts_file=annotators,
        corpus=corpus,
        mode=unit,
        snapshots=snapshots,
        out=out,
        echo=lambda m: typer.echo(m, err=True),
    )
    typer.echo(json.dumps(report.summary(), indent=2))
    typer.echo(f"annotators: open {report.record['annotation_url']} (lowest score first, unconfirmed only)", err=True)
