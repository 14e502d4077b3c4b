"""Writing one user's labels onto examples, idempotently, several examples at a time.

Doccano 1.8.4 scopes labels per user when collaborative mode is off: the label list endpoints filter by
`request.user` and new labels are saved with `user=request.user` (labels/views.py, BaseListAPI). So labels are
written while logged in as the user who must see them. Doccano has no bulk endpoint for labels on existing examples
(its bulk import only creates new examples, and its auto-labeling stores no `prob`), so each missing label is one
request; what the user already has is read first, so a re-run adds nothing twice.

The requests go through our own session (`DoccanoSession.request`: timeouts, retries), and examples are written
from a thread pool (`workers`): each example's reads and writes stay in order on one thread, different examples
overlap. Each label costs the server about 15 ms of CPU (Django's validation and queries), the client a few: one
request at a time leaves the server idle while the client works and the other way round; several in flight keep
its web workers busy. The server's CPU is then the limit (see the README's speed figures).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from geostance.doccano.client import DoccanoError, DoccanoSession
from geostance.doccano.decisions import Decision
from geostance.doccano.offsets import OffsetError, span_to_utf16, utf16_prefix

# Requests in flight per user. More than the server's web workers (2 from `geostance doccano up`): on a busy
# machine the client is slower to send its next request than a worker is to take it, so a few waiting at the
# server keep the workers busy. Equal to the session's connection pool (8), so no thread waits for a connection.
DEFAULT_WORKERS = 8


@dataclass
class LabelReport:
    user: str
    examples: int = 0
    spans_added: int = 0
    spans_removed: int = 0
    cats_added: int = 0
    cats_removed: int = 0
    unchanged: int = 0
    skipped_labelled: list[str] = field(default_factory=list)  # preannotate: the user had labels already
    unknown_units: list[str] = field(default_factory=list)  # not in the project
    confirmed: int = 0

    @property
    def labels_written(self) -> int:
        return self.spans_added + self.spans_removed + self.cats_added + self.cats_removed


@dataclass
class ExampleChanges:
    """What writing one decision changed on its example."""

    spans_added: int = 0
    spans_removed: int = 0
    cats_added: int = 0
    cats_removed: int = 0
    skipped_labelled: bool = False
    confirmed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.spans_added or self.spans_removed or self.cats_added or self.cats_removed)


@dataclass(frozen=True)
class WantedLabels:
    """A decision in Doccano's terms: spans as (UTF-16 start, end, label type id) and category type ids, each with
    the score to post as `prob` (0.0 for a person's decision)."""

    spans: dict[tuple[int, int, int], float]
    cats: dict[int, float]


def label_type_ids(session: DoccanoSession, project_id: int) -> tuple[dict[str, int], dict[str, int]]:
    spans = session.call("listing span labels", session.api.list_label_types, project_id, "span")
    cats = session.call("listing categories", session.api.list_label_types, project_id, "category")
    return {t.text: t.id for t in spans}, {t.text: t.id for t in cats}


def examples_by_unit(session: DoccanoSession, project_id: int) -> dict[str, dict]:
    """The project's examples by `meta.unit_id` (the first, when push warned of duplicates)."""
    found: dict[str, dict] = {}
    for example in session.list_examples(project_id):
        uid = (example.get("meta") or {}).get("unit_id")
        if uid is not None:
            found.setdefault(uid, example)
    return found


def write_labels(
    session: DoccanoSession,
    decisions: Sequence[Decision],
    *,
    replace: bool,
    only_unlabelled: bool,
    confirm: bool,
    progress: Callable[[int], None] = lambda _n: None,
    workers: int = DEFAULT_WORKERS,
    examples: Mapping[str, dict] | None = None,
) -> LabelReport:
    """Make the logged-in user's labels on each decision's example equal the decision (`replace`), or add the
    missing ones only. `only_unlabelled` skips examples where the user has any label (pre-annotation).

    `examples` (unit id → the server's example dict) saves listing the whole project when the caller has it; with
    `confirm`, it must have been listed as this user (`is_confirmed` is per user). The first failure stops the
    run: examples not started yet are not written, and the error is raised."""
    if workers < 1:
        raise ValueError(f"workers must be ≥ 1 (got {workers})")
    pid = session.project()["id"]
    span_ids, cat_ids = label_type_ids(session, pid)
    by_unit = examples if examples is not None else examples_by_unit(session, pid)

    def write_one(decision: Decision) -> ExampleChanges | None:
        example = by_unit.get(decision.unit_id)
        if example is None:
            return None
        wanted = wanted_labels(decision, example["text"], span_ids, cat_ids)
        changes = write_example(
            session, pid, example["id"], decision.unit_id, wanted, replace=replace, only_unlabelled=only_unlabelled
        )
        if confirm and not example.get("is_confirmed"):
            # Doccano's state endpoint toggles: sent once, and only for an example not yet confirmed.
            session.request("POST", f"projects/{pid}/examples/{example['id']}/states", "confirming an example")
            changes.confirmed = True
        return changes

    report = LabelReport(user=session.settings.username)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="doccano-labels")
    try:
        futures = [pool.submit(write_one, decision) for decision in decisions]
        for done, (decision, future) in enumerate(zip(decisions, futures, strict=True), start=1):
            _count(report, decision, future.result())
            progress(done)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return report


def _count(report: LabelReport, decision: Decision, changes: ExampleChanges | None) -> None:
    if changes is None:
        report.unknown_units.append(decision.unit_id)
        return
    report.examples += 1
    report.confirmed += changes.confirmed
    if changes.skipped_labelled:
        report.skipped_labelled.append(decision.unit_id)
        return
    report.spans_added += changes.spans_added
    report.spans_removed += changes.spans_removed
    report.cats_added += changes.cats_added
    report.cats_removed += changes.cats_removed
    report.unchanged += not changes.changed


def wanted_labels(decision: Decision, text: str, span_ids: dict[str, int], cat_ids: dict[str, int]) -> WantedLabels:
    """The decision's labels in the example's UTF-16 offsets and the project's label type ids."""
    scores = decision.scores
    n_ent = len(decision.entities)
    prefix = utf16_prefix(text)
    try:
        spans = {
            (*span_to_utf16(text, s, e, prefix), span_ids[label]): scores[i] if scores else 0.0
            for i, (s, e, label) in enumerate(decision.entities)
        }
    except OffsetError as exc:
        raise DoccanoError(f"unit {decision.unit_id!r}: {exc}") from None
    except KeyError as exc:
        raise DoccanoError(
            f"label {exc.args[0]!r} is not in the Doccano project; run `geostance doccano setup`"
        ) from None
    try:
        cats = {cat_ids[c]: scores[n_ent + i] if scores else 0.0 for i, c in enumerate(decision.cats)}
    except KeyError as exc:
        raise DoccanoError(
            f"category {exc.args[0]!r} is not in the Doccano project; run `geostance doccano setup`"
        ) from None
    return WantedLabels(spans, cats)


def _labels_path(pid: int, example_id: int, kind: str) -> str:
    return f"projects/{pid}/examples/{example_id}/{kind}"


def write_example(
    session: DoccanoSession,
    pid: int,
    example_id: int,
    unit_id: str,
    wanted: WantedLabels,
    *,
    replace: bool,
    only_unlabelled: bool,
) -> ExampleChanges:
    """Bring the user's labels on one example to `wanted`: add what is missing and, with `replace`, remove the rest."""
    spans_path, cats_path = _labels_path(pid, example_id, "spans"), _labels_path(pid, example_id, "categories")
    have_spans = {
        (s["start_offset"], s["end_offset"], s["label"]): s["id"]
        for s in session.request("GET", spans_path, f"listing the spans of {unit_id!r}")
    }
    have_cats = {
        c["label"]: c["id"] for c in session.request("GET", cats_path, f"listing the categories of {unit_id!r}")
    }
    changes = ExampleChanges()
    if only_unlabelled and (have_spans or have_cats):
        changes.skipped_labelled = True
        return changes
    if replace:
        for key, label_id in have_spans.items():
            if key not in wanted.spans:
                session.request("DELETE", f"{spans_path}/{label_id}", f"removing a span from {unit_id!r}")
                changes.spans_removed += 1
        for label, label_id in have_cats.items():
            if label not in wanted.cats:
                session.request("DELETE", f"{cats_path}/{label_id}", f"removing a category from {unit_id!r}")
                changes.cats_removed += 1
    for (start, end, label), prob in wanted.spans.items():
        if (start, end, label) not in have_spans:
            session.request(
                "POST",
                spans_path,
                f"adding a span to {unit_id!r}",
                json={"label": label, "start_offset": start, "end_offset": end, "prob": prob},
            )
            changes.spans_added += 1
    for label, prob in wanted.cats.items():
        if label not in have_cats:
            session.request("POST", cats_path, f"adding a category to {unit_id!r}", json={"label": label, "prob": prob})
            changes.cats_added += 1
    return changes
