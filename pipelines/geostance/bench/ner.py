"""CoNLL-2003 English NER benchmark: the project's CoNLL reader, NER config and trainer, from `blank:en` on CPU.

eng.train → train, eng.testa → dev (the trainer keeps the best model on it), eng.testb → test, scored once.
With `document_context` (off by default: it lost to one Doc per sentence in the ablations), the sentences of one
`-DOCSTART-` article become one row (one spaCy Doc), so the CNN sees neighbouring sentences, as spaCy's
`convert -n` grouping does; scoring is the same either way. The config's entity-consistency component
harmonises labels within each article in both cases (with one Doc per sentence, over the article's sentences);
the scores of each row on its own are kept under `row_level`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.bench.data_files import require_files
from geostance.metrics import Span, entity_counts
from geostance.paths import shown

CONLL_DIR = "conll2003"
CONLL_FILES = {"train": "eng.train", "dev": "eng.testa", "test": "eng.testb"}


@dataclass
class NerBenchSettings:
    config: Path
    overrides: dict[str, Any] = field(default_factory=dict)
    members: int = 1
    document_context: bool = False
    progress: bool = True
    base_model: str | None = None  # fine-tune this pipeline (with a config that sources from it) instead


def conll_paths(data_dir: Path) -> dict[str, Path]:
    paths = {split: Path(data_dir) / CONLL_DIR / name for split, name in CONLL_FILES.items()}
    require_files(paths.values(), "CoNLL-2003", CONLL_DIR)
    return paths


def build_conll_dataset(data_dir: Path, out_dir: Path, progress: bool) -> Any:
    """The project's own build: `geostance dataset import conll --scheme iob1 --train .. --dev .. --test ..`."""
    from geostance.dataset.build import BuildOptions, build_dataset
    from geostance.dataset.inputs import SplitFiles
    from geostance.dataset.inputs.conll import ConllInput
    from geostance.dataset.readers.conll import TagScheme

    paths = conll_paths(data_dir)
    files = SplitFiles(train=[paths["train"]], dev=[paths["dev"]], test=[paths["test"]])
    return build_dataset(ConllInput(files, TagScheme.iob1), out_dir, BuildOptions(progress=progress))


def join_documents(rows: list[dict[str, Any]], label_names: list[str]) -> list[dict[str, Any]]:
    """Sentence rows → one row per article: texts joined as `evaluate.realnews.join_sentences` joins them
    (spans shifted), tokens and tags concatenated."""
    from geostance.evaluate.realnews import join_sentences
    from geostance.train.data import row_spans

    joined = join_sentences((row["article_id"], row["text"], row_spans(row, label_names)) for row in rows)
    tokens: dict[str, list[str]] = {}
    tags: dict[str, list[int]] = {}
    for row in rows:
        tokens.setdefault(row["article_id"], []).extend(row["tokens"])
        tags.setdefault(row["article_id"], []).extend(row["ner_tags"])
    return [
        {
            "id": article,
            "article_id": article,
            "unit_id": article,
            "text": text,
            "tokens": tokens[article],
            "ner_tags": tags[article],
            "spans": {
                "start": [s for s, _, _ in spans],
                "end": [e for _, e, _ in spans],
                "label": [label_names.index(label) for _, _, label in spans],
            },
        }
        for article, text, spans in zip(joined.ids, joined.texts, joined.spans, strict=True)
    ]


def document_dataset(splits: Any) -> Any:
    """A DatasetDict like `splits` (same features) with one row per article instead of per sentence."""
    import datasets

    from geostance.train.data import entity_label_names

    out = {}
    for name, split in splits.items():
        names = entity_label_names(split.features)
        out[name] = datasets.Dataset.from_list(join_documents(list(split), names), features=split.features)
    return datasets.DatasetDict(out)


@dataclass
class NerPredictions:
    gold: list[list[Span]]
    rows: list[list[Span]]  # each row's Doc on its own
    articles: list[list[Span]]  # after harmonising the rows of each article together
    changes: dict[str, int]  # what that harmonising changed, by reason


def consistency_component(nlp: Any) -> Any | None:
    """The pipeline's entity-consistency component, if its config has one."""
    from geostance.pipes import pipes_made_by
    from geostance.runtime.entity_consistency import FACTORY_NAME

    return next((pipe for _, pipe in pipes_made_by(nlp, FACTORY_NAME)), None)


def predict_rows(nlp: Any, rows: Any, batch_size: int = 64) -> NerPredictions:
    """Gold and predicted character spans per row. Where rows are sentences of one article (CoNLL), the pipeline's
    consistency component also harmonises each article's sentences as one group, as it would a whole-article Doc."""
    from collections import Counter
    from itertools import groupby

    from geostance.train.data import entity_label_names, row_spans

    names = entity_label_names(rows.features)
    gold = [row_spans(r, names) for r in rows]
    docs = list(nlp.pipe(rows["text"], batch_size=batch_size))

    def spans() -> list[list[Span]]:
        return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs]

    per_row = spans()
    changes: Counter[str] = Counter()
    component = consistency_component(nlp)
    if component is not None:
        article_ids = rows["article_id"]
        for _, group in groupby(range(len(docs)), key=article_ids.__getitem__):
            changes.update(change.reason for change in component.harmonise([docs[i] for i in group]))
    return NerPredictions(gold=gold, rows=per_row, articles=spans(), changes=dict(sorted(changes.items())))


def conlleval_scores(gold: list[list[Span]], pred: list[list[Span]]) -> dict[str, Any]:
    """Micro P/R/F1 over exact (start, end, label) matches, as conlleval counts them (text is the CoNLL tokens
    joined by single spaces, so character spans and token spans are the same thing), plus per label
    {p, r, f, support}: the shape results.json has always had."""
    counts = entity_counts(gold, pred)
    micro = counts.micro
    return {
        "precision": micro.precision,
        "recall": micro.recall,
        "f1": micro.fscore,
        "per_label": {label: {**s.to_dict(), "support": s.tp + s.fn} for label, s in counts.per_label.items()},
    }


# Long on purpose: one measured sequence (build, train, choose on testa, score testb once); split up, it would hide
# which steps the training clock covers.
def run_ner_bench(
    data_dir: Path, work_dir: Path, settings: NerBenchSettings, say: Callable[[str], None] = lambda m: None
) -> dict[str, Any]:
    """Build, train, score. Returns the `ner.conll2003` entry of results.json (fractions)."""
    import spacy

    from geostance.train.data import TaskData, load_task
    from geostance.train.ner import train_ner_on

    started = time.monotonic()
    work_dir = Path(work_dir)
    say(f"building the CoNLL-2003 dataset into {work_dir / 'dataset'}")
    build = build_conll_dataset(data_dir, work_dir / "dataset", settings.progress)
    data = load_task(work_dir / "dataset", "ner")
    sentences = {name: len(split) for name, split in data.splits.items()}
    if settings.document_context:
        data = TaskData(task="ner", path=data.path, splits=document_dataset(data.splits), fingerprint=data.fingerprint)
    say(
        f"training {settings.members} model(s): {len(data.split('train'))} train / {len(data.split('dev'))} dev "
        f"rows, overrides {settings.overrides}"
    )
    t0 = time.monotonic()
    trained = train_ner_on(
        data,
        work_dir / "model",
        settings.config,
        overrides=settings.overrides,
        members=settings.members,
        base_model=settings.base_model,
    )
    train_seconds = time.monotonic() - t0
    say("scoring eng.testa and eng.testb")
    nlp = spacy.load(trained.out_dir)
    predictions = {split: predict_rows(nlp, data.split(split)) for split in ("dev", "test")}
    scores = {split: conlleval_scores(p.gold, p.articles) for split, p in predictions.items()}
    meta = nlp.meta.get("geostance", {})
    return {
        "test_f1": scores["test"]["f1"],
        "test_precision": scores["test"]["precision"],
        "test_recall": scores["test"]["recall"],
        "test_per_label": scores["test"]["per_label"],
        "dev_f1": scores["dev"]["f1"],
        "dev_precision": scores["dev"]["precision"],
        "dev_recall": scores["dev"]["recall"],
        "dev_per_label": scores["dev"]["per_label"],
        "row_level": {f"{split}_f1": conlleval_scores(p.gold, p.rows)["f1"] for split, p in predictions.items()},
        "consistency_changes": {split: p.changes for split, p in predictions.items()},
        "train_seconds": round(train_seconds, 1),
        "seconds": round(time.monotonic() - started, 1),
        "steps": settings.overrides.get("training.max_steps", "config default"),
        "sentences": sentences,
        "rows": {name: len(split) for name, split in data.splits.items()},
        "dataset_fingerprint": build.fingerprint,
        "alignment": meta.get("alignment"),
        "members": settings.members,
        "member_dev_f1": [m["ents_f"] for m in meta.get("members", [])],
        "settings": {
            "config": shown(settings.config),
            "overrides": settings.overrides,
            "base_model": settings.base_model,
            "document_context": settings.document_context,
            "data": {k: f"{CONLL_DIR}/{v}" for k, v in CONLL_FILES.items()},
        },
    }
