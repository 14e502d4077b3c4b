"""A prediction job: plan partitions, skip the finished ones, run the rest on an engine, close with a manifest.

Exactly once: a partition's output name is a function of its input bytes, the model fingerprint and the settings;
the file is written to a temporary name and renamed (atomic), so it exists complete or not at all. A task that runs
twice (a retry after its worker died, even after the file was written) writes the same rows under the same name,
and a re-run skips every partition whose file exists. The manifest is written last, listing each file once.
"""

from __future__ import annotations

import os
import resource
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from geostance.batch.output import (
    MANIFEST,
    SUCCESS,
    TEMP_NAME,
    check_out_dir,
    partition_info,
    write_manifest,
    write_partition,
)
from geostance.batch.partitions import DEFAULT_PARTITION_ROWS, OUTPUT_NAME, Partition, plan_partitions, read_partition
from geostance.errors import GeostanceError, InputError
from geostance.predict import ModelInfo, ModelSpec, describe_model, load_spec, predict_records


@dataclass(frozen=True)
class PartitionTask:
    """Everything a worker needs for one partition; small and picklable (the model travels as a spec)."""

    partition: Partition
    out_dir: str
    model: ModelSpec
    fingerprint: str
    batch_size: int = 64
    skip_bad: bool = False


@dataclass
class PartitionResult:
    file: str
    rows: int
    skipped: list[str]
    names: list[str]
    first_line: int
    computed: bool = True  # False: the file was there already
    seconds: float = 0.0
    worker: str = ""  # host:pid that wrote it
    peak_rss_mb: float = 0.0  # that process's peak resident memory so far


# ------------------------------------------------------------------------------------------ runs on a worker

_LOCK = threading.Lock()
_LOADED: dict[ModelSpec, tuple[Any, ModelInfo]] = {}


def cached_pipeline(spec: ModelSpec) -> tuple[Any, ModelInfo]:
    """The pipeline for `spec`, loaded once per process: spaCy pipelines are large and some components do not
    pickle, so workers load them from the spec instead of receiving them with each task. One model per process:
    a long-lived worker that serves a new model lets the old one go."""
    with _LOCK:
        if spec not in _LOADED:
            _LOADED.clear()
            nlp = load_spec(spec)
            list(nlp.pipe(["Warm-up: the first call initialises what the pipeline builds lazily."]))
            _LOADED[spec] = (nlp, describe_model(spec))
        return _LOADED[spec]


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux reports KiB


def _result(task: PartitionTask, path: Path, computed: bool, seconds: float = 0.0) -> PartitionResult:
    info = partition_info(path)
    return PartitionResult(
        file=path.name,
        rows=info["rows"],
        skipped=info["skipped"],
        names=info["names"],
        first_line=info["first_line"],
        computed=computed,
        seconds=seconds,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        peak_rss_mb=_peak_rss_mb(),
    )


def predict_partition(task: PartitionTask) -> PartitionResult:
    """Read one partition, predict, write its Parquet file atomically. Safe to run twice."""
    t0 = time.perf_counter()
    path = Path(task.out_dir) / task.partition.file_name
    if path.exists():  # a retry whose first attempt finished writing before its worker was lost
        return _result(task, path, computed=False)
    nlp, info = cached_pipeline(task.model)
    if info.fingerprint != task.fingerprint:
        raise GeostanceError(
            f"the model on {socket.gethostname()} ({info.fingerprint[:19]}) is not the one the job "
            f"was planned with ({task.fingerprint[:19]}); install the same model on every worker"
        )
    try:
        read = read_partition(task.partition, skip_bad=task.skip_bad)
    except InputError as exc:
        raise GeostanceError(str(exc)) from None  # InputError does not survive pickling back to the client
    records = list(predict_records(nlp, read.items, batch_size=task.batch_size, model=info))
    write_partition(
        path,
        records,
        {
            "names": list(task.partition.names),
            "first_line": task.partition.first_line,
            "skipped": [str(e) for e in read.skipped],
            "model": info.name,
            "model_fingerprint": info.fingerprint,
        },
    )
    return _result(task, path, computed=True, seconds=time.perf_counter() - t0)


# ------------------------------------------------------------------------------------------ runs on the driver


@dataclass
class PredictJob:
    inputs: list[Path]
    out_dir: Path
    model: ModelSpec
    partition_rows: int = DEFAULT_PARTITION_ROWS
    batch_size: int = 64
    skip_bad: bool = False


@dataclass
class JobSummary:
    out_dir: Path
    model: ModelInfo
    rows: int
    partitions: int
    computed: int
    reused: int
    skipped: list[str]
    seconds: float
    removed: list[str] = field(default_factory=list)  # stale partitions and temporary files
    worker_peak_rss_mb: dict[str, float] = field(default_factory=dict)
    results: list[PartitionResult] = field(default_factory=list)


def is_ours(name: str) -> bool:
    return bool(OUTPUT_NAME.match(name) or TEMP_NAME.match(name)) or name in (MANIFEST, SUCCESS)


def _clean_up(out_dir: Path, keep: set[str]) -> list[str]:
    """Delete partition files this job did not plan (older inputs or another model) and temporary files left by
    killed writers. Runs after every task has finished, so no writer of ours is still at work."""
    removed = []
    for path in sorted(out_dir.iterdir()):
        if path.name not in keep and (OUTPUT_NAME.match(path.name) or TEMP_NAME.match(path.name)):
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def _manifest(model: ModelInfo, results: list[PartitionResult]) -> dict[str, Any]:
    return {
        "model": model.name,
        "model_fingerprint": model.fingerprint,
        "rows": sum(r.rows for r in results),
        "skipped": sum(len(r.skipped) for r in results),
        "partitions": [
            {"file": r.file, "inputs": r.names, "first_line": r.first_line, "rows": r.rows, "skipped": r.skipped}
            for r in results
        ],
    }


class PredictEngine(Protocol):
    @property
    def description(self) -> str: ...  # one line for the user: where tasks run

    def prepare(self, model: ModelSpec) -> None:
        """Make the model ready where tasks run (load it once per process)."""

    def map(self, tasks: Sequence[PartitionTask]) -> Iterator[PartitionResult]:
        """Run every task; yield each result as it finishes (any order); raise on the first failed task."""

    def close(self) -> None:
        """Release what the engine started."""


def run_job(
    job: PredictJob,
    engine: PredictEngine,
    progress: Callable[[int, int], Callable[[PartitionResult], None]] | None = None,
) -> JobSummary:
    """Run `job` on `engine`. `progress(partitions, texts)` may return a callback told of each finished partition
    (a bar). Returns the summary once the manifest and `_SUCCESS` are written."""
    t0 = time.perf_counter()
    out_dir = Path(job.out_dir)
    check_out_dir(out_dir, is_ours)
    model = describe_model(job.model)
    plan = plan_partitions(job.inputs, job.partition_rows, f"{model.fingerprint}|skip_bad={job.skip_bad}")
    out_dir.mkdir(parents=True, exist_ok=True)
    todo = [p for p in plan if not (out_dir / p.file_name).exists()]
    by_file: dict[str, PartitionResult] = {}
    if todo:
        (out_dir / SUCCESS).unlink(missing_ok=True)  # the folder is about to change: no longer a finished job
        tasks = [
            PartitionTask(p, str(out_dir.resolve()), job.model, model.fingerprint, job.batch_size, job.skip_bad)
            for p in todo
        ]
        tick = progress(len(todo), sum(p.size_hint for p in todo)) if progress else None
        engine.prepare(job.model)
        for result in engine.map(tasks):
            by_file[result.file] = result
            if tick:
                tick(result)
    for part in plan:
        if part.file_name not in by_file:
            by_file[part.file_name] = _result(
                PartitionTask(part, str(out_dir), job.model, model.fingerprint),
                out_dir / part.file_name,
                computed=False,
            )
    results = [by_file[p.file_name] for p in plan]  # input order, one entry per planned partition
    removed = _clean_up(out_dir, {p.file_name for p in plan})
    write_manifest(out_dir, _manifest(model, results))
    return JobSummary(
        out_dir=out_dir,
        model=model,
        rows=sum(r.rows for r in results),
        partitions=len(plan),
        computed=sum(r.computed for r in results),
        reused=sum(not r.computed for r in results),
        skipped=[s for r in results for s in r.skipped],
        seconds=time.perf_counter() - t0,
        removed=removed,
        worker_peak_rss_mb=_peaks(r for r in results if r.computed),
        results=results,
    )


def _peaks(results: Iterable[PartitionResult]) -> dict[str, float]:
    peaks: dict[str, float] = {}
    for r in results:
        peaks[r.worker] = max(peaks.get(r.worker, 0.0), r.peak_rss_mb)
    return peaks


def summary_dict(summary: JobSummary) -> dict[str, Any]:
    out = asdict(summary)
    out["out_dir"] = str(summary.out_dir)
    out.pop("results")
    return out
