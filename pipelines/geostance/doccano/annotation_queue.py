"""The annotation queue (`geostance doccano queue`, `make queue`): the units the current models are least sure of,
with the models' suggestions on them, first in every annotator's Doccano, and a record of it for the audit.

1. Candidates: corpus units in the project that no annotator has labelled (`candidates.py`).
2. Scores: `uncertainty.unit_uncertainty`, how unsure the NER (beam probabilities) and the stance model (margins,
   least certain target) are of each candidate, averaged over the two.
3. Pick: `selection.pick_batch`, the `size` most uncertain, at most `per_article` from any one article, so one
   long, confusing article cannot fill the batch. The active-learning bench (`geostance bench active`) measures
   this same strategy against random batches.
4. Pre-annotation of the picked units for each annotator (`preannotate.py`: onto examples they have not labelled).
5. Order: rank 1, 2, … as the examples' score, every other example back to the default (`ordering.py`).
6. Record: `annotations/queues/<UTC time>.json`, written atomically at the end: the units with rank and every
   score, the models' fingerprints, the snapshot used, the settings, what was written and how long each step took.
A re-run picks the next batch once annotators have confirmed (or a pull holds) the last one.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geostance.corpus.model import Unit
from geostance.doccano.candidates import (
    CandidatePool,
    confirmed_on_server,
    latest_snapshot,
    select_candidates,
    snapshot_labelled_units,
)
from geostance.doccano.client import DoccanoSession
from geostance.doccano.ordering import annotation_url, set_queue_order
from geostance.doccano.preannotate import preannotate, predict_with_nlp
from geostance.doccano.pull import snapshot_name
from geostance.doccano.settings import DoccanoSettings
from geostance.doccano.setup import Account
from geostance.doccano.uncertainty import UnitUncertainty, unit_uncertainty
from geostance.doccano.user_labels import DEFAULT_WORKERS, LabelReport
from geostance.errors import GeostanceError, InputError
from geostance.fileio import atomic_write_json
from geostance.paths import shown
from geostance.schema import Schema
from geostance.selection import pick_batch

RECORD_VERSION = 1
STRATEGY = (
    "uncertainty: mean of the stance model's margin uncertainty (least certain target) and the NER's "
    "beam uncertainty (weakest candidate entity); the most uncertain first, at most per_article units "
    "from one article (geostance.selection.pick_batch)"
)


@dataclass(frozen=True)
class QueueOptions:
    ner_dir: Path
    stance_dir: Path
    size: int = 50
    per_article: int = 3
    threshold: float = 0.5  # the lowest stance score suggested, as in `preannotate`
    workers: int = DEFAULT_WORKERS

    def check(self) -> None:
        if self.size < 0 or self.per_article < 1 or self.workers < 1:
            raise GeostanceError(
                f"queue size must be ≥ 0, per-article and workers ≥ 1 (got {self.size}, "
                f"{self.per_article}, {self.workers})"
            )
        for what, folder in (("NER", self.ner_dir), ("stance", self.stance_dir)):
            if not (folder / "meta.json").is_file():
                raise InputError(
                    folder, f"no trained {what} model here (no meta.json): run `make train`, or give the model's folder"
                )


@dataclass(frozen=True)
class QueuedUnit:
    rank: int
    unit_id: str
    article_id: str
    example_id: int
    uncertainty: float  # what the rank sorts by
    stance: float | None
    ner: float | None
    stance_by_target: dict[str, float]


def rank_candidates(
    pool: CandidatePool, scores: Sequence[UnitUncertainty], size: int, per_article: int
) -> list[QueuedUnit]:
    """The queue: `pick_batch` over the candidates' combined uncertainty, grouped by article. Pure."""
    if len(scores) != len(pool.candidates):
        raise ValueError(f"{len(scores)} scores for {len(pool.candidates)} candidates")
    picked = pick_batch([s.combined for s in scores], [c.unit.article_id for c in pool.candidates], size, per_article)
    queue = []
    for rank, i in enumerate(picked, start=1):
        candidate, score = pool.candidates[i], scores[i]
        queue.append(
            QueuedUnit(
                rank,
                candidate.unit.unit_id,
                candidate.unit.article_id,
                candidate.example["id"],
                score.combined,
                score.stance,
                score.ner,
                dict(score.stance_by_target),
            )
        )
    return queue


def model_fingerprint(model_dir: Path) -> dict[str, Any]:
    """What identifies a trained model: sha256 over its files (names and contents), sha256 of its meta.json, and
    the fingerprint of the dataset it was trained on (from meta.json)."""
    files = sorted(p for p in model_dir.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(model_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    meta_bytes = (model_dir / "meta.json").read_bytes()
    try:
        meta = json.loads(meta_bytes)
    except ValueError:
        raise InputError(model_dir / "meta.json", "not JSON") from None
    dataset = meta.get("dataset_fingerprint") or (meta.get("geostance") or {}).get("dataset_fingerprint")
    return {
        "path": shown(model_dir),
        "files_sha256": digest.hexdigest(),
        "meta_sha256": hashlib.sha256(meta_bytes).hexdigest(),
        "dataset_fingerprint": dataset,
    }


def write_queue_record(queues_dir: Path, record: dict, name: str) -> Path:
    """`queues_dir/<name>.json`, atomically; a second queue in the same second gets `<name>-2.json`, and so on."""
    path, n = queues_dir / f"{name}.json", 1
    while path.exists():
        n += 1
        path = queues_dir / f"{name}-{n}.json"
    atomic_write_json(path, record)
    return path


@dataclass
class QueueReport:
    record: dict
    record_path: Path

    def summary(self) -> dict:
        return {
            "queue": shown(self.record_path),
            "units": len(self.record["units"]),
            "candidates": self.record["candidates"]["candidates"],
            "annotation_url": self.record["annotation_url"],
            "preannotation": self.record["preannotation"],
            "order": self.record["order"],
            "seconds": self.record["seconds"],
        }


class _Clock:
    """Seconds per step, for the record."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = round(now - self._last, 3)
        self._last = now


def make_queue(
    admin: DoccanoSession,
    settings: DoccanoSettings,
    units: Sequence[Unit],
    accounts: Sequence[Account],
    options: QueueOptions,
    schema: Schema,
    *,
    snapshots_dir: Path,
    queues_dir: Path,
    echo: Callable[[str], None] = lambda _m: None,
) -> QueueReport:
    """Steps 1–6 of the module docstring; `admin` is a logged-in project admin, `accounts` the annotators to
    pre-annotate for (none: the admin's own user)."""
    options.check()
    clock = _Clock()
    project = admin.project()
    listed = admin.list_examples(project["id"])
    pool, snapshot = _candidates(admin, project, listed, units, snapshots_dir)
    clock.lap("candidates")
    echo(
        f"{len(pool.candidates)} candidate units; scoring them with {shown(options.ner_dir)} and "
        f"{shown(options.stance_dir)}"
    )
    texts = [c.unit.text for c in pool.candidates]
    # Loaded once for the scores and the suggestions: a stance model takes seconds to load (its file is checked).
    bundle = load_stance(options.stance_dir) if texts else {}
    scores = unit_uncertainty(texts, options.ner_dir, options.stance_dir, stance_bundle=bundle) if texts else []
    queue = rank_candidates(pool, scores, options.size, options.per_article)
    clock.lap("scoring")
    reports = _preannotate(settings, pool, queue, accounts, options, schema, bundle)
    clock.lap("preannotation")
    order = set_queue_order(admin, project["id"], [q.example_id for q in queue], listed, options.workers)
    clock.lap("order")
    record = queue_record(settings, project, options, pool, queue, snapshot, reports, order)
    record["seconds"] = clock.seconds
    path = write_queue_record(queues_dir, record, record["queue"])
    return QueueReport(record, path)


def _candidates(
    admin: DoccanoSession, project: dict, listed: list[dict], units: Sequence[Unit], snapshots_dir: Path
) -> tuple[CandidatePool, Path | None]:
    by_unit: dict[str, dict] = {}
    for example in listed:
        unit_id = (example.get("meta") or {}).get("unit_id")
        if unit_id is not None:
            by_unit.setdefault(unit_id, example)
    snapshot = latest_snapshot(snapshots_dir)
    labelled = snapshot_labelled_units(snapshot) if snapshot is not None else {}
    confirmed = confirmed_on_server(admin, project["id"])
    return select_candidates(units, by_unit, labelled, confirmed), snapshot


def load_stance(stance_dir: Path) -> dict[str, Any]:
    from geostance.runtime.stance_component import MODEL_FILE, UntrustedModelError, load_stance_model

    try:
        return load_stance_model(stance_dir / MODEL_FILE)
    except (UntrustedModelError, FileNotFoundError) as exc:
        raise InputError(stance_dir / MODEL_FILE, str(exc)) from None


def suggestion_pipeline(ner_dir: Path, stance_bundle: dict[str, Any]) -> Any:
    """The NER pipeline plus the stance component (as `geostance package` assembles them), the component given the
    stance model already loaded."""
    from geostance.runtime.assemble import assemble_pipeline
    from geostance.runtime.stance_component import FACTORY_NAME

    nlp = assemble_pipeline(ner_dir, None)
    stance = nlp.add_pipe(FACTORY_NAME, config={"targets": list(stance_bundle["targets"])})
    stance.bundle = stance_bundle
    return nlp


def _preannotate(
    settings: DoccanoSettings,
    pool: CandidatePool,
    queue: Sequence[QueuedUnit],
    accounts: Sequence[Account],
    options: QueueOptions,
    schema: Schema,
    stance_bundle: dict[str, Any],
) -> list[LabelReport]:
    """The models' suggestions on the queued units, posted for each annotator."""
    if not queue:
        return []
    examples = {c.unit.unit_id: c.example for c in pool.candidates}
    texts = {q.unit_id: examples[q.unit_id]["text"] for q in queue}
    predictions = predict_with_nlp(
        suggestion_pipeline(options.ner_dir, stance_bundle), texts, schema, options.threshold
    )
    return preannotate(
        settings, predictions, accounts, workers=options.workers, examples={uid: examples[uid] for uid in texts}
    )


def queue_record(
    settings: DoccanoSettings,
    project: dict,
    options: QueueOptions,
    pool: CandidatePool,
    queue: Sequence[QueuedUnit],
    snapshot: Path | None,
    reports: Sequence[LabelReport],
    order: dict[str, int],
    now: datetime | None = None,
) -> dict:
    """The JSON record of one queue (see the module docstring)."""
    created = now or datetime.now(UTC)
    return {
        "version": RECORD_VERSION,
        "queue": snapshot_name(created),
        "created_at": created.isoformat(timespec="seconds"),
        "server": settings.url,
        "project": {"id": project["id"], "name": project["name"]},
        "annotation_url": annotation_url(settings.url, project),
        "strategy": STRATEGY,
        "settings": {
            "size": options.size,
            "per_article": options.per_article,
            "threshold": options.threshold,
            "workers": options.workers,
        },
        "models": {"ner": model_fingerprint(options.ner_dir), "stance": model_fingerprint(options.stance_dir)},
        "snapshot": shown(snapshot) if snapshot is not None else None,
        "candidates": pool.summary(),
        "units": [asdict(q) for q in queue],
        "preannotation": {
            r.user: {
                "examples": r.examples,
                "spans_added": r.spans_added,
                "cats_added": r.cats_added,
                "skipped_labelled": r.skipped_labelled,
            }
            for r in reports
        },
        "order": order,
    }
