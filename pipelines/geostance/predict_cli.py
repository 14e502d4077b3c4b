"""`geostance predict`: parse options and call the plain functions; summary on stderr.

`--out FILE.jsonl` (or `-`) writes JSONL from this process, as `geostance predict` always did; any other `--out`
is a folder of Parquet partitions written by an engine (`local`, or `dask` on a cluster).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from geostance import paths

if TYPE_CHECKING:
    from geostance.batch.job import PartitionResult
    from geostance.predict import ModelSpec

app = typer.Typer(
    help="Batch prediction (entities + stance) over text, JSONL, Parquet or corpus files → JSONL, or "
    "partitioned Parquet from one process or a Dask cluster.",
    invoke_without_command=True,
    # a command group stops reading options at the first file name unless told otherwise
    context_settings={"allow_interspersed_args": True},
)


def _jsonl_out(out: Path) -> bool:
    return str(out) == "-" or out.suffix == ".jsonl"


@app.callback()
def predict_cmd(
    inputs: list[Path] = typer.Argument(
        ...,
        help=".txt (one text per line), .jsonl (field 'text'), .parquet "
        "(column 'text'), corpus .md articles, or folders of them",
    ),
    out: Path = typer.Option(
        Path("-"), "--out", "-o", help="Output: a .jsonl file ('-' = stdout), or a folder for partitioned Parquet"
    ),
    model: str = typer.Option(
        None, "--model", help="spaCy pipeline name or folder, e.g. en_geostance [default: models/ner + models/stance]"
    ),
    ner_model: Path = typer.Option(None, "--ner-model", help="NER folder when --model is not given"),
    stance_model: Path = typer.Option(None, "--stance-model", help="Stance folder when --model is not given"),
    batch_size: int = typer.Option(64, "--batch-size", help="Texts per nlp.pipe batch"),
    n_process: int = typer.Option(1, "--n-process", help="Worker processes for nlp.pipe (JSONL output)"),
    skip_bad: bool = typer.Option(
        False, "--skip-bad", help="Skip bad input lines (counted and listed) instead of stopping at the first"
    ),
    engine: str = typer.Option("local", "--engine", help="Parquet output: 'local' (this process) or 'dask'"),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 [default: a LocalCluster, one worker per core]",
    ),
    workers: int = typer.Option(None, "--workers", help="Workers of the LocalCluster [default: one per core]"),
    partition_rows: int = typer.Option(
        None, "--partition-rows", help="Texts per partition (one Parquet file each) [default: 2000]"
    ),
) -> None:
    """JSONL lines and Parquet rows hold: id, source (file:line), text, entities [{start, end, label, text}],
    stance {target: label}, stance_scores {"target:LABEL": score}, meta, model, model_fingerprint."""
    from geostance.errors import GeostanceError
    from geostance.predict import ModelSpec

    spec = ModelSpec.make(model, ner_model or paths.models_dir() / "ner", stance_model or paths.models_dir() / "stance")
    if _jsonl_out(out):
        if engine != "local" or scheduler or workers or partition_rows:
            raise GeostanceError(
                "--engine dask, --scheduler, --workers and --partition-rows write partitioned "
                "Parquet: give --out a folder, not a .jsonl file"
            )
        _predict_jsonl(inputs, out, spec, batch_size, n_process, skip_bad)
    else:
        _predict_parquet(inputs, out, spec, engine, scheduler, workers, partition_rows, batch_size, skip_bad)


def _predict_jsonl(
    inputs: list[Path], out: Path, spec: ModelSpec, batch_size: int, n_process: int, skip_bad: bool
) -> None:
    from tqdm import tqdm

    from geostance.fileio import atomic_write_jsonl
    from geostance.predict import describe_model, load_spec, predict_records, read_inputs

    read = read_inputs(inputs, skip_bad=skip_bad)
    nlp = load_spec(spec)
    bar = lambda docs, total: tqdm(docs, total=total, desc="predict", unit="text", file=sys.stderr)  # noqa: E731
    records = predict_records(
        nlp, read.items, batch_size=batch_size, n_process=n_process, progress=bar, model=describe_model(spec)
    )
    if str(out) == "-":
        import json

        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        atomic_write_jsonl(out, list(records))
    typer.echo(f"{len(read.items)} text(s) predicted" + (f" → {out}" if str(out) != "-" else ""), err=True)
    _list_skipped([str(e) for e in read.skipped])


def _predict_parquet(
    inputs: list[Path],
    out: Path,
    spec: ModelSpec,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    partition_rows: int | None,
    batch_size: int,
    skip_bad: bool,
) -> None:
    from geostance.batch.engines import predict_folder
    from geostance.batch.job import PredictJob
    from geostance.batch.partitions import DEFAULT_PARTITION_ROWS

    job = PredictJob(
        inputs=list(inputs),
        out_dir=out,
        model=spec,
        batch_size=batch_size,
        skip_bad=skip_bad,
        partition_rows=partition_rows or DEFAULT_PARTITION_ROWS,
    )
    summary = predict_folder(
        job, engine, scheduler=scheduler, workers=workers, progress=_bar, say=lambda m: typer.echo(m, err=True)
    )
    typer.echo(
        f"{summary.rows} text(s) in {summary.partitions} partition(s) → {summary.out_dir} "
        f"({summary.computed} written, {summary.reused} already there; {summary.seconds:.1f} s)",
        err=True,
    )
    if summary.removed:
        typer.echo(f"removed {len(summary.removed)} stale file(s) from earlier runs", err=True)
    _list_skipped(summary.skipped)


def _bar(partitions: int, texts: int) -> Callable[[PartitionResult], None]:
    """A progress bar over the job's partitions, showing texts done; one callback per finished partition."""
    from tqdm import tqdm

    bar = tqdm(total=partitions, desc="predict", unit="partition", file=sys.stderr)
    done = [0]

    def tick(result: PartitionResult) -> None:
        done[0] += result.rows
        bar.set_postfix_str(f"{done[0]:,} of ~{texts:,} texts")
        bar.update(1)
        if bar.n >= partitions:
            bar.close()

    return tick


def _list_skipped(skipped: list[str]) -> None:
    if skipped:
        typer.echo(f"skipped {len(skipped)} bad line(s):", err=True)
        for error in skipped:
            typer.echo(f"  {error}", err=True)
