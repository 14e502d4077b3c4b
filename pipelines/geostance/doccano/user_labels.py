"""Writing one user's labels onto examples, idempotently.

Doccano 1.8.4 scopes labels per user when collaborative mode is off: the label list endpoints filter by
`request.user` and new labels are saved with `user=request.user` (labels/views.py, BaseListAPI). So labels are
written while logged in as the user who must see them. Doccano has no bulk endpoint for labels on existing examples
(its bulk import only creates new examples), so each missing label is one request on a kept-alive session; what the
user already has is read first, so a re-run adds nothing twice. Each example is written on its own and returns its
changes, so examples could be written in parallel on the same session.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from geostance.doccano.client import DoccanoError, DoccanoSession
from geostance.doccano.decisions import Decision
from geostance.doccano.offsets import OffsetError, span_to_utf16, utf16_prefix


@dataclass
class LabelReport:
    user: str
    examples: int = 0
    spans_added: int = 0
    spans_removed: int = 0
    cats_added: int = 0
    cats_removed: int = 0
    unchanged: int = 0
    skipped_labelled: list[str] = field(default_factory=list)   # preannotate: the user had labels already
    unknown_units: list[str] = field(default_factory=list)      # not in the project
    confirmed: int = 0


@dataclass
class ExampleChanges:
    """What writing one decision changed on its example."""
    spans_added: int = 0
    spans_removed: int = 0
    cats_added: int = 0
    cats_removed: int = 0
    skipped_labelled: bool = False

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
    found: dict[str, dict] = {}
    for example in session.list_examples(project_id):
        uid = (example.get("meta") or {}).get("unit_id")
        if uid is not None:
            found.setdefault(uid, example)
    return found


def write_labels(session: DoccanoSession, decisions: Sequence[Decision], *, replace: bool, only_unlabelled: bool,
                 confirm: bool, progress: Callable[[int], None] = lambda _n: None) -> LabelReport:
    """Make the logged-in user's labels on each decision's example equal the decision (`replace`), or add the
    missing ones only. `only_unlabelled` skips examples where the user has any label (pre-annotation)."""
    pid = session.project()["id"]
    span_ids, cat_ids = label_type_ids(session, pid)
    examples = examples_by_unit(session, pid)
    report = LabelReport(user=session.settings.username)
    for done, decision in enumerate(decisions, start=1):
        example = examples.get(decision.unit_id)
        if example is None:
            report.unknown_units.append(decision.unit_id)
        else:
            wanted = wanted_labels(decision, example["text"], span_ids, cat_ids)
            _count(report, decision, write_example(session, pid, example["id"], decision.unit_id, wanted,
                                                   replace=replace, only_unlabelled=only_unlabelled))
            if confirm and not example.get("is_confirmed"):
                # Doccano's state endpoint toggles: sent once, and only for an example not yet confirmed.
                session.call_once("confirming an example", session.api.update_example_state, pid, example["id"])
                report.confirmed += 1
        progress(done)
    return report


def _count(report: LabelReport, decision: Decision, changes: ExampleChanges) -> None:
    report.examples += 1
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
        spans = {(*span_to_utf16(text, s, e, prefix), span_ids[label]): scores[i] if scores else 0.0
                 for i, (s, e, label) in enumerate(decision.entities)}
    except OffsetError as exc:
        raise DoccanoError(f"unit {decision.unit_id!r}: {exc}") from None
    except KeyError as exc:
        raise DoccanoError(f"label {exc.args[0]!r} is not in the Doccano project; "
                           f"run `geostance doccano setup`") from None
    try:
        cats = {cat_ids[c]: scores[n_ent + i] if scores else 0.0 for i, c in enumerate(decision.cats)}
    except KeyError as exc:
        raise DoccanoError(f"category {exc.args[0]!r} is not in the Doccano project; "
                           f"run `geostance doccano setup`") from None
    return WantedLabels(spans, cats)


def write_example(session: DoccanoSession, pid: int, example_id: int, unit_id: str, wanted: WantedLabels, *,
                  replace: bool, only_unlabelled: bool) -> ExampleChanges:
    """Bring the user's labels on one example to `wanted`: add what is missing and, with `replace`, remove the rest."""
    api = session.api
    have_spans = {(s.start_offset, s.end_offset, s.label): s.id
                  for s in session.call("listing spans", api.list_spans, pid, example_id)}
    have_cats = {c.label: c.id for c in session.call("listing categories", api.list_categories, pid, example_id)}
    changes = ExampleChanges()
    if only_unlabelled and (have_spans or have_cats):
        changes.skipped_labelled = True
        return changes
    if replace:
        for key, label_id in have_spans.items():
            if key not in wanted.spans:
                session.call("removing a span", api.delete_span, pid, example_id, label_id)
                changes.spans_removed += 1
        for label, label_id in have_cats.items():
            if label not in wanted.cats:
                session.call("removing a category", api.delete_category, pid, example_id, label_id)
                changes.cats_removed += 1
    for (start, end, label), prob in wanted.spans.items():
        if (start, end, label) not in have_spans:
            session.call_once(f"adding a span to {unit_id!r}", api.create_span, pid, example_id, start, end, label,
                              confidence=prob)
            changes.spans_added += 1
    for label, prob in wanted.cats.items():
        if label not in have_cats:
            session.call_once(f"adding a category to {unit_id!r}", api.create_category, pid, example_id, label,
                              confidence=prob)
            changes.cats_added += 1
    return changes
