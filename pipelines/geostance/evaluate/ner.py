"""NER on a split of a built dataset: the pipeline's entity spans scored against gold, beside the lookup
baseline learnt from train."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from geostance.evaluate.baselines import LookupNer
from geostance.metrics import Span, bootstrap_groups, f1_difference_ci, span_scores
from geostance.train.data import TaskData, entity_label_names, row_spans


def ner_predictions(nlp: Any, texts: Sequence[str], progress: Callable | None = None) -> list[list[Span]]:
    """Entity spans of the pipeline as a user runs it; its stance component, if any, is switched off."""
    from tqdm import tqdm

    from geostance.pipes import stance_pipes

    # the NER pipeline as shipped (entity consistency included); stance is scored separately
    docs = nlp.pipe(texts, batch_size=64, disable=stance_pipes(nlp))
    if progress is not None:
        docs = tqdm(docs, total=len(texts), desc="NER", unit="doc", leave=False)
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs]


def ner_gold(data: TaskData, split: str) -> tuple[list[str], list[list[Span]], list[str]]:
    rows = data.split(split)
    names = entity_label_names(rows.features)
    return list(rows["text"]), [row_spans(r, names) for r in rows], list(rows["article_id"])


def evaluate_ner(
    nlp: Any,
    data: TaskData,
    split: str,
    *,
    resamples: int,
    seed: int,
    progress: Callable | None = None,
    baseline: bool = True,
) -> dict[str, Any]:
    texts, gold, articles = ner_gold(data, split)
    groups, unit = bootstrap_groups(articles, list(data.split(split)["id"]))
    pred = ner_predictions(nlp, texts, progress)
    scores = span_scores(gold, pred, groups, resamples=resamples, seed=seed).as_dict()
    scores["bootstrap_unit"] = unit
    if baseline and not data.has("train"):
        scores["baseline"] = None  # the baseline learns its lexicon from train; this dataset has none
    elif baseline:
        train_texts, train_gold, _ = ner_gold(data, "train")
        lookup = LookupNer(train_texts, train_gold)
        looked_up = [lookup(t) for t in texts]
        base = span_scores(gold, looked_up, groups, resamples=resamples, seed=seed).as_dict()
        scores["baseline_f1"] = base["f1"]
        scores["baseline_f1_ci"] = base["f1_ci"]
        diff, diff_ci = f1_difference_ci(gold, pred, looked_up, groups, resamples=resamples, seed=seed)
        scores["f1_minus_baseline"], scores["f1_minus_baseline_ci"] = diff, diff_ci
        scores["baseline"] = {
            "name": "lookup: each train entity string tagged with its most frequent train label",
            "lexicon_size": len(lookup.lexicon),
            **base,
        }
    return scores
