"""Real-news NER evaluation: a pipeline on news it never saw (CoNLL-2003 `eng.testb`, Reuters), with its labels
mapped onto CoNLL's four.

Each of the file's 231 `-DOCSTART-` documents becomes one text, its tokens joined by single spaces (sentences too),
and the pipeline tokenises that text itself, as a user's pipeline would. Scores are exact character spans, micro
and per label, with an article-bootstrap CI (`evaluate.metrics.span_scores`). Labels without a CoNLL counterpart
(DATE, MONEY, ... from a stock pipeline) are left out of the prediction and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.evaluate import metrics as M
from geostance.evaluate.run import ner_predictions

# OntoNotes-style labels (the schema's, and a stock English pipeline's) → CoNLL-2003's; declared once here.
CONLL_LABEL_MAP: dict[str, str] = {
    "PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "NORP": "MISC", "EVENT": "MISC",
    # a model trained on CoNLL itself already speaks its labels
    "PER": "PER", "MISC": "MISC",
}
REALNEWS_FILE = Path("conll2003") / "eng.testb"


@dataclass
class GoldDocuments:
    ids: list[str]
    texts: list[str]
    spans: list[list[M.Span]]

    @property
    def words(self) -> int:
        return sum(len(text.split()) for text in self.texts)


def conll_documents(path: Path) -> GoldDocuments:
    """One text per `-DOCSTART-` document (sentences joined by a space), with gold spans shifted to match."""
    from geostance.dataset.readers.conll import TagScheme, read_conll

    docs: dict[str, tuple[list[str], list[M.Span]]] = {}
    for record in read_conll(Path(path), TagScheme.iob1):
        parts, spans = docs.setdefault(record.article_id, ([], []))
        offset = sum(len(p) + 1 for p in parts)
        parts.append(record.text)
        spans += [(s.start + offset, s.end + offset, s.label) for s in record.spans]
    ids = list(docs)
    return GoldDocuments(ids=ids, texts=[" ".join(docs[i][0]) for i in ids], spans=[docs[i][1] for i in ids])


def map_spans(spans: Sequence[M.Span], label_map: dict[str, str], dropped: Counter[str]) -> list[M.Span]:
    """Spans with mapped labels; spans of an unmapped label are left out and counted in `dropped`."""
    out = []
    for start, end, label in spans:
        if label in label_map:
            out.append((start, end, label_map[label]))
        else:
            dropped[label] += 1
    return out


def score_on_documents(nlp: Any, gold: GoldDocuments, label_map: dict[str, str] | None = None, *,
                       resamples: int = 200, seed: int = 0, progress: Callable | None = None) -> dict[str, Any]:
    """Scores of `nlp` on `gold`; with `label_map`, predictions are mapped first (and unmapped labels counted)."""
    dropped: Counter[str] = Counter()
    predicted = ner_predictions(nlp, gold.texts, progress)
    if label_map is not None:
        predicted = [map_spans(spans, label_map, dropped) for spans in predicted]
    scores = M.span_scores(gold.spans, predicted, gold.ids, resamples=resamples, seed=seed).as_dict()
    scores["unmapped_predictions"] = dict(sorted(dropped.items()))
    return scores


def evaluate_realnews(nlp: Any, data_dir: Path, *, resamples: int = 200, seed: int = 0,
                      progress: Callable | None = None) -> dict[str, Any]:
    """The pipeline on `eng.testb` under `data_dir`, labels mapped to CoNLL's four."""
    gold = conll_documents(Path(data_dir) / REALNEWS_FILE)
    scores = score_on_documents(nlp, gold, CONLL_LABEL_MAP, resamples=resamples, seed=seed, progress=progress)
    return {"data": str(REALNEWS_FILE), "documents": len(gold.ids), "words": gold.words,
            "label_map": CONLL_LABEL_MAP, **scores}
