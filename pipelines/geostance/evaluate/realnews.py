"""Real-news NER evaluation: a pipeline on news it never saw (CoNLL-2003 `eng.testb`, Reuters), with its labels
mapped onto CoNLL's four.

Each of the file's 231 `-DOCSTART-` documents becomes one text, its tokens joined by single spaces (sentences too),
and the pipeline tokenises that text itself, as a user's pipeline would. Scores are exact character spans, micro
and per label, with an article-bootstrap CI (`geostance.metrics.span_scores`). Labels without a CoNLL counterpart
(DATE, MONEY, ... from a stock pipeline) are left out of the prediction and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.evaluate.ner import ner_predictions
from geostance.metrics import Span, span_scores

# OntoNotes-style labels (the schema's, and a stock English pipeline's) → CoNLL-2003's; declared once here.
CONLL_LABEL_MAP: dict[str, str] = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "MISC",
    "EVENT": "MISC",
    # a model trained on CoNLL itself already speaks its labels
    "PER": "PER",
    "MISC": "MISC",
}
REALNEWS_FILE = Path("conll2003") / "eng.testb"


@dataclass
class GoldDocuments:
    ids: list[str]
    texts: list[str]
    spans: list[list[Span]]

    @property
    def words(self) -> int:
        return sum(len(text.split()) for text in self.texts)


def join_sentences(sentences: Iterable[tuple[str, str, Sequence[Span]]]) -> GoldDocuments:
    """(article id, text, spans) sentences → one text per article, in first-seen order: its sentences joined by
    a space, each sentence's spans shifted onto the joined text."""
    docs: dict[str, tuple[list[str], list[Span]]] = {}
    for article_id, text, spans in sentences:
        parts, joined = docs.setdefault(article_id, ([], []))
        offset = sum(len(p) + 1 for p in parts)
        parts.append(text)
        joined += [(start + offset, end + offset, label) for start, end, label in spans]
    ids = list(docs)
    return GoldDocuments(ids=ids, texts=[" ".join(docs[i][0]) for i in ids], spans=[docs[i][1] for i in ids])


def conll_documents(path: Path) -> GoldDocuments:
    """One text per `-DOCSTART-` document of a CoNLL file (sentences joined by a space), gold spans on it."""
    from geostance.dataset.readers.conll import TagScheme, read_conll

    return join_sentences(
        (record.article_id, record.text, [(s.start, s.end, s.label) for s in record.spans])
        for record in read_conll(Path(path), TagScheme.iob1)
    )


def map_spans(spans: Sequence[Span], label_map: dict[str, str], dropped: Counter[str]) -> list[Span]:
    """Spans with mapped labels; spans of an unmapped label are left out and counted in `dropped`."""
    out = []
    for start, end, label in spans:
        if label in label_map:
            out.append((start, end, label_map[label]))
        else:
            dropped[label] += 1
    return out


def score_on_documents(
    nlp: Any,
    gold: GoldDocuments,
    label_map: dict[str, str] | None = None,
    *,
    resamples: int = 200,
    seed: int = 0,
    progress: Callable | None = None,
) -> dict[str, Any]:
    """Scores of `nlp` on `gold`; with `label_map`, predictions are mapped first (and unmapped labels counted)."""
    dropped: Counter[str] = Counter()
    predicted = ner_predictions(nlp, gold.texts, progress)
    if label_map is not None:
        predicted = [map_spans(spans, label_map, dropped) for spans in predicted]
    scores = span_scores(gold.spans, predicted, gold.ids, resamples=resamples, seed=seed).as_dict()
    scores["unmapped_predictions"] = dict(sorted(dropped.items()))
    return scores


def evaluate_realnews(
    nlp: Any, data_dir: Path, *, resamples: int = 200, seed: int = 0, progress: Callable | None = None
) -> dict[str, Any]:
    """The pipeline on `eng.testb` under `data_dir`, labels mapped to CoNLL's four."""
    gold = conll_documents(Path(data_dir) / REALNEWS_FILE)
    scores = score_on_documents(nlp, gold, CONLL_LABEL_MAP, resamples=resamples, seed=seed, progress=progress)
    return {
        "data": str(REALNEWS_FILE),
        "documents": len(gold.ids),
        "words": gold.words,
        "label_map": CONLL_LABEL_MAP,
        **scores,
    }
