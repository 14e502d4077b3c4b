"""Small synthetic datasets with exactly the built-dataset features (HELPER_CONTEXT), saved with save_to_disk.

Sentences come from templates, so a model can learn them in seconds; label names are deliberately not the
schema's, so code that reads names from the schema instead of `dataset.features` fails these tests.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

ENTITIES = {
    "PERSON": ["Vladimir Putin", "Kim Jong Un", "Antony Blinken", "Yoon Suk Yeol", "Fumio Kishida", "Xi Jinping"],
    "GPE": ["Russia", "North Korea", "South Korea", "Japan", "China", "Ukraine", "Pyongyang", "Moscow"],
    "ORG": ["NATO", "the United Nations", "the Kremlin", "the European Union", "Reuters"],
}
# Names that only the test split uses: a lookup of train names cannot find them, a model that learnt context can.
UNSEEN = {
    "PERSON": ["Emmanuel Macron", "Olaf Scholz", "Narendra Modi"],
    "GPE": ["France", "Germany", "Iran", "Brazil"],
    "ORG": ["the World Bank", "Interpol", "the African Union"],
}
VERBS = ["met", "criticised", "praised", "called", "warned", "visited"]
STANCE_CUES = {
    "FAVOR": ["strongly supports", "welcomes", "applauds", "backs"],
    "AGAINST": ["condemns", "rejects", "denounces", "opposes"],
    "NONE": ["mentions", "reports on", "notes", "describes"],
}
TARGETS = {"alliance": "the alliance", "sanctions": "the sanctions"}


def _sentence(rng: random.Random, unseen: bool) -> tuple[str, list[tuple[int, int, str]]]:
    subj_label, obj_label = rng.choice(list(ENTITIES)), rng.choice(list(ENTITIES))
    names = UNSEEN if unseen and rng.random() < 0.5 else ENTITIES
    subj, obj = rng.choice(names[subj_label]), rng.choice(ENTITIES[obj_label])
    verb = rng.choice(VERBS)
    text = f"{subj} {verb} {obj} on Tuesday."
    spans = [(0, len(subj), subj_label)]
    start = len(subj) + len(verb) + 2
    spans.append((start, start + len(obj), obj_label))
    return text, spans


def ner_rows(n_articles: int, per_article: int, seed: int, unseen: bool = False) -> list[dict[str, Any]]:
    from spacy.lang.en import English

    tokenizer = English().tokenizer
    rng = random.Random(seed)
    rows = []
    for a in range(n_articles):
        for u in range(per_article):
            text, spans = _sentence(rng, unseen)
            tokens = [t.text for t in tokenizer(text)]
            rows.append(
                {
                    "id": f"s{seed}a{a}:p{u:03d}",
                    "article_id": f"s{seed}a{a}",
                    "unit_id": f"s{seed}a{a}:p{u:03d}",
                    "text": text,
                    "tokens": tokens,
                    "spans": spans,
                }
            )
    return rows


def stance_rows(n_articles: int, per_article: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for a in range(n_articles):
        for u in range(per_article):
            target = rng.choice(list(TARGETS))
            label = rng.choice(list(STANCE_CUES))
            who = rng.choice(ENTITIES["GPE"])
            text = f"{who} {rng.choice(STANCE_CUES[label])} {TARGETS[target]} in a statement."
            rows.append(
                {
                    "id": f"s{seed}a{a}:p{u:03d}:{target}",
                    "article_id": f"s{seed}a{a}",
                    "unit_id": f"s{seed}a{a}:p{u:03d}",
                    "text": text,
                    "target": target,
                    "proposition": "",
                    "label": label,
                }
            )
    return rows


def _bio(text: str, tokens: list[str], spans: list[tuple[int, int, str]]) -> list[str]:
    tags, pos = [], 0
    offsets = []
    for tok in tokens:
        pos = text.index(tok, pos)
        offsets.append((pos, pos + len(tok)))
        pos += len(tok)
    for start, end in offsets:
        tag = "O"
        for s, e, label in spans:
            if s <= start and end <= e:
                tag = ("B-" if start == s else "I-") + label
        tags.append(tag)
    return tags


def write_dataset(
    root: Path,
    *,
    sizes: dict[str, int] | None = None,
    per_article: int = 6,
    entity_labels: tuple[str, ...] = ("PERSON", "GPE", "ORG"),
) -> Path:
    """Write `root/ner` and `root/stance` DatasetDicts (train/dev/test) plus build_info.json; return root."""
    import json

    import datasets
    from datasets import ClassLabel, Features, Sequence, Value

    sizes = sizes or {"train": 20, "dev": 4, "test": 6}
    bio = ["O", *(f"{p}-{name}" for name in entity_labels for p in ("B", "I"))]
    ner_features = Features(
        {
            "id": Value("string"),
            "article_id": Value("string"),
            "unit_id": Value("string"),
            "text": Value("string"),
            "tokens": Sequence(Value("string")),
            "ner_tags": Sequence(ClassLabel(names=bio)),
            "spans": Sequence(
                {"start": Value("int32"), "end": Value("int32"), "label": ClassLabel(names=list(entity_labels))}
            ),
        }
    )
    stance_features = Features(
        {
            "id": Value("string"),
            "article_id": Value("string"),
            "unit_id": Value("string"),
            "text": Value("string"),
            "target": Value("string"),
            "proposition": Value("string"),
            "label": ClassLabel(names=["FAVOR", "AGAINST", "NONE"]),
        }
    )
    ner, stance = {}, {}
    for i, (split, n) in enumerate(sizes.items()):
        rows = ner_rows(n, per_article, seed=i, unseen=split == "test")
        for r in rows:
            r["ner_tags"] = _bio(r["text"], r["tokens"], r["spans"])
            r["spans"] = {
                "start": [s for s, _, _ in r["spans"]],
                "end": [e for _, e, _ in r["spans"]],
                "label": [lab for _, _, lab in r["spans"]],
            }
        ner[split] = datasets.Dataset.from_list(rows, features=ner_features)
        stance[split] = datasets.Dataset.from_list(stance_rows(n, per_article, seed=100 + i), features=stance_features)
    datasets.DatasetDict(ner).save_to_disk(str(root / "ner"))
    datasets.DatasetDict(stance).save_to_disk(str(root / "stance"))
    (root / "build_info.json").write_text(json.dumps({"fingerprint": "sha256:test-fixture"}), encoding="utf-8")
    return root


# Tiny training limits for tests: enough steps for the template sentences, seconds on 2 cores.
FAST_NER = {
    "training.max_steps": 150,
    "training.eval_frequency": 50,
    "training.patience": 0,
    "components.tok2vec.model.encode.width": 64,
    "components.tok2vec.model.encode.depth": 2,
}

_CACHE: dict[str, Any] = {}


def trained_models(tmp_factory: Any, config: Path) -> dict[str, Path]:
    """Dataset + NER + stance models, trained once per test session and shared by train/evaluate/package/predict
    tests (a module-level cache, because those test folders have separate conftests)."""
    if "models" not in _CACHE:
        from geostance.train.ner import train_ner
        from geostance.train.stance import train_stance

        root = tmp_factory.mktemp("trained")
        data = write_dataset(root / "dataset")
        train_ner(data, root / "ner", config, overrides=dict(FAST_NER))
        train_stance(data, root / "stance", param_grid={"clf__C": [0.3, 1.0]}, n_splits=3)
        _CACHE["models"] = {"data": data, "ner": root / "ner", "stance": root / "stance"}
    return _CACHE["models"]
