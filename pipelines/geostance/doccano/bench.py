"""Speed of our idempotent push against one create request per example, measured in the same run.

Needs a running server (settings as for every other command; the user must be allowed to create projects). Three
throw-away projects are created and deleted: one receives our push (then a second, no-op push of the same units),
one a doccano-client `create_example` call (one `POST /examples`) per unit, and one a push measured for peak memory.
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
import uuid
from dataclasses import replace
from pathlib import Path

from geostance.corpus.model import Unit
from geostance.doccano.client import connect
from geostance.doccano.push import DEFAULT_BATCH_SIZE, push_units
from geostance.doccano.settings import DoccanoSettings
from geostance.doccano.setup import PROJECT_TYPE


def synthetic_units(n_units: int) -> list[Unit]:
    """Distinct paragraphs of realistic length (~60 words) with non-ASCII text in them."""
    units = []
    for i in range(n_units):
        text = (f"Report {i}: officials in Pyongyang and Moscow — including envoy Kim 🇰🇵 — discussed rail links, "
                f"fuel deliveries and sanctions enforcement at the Tumen crossing, while analysts in Seoul and Tokyo "
                f"questioned whether the treaty signed in June would outlast the war in Ukraine. Paragraph {i} of "
                f"the benchmark corpus repeats this pattern with a different number each time.")
        units.append(Unit(f"bench-{i // 20:05d}", f"bench-{i // 20:05d}:p{i % 20:03d}", i % 20, 0, len(text), text))
    return units


def bench_push(n_units: int, settings: DoccanoSettings, *, batch_size: int = DEFAULT_BATCH_SIZE,
               cache_dir: Path | None = None) -> dict:
    """Push `n_units` new units twice (first real, then no-op) and create them one request each; return timings."""
    units = synthetic_units(n_units)
    tmp = tempfile.TemporaryDirectory(prefix="geostance-bench-cache-")
    cache_dir = cache_dir or Path(tmp.name)
    tag = uuid.uuid4().hex[:8]
    admin = connect(settings)
    projects = []
    try:
        for role in ("push", "per-example", "memory"):
            projects.append(admin.call_once("creating a benchmark project", admin.api.create_project,
                                            name=f"geostance-bench-{role}-{tag}", project_type=PROJECT_TYPE,
                                            description="temporary benchmark project"))
        push_session = connect(replace(settings, project=projects[0].name))
        t0 = time.perf_counter()
        first = push_units(push_session, units, batch_size=batch_size, cache_dir=cache_dir)
        push_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        second = push_units(push_session, units, batch_size=batch_size, cache_dir=cache_dir)
        noop_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        for unit in units:
            admin.call_once("creating one example", admin.api.create_example, projects[1].id, unit.text,
                            meta={"unit_id": unit.unit_id, "text_sha256": unit.sha256})
        per_example_s = time.perf_counter() - t0
        in_project = admin.call("counting examples", admin.api.count_examples, projects[0].id)
        # Peak memory in a pass of its own: tracemalloc slows Python code and must not weigh on the timed push.
        tracemalloc.start()
        push_units(connect(replace(settings, project=projects[2].name)), units, batch_size=batch_size,
                   cache_dir=Path(tmp.name) / "memory")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        for project in projects:
            admin.call("deleting a benchmark project", admin.api.delete_project, project.id)
        tmp.cleanup()
    return {
        "n_units": n_units,
        "batch_size": batch_size,
        "push_s": round(push_s, 3),
        "push_units_per_s": round(n_units / push_s, 1),
        "per_example_s": round(per_example_s, 3),
        "per_example_units_per_s": round(n_units / per_example_s, 1),
        "speedup": round(per_example_s / push_s, 2),
        "noop_push_s": round(noop_s, 3),
        "noop_fraction_of_push": round(noop_s / push_s, 4),
        "peak_memory_mb": round(peak / 2**20, 2),
        "uploaded_first": len(first.uploaded),
        "uploaded_second": len(second.uploaded),
        "second_push_listing": second.listing,
        "examples_in_project": in_project,
    }
