"""The Dask worker plugin that loads the pipeline once per worker (imported only where distributed is used)."""

from __future__ import annotations

from typing import Any

from distributed import WorkerPlugin

from geostance.batch.job import cached_pipeline
from geostance.predict import ModelSpec


class PipelinePlugin(WorkerPlugin):
    """Loads the pipeline when a worker starts or joins (a restarted worker too), so tasks find it in the process's
    cache, and a worker that cannot load it (a path it cannot read, a missing package) fails at registration."""

    name = "geostance-pipeline"

    def __init__(self, model: ModelSpec) -> None:
        self.model = model

    def setup(self, worker: Any) -> None:
        cached_pipeline(self.model)
