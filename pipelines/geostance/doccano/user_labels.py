"""Writing one user's labels onto examples, idempotently.

Doccano 1.8.4 scopes labels per user when collaborative mode is off: the label list endpoints filter by
`request.user` and new labels are saved with `user=request.user` (labels/views.py, BaseListAPI). So labels are
written while logged in as the user who must see them. Doccano has no bulk endpoint for labels on existing examples
(its bulk import only creates new examples), so each missing label is one POST on a kept-alive session; what the
user already has is read first, so a re-run adds nothing twice.
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


def label_type_ids(session: DoccanoSession, project_id: int) -> tuple[dict[str, int], dict[str, int]]:
    spans = {t["text"]: t["id"] for t in session.get(f"projects/{project_id}/span-types", "listing span labels")}
    cats = {t["text"]: t["id"] for t in session.get(f"projects/{project_id}/category-types", "listing categories")}
    return spans, cats


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
    project = session.project()
    pid = project["id"]
    span_ids, cat_ids = label_type_ids(session, pid)
    examples = examples_by_unit(session, pid)
    report = LabelReport(user=session.settings.username)
    for done, decision in enumerate(decisions, start=1):
        example = examples.get(decision.unit_id)
        if example is None:
            report.unknown_units.append(decision.unit_id)
            progress(done)
            continue
        _write_one(session, pid, example, decision, span_ids, cat_ids, replace, only_unlabelled, report)
        if confirm and not example.get("is_confirmed"):
            session.post(f"projects/{pid}/examples/{example['id']}/states", "confirming an example", json={})
            report.confirmed += 1
        progress(done)
    return report


def _write_one(session: DoccanoSession, pid: int, example: dict, decision: Decision, span_ids: dict[str, int],
               cat_ids: dict[str, int], replace: bool, only_unlabelled: bool, report: LabelReport) -> None:
    base = f"projects/{pid}/examples/{example['id']}"
    text = example["text"]
    prefix = utf16_prefix(text)
    try:
        wanted_spans = {(*span_to_utf16(text, s, e, prefix), span_ids[label]): i
                        for i, (s, e, label) in enumerate(decision.entities)}
    except OffsetError as exc:
        raise DoccanoError(f"unit {decision.unit_id!r}: {exc}") from None
    except KeyError as exc:
        raise DoccanoError(f"label {exc.args[0]!r} is not in the Doccano project; run `geostance doccano setup`") from None
    try:
        wanted_cats = {cat_ids[c]: i for i, c in enumerate(decision.cats)}
    except KeyError as exc:
        raise DoccanoError(f"category {exc.args[0]!r} is not in the Doccano project; run `geostance doccano setup`") from None
    have_spans = {(s["start_offset"], s["end_offset"], s["label"]): s["id"]
                  for s in session.get(f"{base}/spans", "listing spans")}
    have_cats = {c["label"]: c["id"] for c in session.get(f"{base}/categories", "listing categories")}
    report.examples += 1
    if only_unlabelled and (have_spans or have_cats):
        report.skipped_labelled.append(decision.unit_id)
        return
    scores = decision.scores
    n_ent = len(decision.entities)
    changed = False
    if replace:
        for key, label_id in have_spans.items():
            if key not in wanted_spans:
                session.request("DELETE", f"{base}/spans/{label_id}", "removing a span")
                report.spans_removed += 1
                changed = True
        for key, label_id in have_cats.items():
            if key not in wanted_cats:
                session.request("DELETE", f"{base}/categories/{label_id}", "removing a category")
                report.cats_removed += 1
                changed = True
    for (start, end, label_id), i in wanted_spans.items():
        if (start, end, label_id) not in have_spans:
            body = {"start_offset": start, "end_offset": end, "label": label_id}
            if scores:
                body["prob"] = scores[i]
            session.post(f"{base}/spans", f"adding a span to {decision.unit_id!r}", json=body)
            report.spans_added += 1
            changed = True
    for label_id, i in wanted_cats.items():
        if label_id not in have_cats:
            body = {"label": label_id}
            if scores:
                body["prob"] = scores[n_ent + i]
            session.post(f"{base}/categories", f"adding a category to {decision.unit_id!r}", json=body)
            report.cats_added += 1
            changed = True
    if not changed:
        report.unchanged += 1
