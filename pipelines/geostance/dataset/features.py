"""The dataset features, labels declared once as ClassLabel. Names come from the schema or from the data."""

from __future__ import annotations

from collections.abc import Sequence as Seq

from datasets import ClassLabel, Features, Sequence, Value

STANCE_LABELS = ("FAVOR", "AGAINST", "NONE")
TASKS = ("ner", "stance")
SPLITS = ("train", "dev", "test")


def bio_tag_names(entity_labels: Seq[str]) -> list[str]:
    """O first, then B-/I- per label (the same order as `Schema.bio_tags()`)."""
    return ["O", *(f"{p}-{name}" for name in entity_labels for p in ("B", "I"))]


def ner_features(entity_labels: Seq[str]) -> Features:
    return Features({
        "id": Value("string"),
        "article_id": Value("string"),
        "unit_id": Value("string"),
        "text": Value("string"),
        "tokens": Sequence(Value("string")),
        "ner_tags": Sequence(ClassLabel(names=bio_tag_names(entity_labels))),
        "spans": Sequence({"start": Value("int32"), "end": Value("int32"),
                           "label": ClassLabel(names=list(entity_labels))}),
    })


def stance_features(stance_labels: Seq[str]) -> Features:
    return Features({
        "id": Value("string"),
        "article_id": Value("string"),
        "unit_id": Value("string"),
        "text": Value("string"),
        "target": Value("string"),
        "proposition": Value("string"),
        "label": ClassLabel(names=list(stance_labels)),
    })
