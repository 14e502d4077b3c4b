"""Pre-annotation (Prodigy's `ner.correct` loop, for Doccano): model predictions posted onto unlabelled examples.

Why as each annotator: with collaborative mode off (we keep it off, to measure agreement), Doccano 1.8.4 shows a
user only the labels whose `user` is that user (labels/views.py: `queryset.filter(user=self.request.user)`), and
a new label's user is whoever posted it. Predictions posted by the admin, or imported with the examples, are
invisible to annotators. So we log in as each annotator and post the predictions as theirs, only on examples where
that annotator has no label yet. Each label carries the model's score in Doccano's `prob` field (UI-made labels
have prob 0), so a suggestion that was kept stays distinguishable from one a person added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from geostance.doccano.client import DoccanoSession, connect
from geostance.doccano.decisions import Decision
from geostance.doccano.settings import DoccanoSettings
from geostance.doccano.setup import Account
from geostance.doccano.user_labels import DEFAULT_WORKERS, LabelReport, examples_by_unit, write_labels
from geostance.errors import InputError
from geostance.schema import Schema, category_name

NER_SCORE = 1.0  # spaCy's NER gives no per-entity score; any prob > 0 marks a machine suggestion


def predict_with_spacy(
    model_dir: Path, texts: Mapping[str, str], schema: Schema, threshold: float = 0.5
) -> list[Decision]:
    """`predict_with_nlp` with the spaCy pipeline saved in `model_dir`."""
    import spacy

    try:
        nlp = spacy.load(model_dir)
    except OSError as exc:
        raise InputError(model_dir, f"not a spaCy pipeline: {exc}") from None
    return predict_with_nlp(nlp, texts, schema, threshold)


def predict_with_nlp(nlp: Any, texts: Mapping[str, str], schema: Schema, threshold: float = 0.5) -> list[Decision]:
    """Entities from the pipeline's `ents`; stances from `doc.cats` named `<target>:<label>` (best label per
    target at or above `threshold`). Labels outside the schema are left out."""
    decisions = []
    ids = list(texts)
    for uid, doc in zip(ids, nlp.pipe(texts[i] for i in ids), strict=True):
        entities = [(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in schema.entity_names]
        cats, scores = [], []
        for target in schema.targets:
            options = {label: doc.cats.get(category_name(target.id, label), 0.0) for label in schema.stance_labels}
            best = max(options, key=lambda label: options[label])
            if options[best] >= threshold:
                cats.append(category_name(target.id, best))
                scores.append(float(options[best]))
        decisions.append(Decision(uid, tuple(entities), tuple(cats), 0, (NER_SCORE,) * len(entities) + tuple(scores)))
    return decisions


def project_texts(session: DoccanoSession) -> dict[str, str]:
    return {uid: ex["text"] for uid, ex in examples_by_unit(session, session.project()["id"]).items()}


def preannotate(
    settings: DoccanoSettings,
    predictions: Sequence[Decision],
    accounts: Sequence[Account] = (),
    progress: Callable[[str, int, int], None] = lambda _u, _d, _t: None,
    *,
    workers: int = DEFAULT_WORKERS,
    examples: Mapping[str, dict] | None = None,
) -> list[LabelReport]:
    """Post `predictions` as each account (default: the DOCCANO_USERNAME user) onto examples it has not labelled;
    `examples` (unit id → example, as any user lists them) saves each account a listing of the whole project."""
    users = list(accounts) or [Account(settings.username, settings.password)]
    reports = []
    for account in users:
        session = connect(settings.as_user(account.username, account.password))
        reports.append(
            write_labels(
                session,
                predictions,
                replace=False,
                only_unlabelled=True,
                confirm=False,
                progress=_progress_of(account.username, len(predictions), progress),
                workers=workers,
                examples=examples,
            )
        )
    return reports


def _progress_of(user: str, total: int, progress: Callable[[str, int, int], None]) -> Callable[[int], None]:
    return lambda done: progress(user, done, total)
