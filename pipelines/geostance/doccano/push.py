"""Idempotent bulk push of corpus units into a Doccano project.

One listing request finds what is already there (matched by `meta.unit_id`), then the missing units go up through
Doccano's bulk import (one JSONL file per batch: one upload + one ingest + a worker task, not a request per
example). Each finished batch is committed on the server, so an interrupted push resumes where it stopped: the
next run lists the project again and skips what arrived. A unit whose text changed since upload is reported and
NOT uploaded beside the old one; deciding what happens to its labels is a person's call.

Doccano imports in its task worker: an uploaded batch's rows appear only once the worker has run the import task.
A push killed after the task was queued but before it ran would find too few rows next time and upload the batch
again. So each batch is announced in a marker file beside the push cache before it is uploaded, with the task's id
once Doccano gives it, and the marker goes once the task has run; a push that finds a marker waits for that task
(or, when the kill came before the id was known, for the worker to run everything queued so far) before listing.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geostance.corpus.model import Unit, text_sha256
from geostance.doccano.client import DoccanoError, DoccanoSession
from geostance.doccano.listing import cache_file, existing_examples, refresh_after_upload
from geostance.doccano.setup import PROJECT_TYPE
from geostance.doccano.tasks import check_worker, drain_worker, raise_import_errors, start_import, wait_for_task
from geostance.fileio import atomic_write_json

# Each batch costs an upload, an ingest task and its wait (about a second on a 2-core machine), so batches are
# large; an interrupted push still resumes batch by batch.
DEFAULT_BATCH_SIZE = 5000
# How long a push waits for the worker to run what an interrupted push may have queued (without its task id):
# a batch imports in seconds, so minutes mean the worker is stopped, and the push says so.
DRAIN_TIMEOUT = 180.0


@dataclass(frozen=True)
class ChangedUnit:
    unit_id: str
    example_id: int | None  # None when known from the push cache only
    uploaded_sha256: str
    corpus_sha256: str


@dataclass
class PushPlan:
    new: list[Unit] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    changed: list[ChangedUnit] = field(default_factory=list)
    duplicates: dict[str, list[int]] = field(default_factory=dict)  # unit_id → example ids (made outside push)
    not_in_corpus: list[str] = field(default_factory=list)  # in Doccano, not among the units pushed
    without_unit_id: list[int] = field(default_factory=list)  # examples not made by push
    altered_on_server: list[str] = field(default_factory=list)  # server text no longer hashes to its meta


@dataclass
class PushReport:
    project_id: int
    plan: PushPlan
    uploaded: list[str] = field(default_factory=list)
    batches: int = 0
    listing: str = ""
    waited_for: str = ""  # an import an earlier, interrupted push left unfinished
    project_created: bool = False  # set up from the schema by this push (workflow.run_push)

    def summary(self) -> dict:
        return {
            "project_id": self.project_id,
            "project_created": self.project_created,
            "uploaded": len(self.uploaded),
            "already_there": len(self.plan.unchanged),
            "changed_since_upload": len(self.plan.changed),
            "duplicates_in_project": len(self.plan.duplicates),
            "not_in_corpus": len(self.plan.not_in_corpus),
            "examples_without_unit_id": len(self.plan.without_unit_id),
            "altered_on_server": len(self.plan.altered_on_server),
            "batches": self.batches,
            "listing": self.listing,
            "waited_for_earlier_import": self.waited_for,
        }


def plan_push(units: Sequence[Unit], existing: Iterable[dict]) -> PushPlan:
    """Compare corpus units with the project's examples (dicts with `id` and `meta`). Pure."""
    by_unit: dict[str, list[dict]] = {}
    plan = PushPlan()
    for example in existing:
        uid = (example.get("meta") or {}).get("unit_id")
        if uid is None:
            plan.without_unit_id.append(example["id"])
        else:
            by_unit.setdefault(uid, []).append(example)
    seen = set()
    for unit in units:
        if unit.unit_id in seen:
            raise DoccanoError(f"unit id {unit.unit_id!r} occurs twice among the units to push")
        seen.add(unit.unit_id)
        found = by_unit.get(unit.unit_id)
        if not found:
            plan.new.append(unit)
            continue
        if len(found) > 1:
            plan.duplicates[unit.unit_id] = [e["id"] for e in found]
        uploaded_sha = found[0]["meta"].get("text_sha256")
        if "text" in found[0] and text_sha256(found[0]["text"]) != uploaded_sha:
            plan.altered_on_server.append(unit.unit_id)
        if uploaded_sha != unit.sha256:
            plan.changed.append(ChangedUnit(unit.unit_id, found[0]["id"], str(uploaded_sha), unit.sha256))
        else:
            plan.unchanged.append(unit.unit_id)
    plan.not_in_corpus = sorted(set(by_unit) - seen)
    return plan


def assign_annotators(unit_ids: Sequence[str], annotators: Sequence[str], k: int) -> dict[str, list[str]]:
    """Round-robin: unit i goes to annotators i, i+1, ..., i+k-1 (mod n), so every pair overlaps evenly."""
    if not annotators:
        return {}
    if not 1 <= k <= len(annotators):
        raise DoccanoError(f"cannot give each unit to {k} annotators out of {len(annotators)}")
    n = len(annotators)
    return {uid: [annotators[(i + j) % n] for j in range(k)] for i, uid in enumerate(unit_ids)}


def example_row(unit: Unit, assigned_to: list[str] | None = None) -> dict:
    """One JSONL line for Doccano's import: `text`; every other key becomes the example's meta."""
    # Empty label columns: without them the IntentDetectionAndSlotFilling importer reports every row as an error.
    row = {
        "text": unit.text,
        "entities": [],
        "cats": [],
        "article_id": unit.article_id,
        "unit_id": unit.unit_id,
        "text_sha256": unit.sha256,
    }
    if assigned_to:
        row["assigned_to"] = assigned_to
    return row


def pending_import_file(cache_dir: Path, session: DoccanoSession, project: dict) -> Path:
    return cache_file(cache_dir, session.settings.url, project, ".pending.json")


def settle_pending_import(session: DoccanoSession, marker: Path | None) -> str:
    """Wait until an import that an interrupted push left queued has run, so its rows are listed; say what."""
    if marker is None or not marker.is_file():
        return ""
    try:
        pending = json.loads(marker.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        pending = {}
    if not isinstance(pending, dict):
        pending = {}  # a damaged marker: its task id is unknown, so wait for the whole queue
    what = f"an import left by an interrupted push ({pending.get('file', 'unknown file')})"
    task_id = pending.get("task_id")
    if isinstance(task_id, str) and task_id:
        wait_for_task(session, task_id, what)
    else:
        drain_worker(session, what, timeout=DRAIN_TIMEOUT)
    marker.unlink(missing_ok=True)
    return what


def import_batch(session: DoccanoSession, project_id: int, path: Path, marker: Path | None) -> None:
    """One bulk import, announced in `marker` (when given) from before the upload until its task has run."""
    if marker is not None:
        atomic_write_json(marker, {"file": path.name, "task_id": None})
    task_id = start_import(session, project_id, path, PROJECT_TYPE)
    if marker is not None:
        atomic_write_json(marker, {"file": path.name, "task_id": task_id})
    status = wait_for_task(session, task_id, f"importing {path.name}")
    if marker is not None:
        marker.unlink(missing_ok=True)  # the task has run: its rows are in (or it failed and added none)
    raise_import_errors(status, path.name)


def push_units(
    session: DoccanoSession,
    units: Sequence[Unit],
    *,
    annotators: Sequence[str] = (),
    overlap: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int, int], None] = lambda _done, _total: None,
    cache_dir: Path | None = None,
    refresh: bool = False,
) -> PushReport:
    """Upload the units that are not in the project yet; `on_batch(done, total)` runs after each batch.

    `cache_dir` keeps the project's (example id, unit id, hash) rows between runs (see listing.py) and the marker
    of a batch being imported; without it, a push cannot tell that an earlier one was cut short mid-import."""
    project = session.project()
    if project["project_type"] != PROJECT_TYPE:
        raise DoccanoError(f"project {project['name']!r} has type {project['project_type']}, expected {PROJECT_TYPE}")
    marker = pending_import_file(cache_dir, session, project) if cache_dir is not None else None
    waited = settle_pending_import(session, marker)
    existing, how = existing_examples(session, project, cache_dir, refresh)
    plan = plan_push(units, existing)
    report = PushReport(project_id=project["id"], plan=plan, listing=how, waited_for=waited)
    if not plan.new:
        return report
    check_worker(session)
    # Assignment counts over all units, so a unit keeps the same annotators whichever run uploads it.
    assignment = assign_annotators([u.unit_id for u in units], annotators, overlap)
    with tempfile.TemporaryDirectory(prefix="geostance-push-") as tmp:
        for start in range(0, len(plan.new), batch_size):
            batch = plan.new[start : start + batch_size]
            path = Path(tmp) / f"units-{start // batch_size:05d}.jsonl"
            # ASCII-only JSON: Doccano guesses the file's encoding (chardet) and misreads UTF-8 emoji as cp1252.
            path.write_text(
                "".join(json.dumps(example_row(u, assignment.get(u.unit_id)), ensure_ascii=True) + "\n" for u in batch),
                encoding="ascii",
            )
            import_batch(session, project["id"], path, marker)
            report.uploaded += [u.unit_id for u in batch]
            report.batches += 1
            on_batch(len(report.uploaded), len(plan.new))
    uploaded_rows = [{"unit_id": u.unit_id, "text_sha256": u.sha256} for u in plan.new[: len(report.uploaded)]]
    refresh_after_upload(session, project, cache_dir, existing, uploaded_rows)
    return report
