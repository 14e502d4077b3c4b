"""Speed of our Doccano writes against the obvious alternative, each measured in the same run on the same server.

Needs a running server (settings as for every other command; the user must be allowed to create projects); every
project made here is a throw-away one, deleted at the end.

- `bench_push`: our idempotent push against a doccano-client `create_example` call (one `POST /examples`) per
  unit, plus the no-op second push and the push's peak memory (three projects).
- `bench_preannotate`: pre-annotation's writer (`write_labels`: our session, examples written from a thread pool)
  against the path it replaced, every request through doccano-client, one example after another (one label per request
  either way: Doccano 1.8.4 has no bulk endpoint for labels on existing examples). Both write the same decisions
  onto projects of their own, in interleaved chunks so that a change in the machine's load weighs on both.
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
import uuid
from dataclasses import replace
from pathlib import Path

from geostance.corpus.model import Unit
from geostance.doccano.client import DoccanoSession, connect
from geostance.doccano.decisions import Decision
from geostance.doccano.push import DEFAULT_BATCH_SIZE, push_units
from geostance.doccano.settings import DoccanoSettings
from geostance.doccano.setup import PROJECT_TYPE, setup_project
from geostance.doccano.user_labels import (
    DEFAULT_WORKERS,
    examples_by_unit,
    label_type_ids,
    wanted_labels,
    write_labels,
)
from geostance.schema import Schema, category_name, load_schema

# Names in `synthetic_units`' text and the entity label each gets: 7 spans a unit, 3 stances: 10 labels, about
# the corpus's density (2,780 labels on 418 units is 6.7).
BENCH_ENTITIES = {
    "Pyongyang": "GPE",
    "Moscow": "GPE",
    "Kim": "PERSON",
    "Tumen": "LOC",
    "Seoul": "GPE",
    "Tokyo": "GPE",
    "Ukraine": "GPE",
}


def synthetic_units(n_units: int) -> list[Unit]:
    """Distinct paragraphs of realistic length (~60 words) with non-ASCII text in them."""
    units = []
    for i in range(n_units):
        text = (
            f"Report {i}: officials in Pyongyang and Moscow — including envoy Kim 🇰🇵 — discussed rail links, "
            f"fuel deliveries and sanctions enforcement at the Tumen crossing, while analysts in Seoul and Tokyo "
            f"questioned whether the treaty signed in June would outlast the war in Ukraine. Paragraph {i} of "
            f"the benchmark corpus repeats this pattern with a different number each time."
        )
        units.append(Unit(f"bench-{i // 20:05d}", f"bench-{i // 20:05d}:p{i % 20:03d}", i % 20, 0, len(text), text))
    return units


# Long on purpose: one measured sequence (set up a project, time each side, clean up); split up, it would hide
# which steps each clock covers.
def bench_push(
    n_units: int, settings: DoccanoSettings, *, batch_size: int = DEFAULT_BATCH_SIZE, cache_dir: Path | None = None
) -> dict:
    """Push `n_units` new units twice (first real, then no-op) and create them one request each; return timings."""
    units = synthetic_units(n_units)
    tmp = tempfile.TemporaryDirectory(prefix="geostance-bench-cache-")
    cache_dir = cache_dir or Path(tmp.name)
    tag = uuid.uuid4().hex[:8]
    admin = connect(settings)
    projects = []
    try:
        for role in ("push", "per-example", "memory"):
            projects.append(
                admin.call_once(
                    "creating a benchmark project",
                    admin.api.create_project,
                    name=f"geostance-bench-{role}-{tag}",
                    project_type=PROJECT_TYPE,
                    description="temporary benchmark project",
                )
            )
        push_session = connect(replace(settings, project=projects[0].name))
        t0 = time.perf_counter()
        first = push_units(push_session, units, batch_size=batch_size, cache_dir=cache_dir)
        push_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        second = push_units(push_session, units, batch_size=batch_size, cache_dir=cache_dir)
        noop_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        for unit in units:
            admin.call_once(
                "creating one example",
                admin.api.create_example,
                projects[1].id,
                unit.text,
                meta={"unit_id": unit.unit_id, "text_sha256": unit.sha256},
            )
        per_example_s = time.perf_counter() - t0
        in_project = admin.call("counting examples", admin.api.count_examples, projects[0].id)
        # Peak memory in a pass of its own: tracemalloc slows Python code and must not weigh on the timed push.
        tracemalloc.start()
        push_units(
            connect(replace(settings, project=projects[2].name)),
            units,
            batch_size=batch_size,
            cache_dir=Path(tmp.name) / "memory",
        )
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


def synthetic_decisions(units: list[Unit], schema: Schema) -> list[Decision]:
    """A model-like decision for each synthetic unit: the first mention of each BENCH_ENTITIES name, and one
    stance per target, each with a score."""
    decisions = []
    for i, unit in enumerate(units):
        entities = tuple(
            sorted(
                (unit.text.index(name), unit.text.index(name) + len(name), label)
                for name, label in BENCH_ENTITIES.items()
            )
        )
        cats = tuple(
            category_name(t.id, schema.stance_labels[(i + j) % len(schema.stance_labels)])
            for j, t in enumerate(schema.targets)
        )
        decisions.append(Decision(unit.unit_id, entities, cats, 0, (0.9,) * len(entities) + (0.7,) * len(cats)))
    return decisions


def _one_request_at_a_time(session: DoccanoSession, decisions: list[Decision], examples: dict[str, dict]) -> int:
    """Pre-annotation's writer as it was before the thread pool: everything through doccano-client, one example
    after another (list the user's labels, skip a labelled example, post each missing label). Returns labels
    posted."""
    api = session.api
    pid = session.project()["id"]
    span_ids, cat_ids = label_type_ids(session, pid)
    posted = 0
    for decision in decisions:
        example = examples[decision.unit_id]
        wanted = wanted_labels(decision, example["text"], span_ids, cat_ids)
        if api.list_spans(pid, example["id"]) or api.list_categories(pid, example["id"]):
            continue
        for (start, end, label), prob in wanted.spans.items():
            api.create_span(pid, example["id"], start, end, label, confidence=prob)
        for label, prob in wanted.cats.items():
            api.create_category(pid, example["id"], label, confidence=prob)
        posted += len(wanted.spans) + len(wanted.cats)
    return posted


def _ours(session: DoccanoSession, decisions: list[Decision], examples: dict[str, dict], workers: int) -> int:
    report = write_labels(
        session, decisions, replace=False, only_unlabelled=True, confirm=False, workers=workers, examples=examples
    )
    return report.spans_added + report.cats_added


def bench_preannotate(
    n_units: int,
    settings: DoccanoSettings,
    *,
    workers: int = DEFAULT_WORKERS,
    chunks: int = 4,
    schema: Schema | None = None,
) -> dict:
    """Labels per second of pre-annotation's writer (`write_labels` as `preannotate` calls it) against one request
    at a time through doccano-client, on `n_units` synthetic units (10 labels each), same server, same run.

    Each side logs in and lists its project once, untimed, as a pre-annotation run does once per annotator; the
    timed part is what happens per label: each chunk reads the project and its label types, then writes."""
    schema = schema or load_schema()
    units = synthetic_units(n_units)
    decisions = synthetic_decisions(units, schema)
    tag = uuid.uuid4().hex[:8]
    admin = connect(settings)
    made: list[DoccanoSettings] = []
    timings = {"one_at_a_time": 0.0, "ours": 0.0}
    posted = {"one_at_a_time": 0, "ours": 0}
    try:
        sides = {}
        for side in ("one_at_a_time", "ours"):
            project = replace(settings, project=f"geostance-bench-labels-{side.replace('_', '-')}-{tag}")
            session = connect(project)
            setup_project(session, schema, "temporary benchmark project")
            made.append(project)
            push_units(session, units)
            sides[side] = (session, examples_by_unit(session, session.project()["id"]))
        step = -(-len(decisions) // chunks)
        for k, start in enumerate(range(0, len(decisions), step)):
            part = decisions[start : start + step]
            order = ("one_at_a_time", "ours") if k % 2 == 0 else ("ours", "one_at_a_time")
            for side in order:  # alternate which side goes first, so neither always meets a warmer server
                session, examples = sides[side]
                t0 = time.perf_counter()
                posted[side] += (
                    _one_request_at_a_time(session, part, examples)
                    if side == "one_at_a_time"
                    else _ours(session, part, examples, workers)
                )
                timings[side] += time.perf_counter() - t0
    finally:
        for project in made:
            found = admin.find_project(project.project)
            if found is not None:
                admin.call("deleting a benchmark project", admin.api.delete_project, found["id"])
    return _preannotate_figures(n_units, workers, chunks, timings, posted)


def _preannotate_figures(
    n_units: int, workers: int, chunks: int, timings: dict[str, float], posted: dict[str, int]
) -> dict:
    rate = {side: posted[side] / timings[side] for side in timings}
    return {
        "n_units": n_units,
        "workers": workers,
        "chunks": chunks,
        "labels_posted": posted["ours"],
        "labels_posted_one_at_a_time": posted["one_at_a_time"],
        "ours_s": round(timings["ours"], 3),
        "one_at_a_time_s": round(timings["one_at_a_time"], 3),
        "ours_labels_per_s": round(rate["ours"], 1),
        "one_at_a_time_labels_per_s": round(rate["one_at_a_time"], 1),
        "speedup": round(rate["ours"] / rate["one_at_a_time"], 2),
    }
