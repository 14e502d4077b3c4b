"""Where partition tasks run. An engine is anything with `prepare`, `map` and `close` (`job.PredictEngine`); the job
logic (planning, skipping, atomic files, manifest) does not depend on which. Two are built:

- `LocalEngine`: every partition in this process, one after the other;
- `DaskEngine`: a Dask cluster, given by scheduler address (workers started by `dask worker`, Kubernetes, a cloud
  service) or, without one, a `LocalCluster` of single-threaded worker processes, one per core.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from geostance.batch.job import (
    JobSummary,
    PartitionResult,
    PartitionTask,
    PredictEngine,
    PredictJob,
    cached_pipeline,
    predict_partition,
    run_job,
)
from geostance.errors import GeostanceError
from geostance.predict import ModelSpec

ENGINES = ("local", "dask")


class LocalEngine:
    description = "local: this process"

    def prepare(self, model: ModelSpec) -> None:
        cached_pipeline(model)

    def map(self, tasks: Sequence[PartitionTask]) -> Iterator[PartitionResult]:
        for task in tasks:
            yield predict_partition(task)

    def close(self) -> None:
        pass


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class DaskEngine:
    """Tasks on a Dask cluster. Spec-only tasks go out with `client.map`, one per partition with a key named after
    its output file, so resubmitting a partition is the same task. A worker that dies mid-task is replaced (its
    nanny restarts it) and the scheduler reruns its tasks elsewhere, up to `distributed.scheduler.allowed-failures`
    times (default 3) per task."""

    def __init__(self, scheduler: str | None = None, n_workers: int | None = None) -> None:
        from distributed import Client

        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="30s")
            else:
                self.cluster = _local_cluster(n_workers or usable_cores())
                self.client = Client(self.cluster)
        except OSError as exc:
            raise GeostanceError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None

    @property
    def description(self) -> str:
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        link = self.client.dashboard_link if _dashboard_address() else "none (install bokeh for one)"
        where = "LocalCluster" if self.cluster else "scheduler"
        return (
            f"dask: {where} {self.client.scheduler.address}, {len(workers)} worker(s), "
            f"{sum(w['nthreads'] for w in workers.values())} thread(s); dashboard {link}"
        )

    def prepare(self, model: ModelSpec) -> None:
        from geostance.batch.dask_plugin import PipelinePlugin

        try:
            self.client.register_plugin(PipelinePlugin(model), name=PipelinePlugin.name)
        except Exception as exc:  # the worker's own error, raised here
            # left registered, it would stop every worker that starts later (a restart included) from starting
            self.client.unregister_worker_plugin(PipelinePlugin.name)
            raise GeostanceError(f"a Dask worker could not load the model: {' '.join(str(exc).split())}") from None

    def map(self, tasks: Sequence[PartitionTask]) -> Iterator[PartitionResult]:
        from distributed import as_completed

        futures = self.client.map(
            predict_partition, list(tasks), key=[f"geostance-predict-{t.partition.file_name}" for t in tasks]
        )
        task_of = dict(zip(futures, tasks, strict=True))
        try:
            for future in as_completed(futures):
                try:
                    yield future.result()
                except GeostanceError:
                    raise
                except Exception as exc:  # e.g. KilledWorker: the task took down its worker too many times
                    part = task_of[future].partition
                    raise GeostanceError(
                        f"{part.names[0]}:{part.first_line}: the partition starting here failed on "
                        f"the cluster: {type(exc).__name__}: {' '.join(str(exc).split())}"
                    ) from exc
        finally:
            self.client.cancel(futures)  # a failed task stops the job; finished ones are no longer needed here

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _local_cluster(n_workers: int) -> Any:
    """Single-threaded worker processes (the pipeline holds the GIL, so threads would queue). Workers' statistical
    profiler is off: it samples every thread 100 times a second, competing for the GIL with the task, for a
    dashboard view this cluster usually has no one watching."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.worker.profile.enabled": False}):  # nannies pass it on to their workers
        return LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=_dashboard_address()
        )


def _dashboard_address() -> str | None:
    """A dashboard on a free port when bokeh is installed (it is optional; without it there is none)."""
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return None
    return ":0"


def make_engine(name: str, scheduler: str | None = None, workers: int | None = None) -> PredictEngine:
    if name == "local":
        if scheduler:
            raise GeostanceError("--scheduler needs --engine dask")
        return LocalEngine()
    if name == "dask":
        if scheduler and workers:
            raise GeostanceError("--workers sizes a LocalCluster; a cluster given by --scheduler has its own workers")
        return DaskEngine(scheduler, workers)
    raise GeostanceError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")


def predict_folder(
    job: PredictJob,
    engine: str = "local",
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Any = None,
    say: Callable[[str], None] = lambda m: None,
) -> JobSummary:
    """`run_job` on a new engine of the given kind, closed afterwards (a LocalCluster it started is stopped)."""
    runner = make_engine(engine, scheduler, workers)
    try:
        say(runner.description)
        return run_job(job, runner, progress)
    finally:
        runner.close()
