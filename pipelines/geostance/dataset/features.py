"""The dataset's features, with every label set declared once as a `ClassLabel`: the BIO tags and span labels of
`ner`, the stance labels of `stance`. Names come from the schema or from the data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from datasets import ClassLabel, Features, List, Value

# The shipped schema's stance labels, in the order datasets built from other inputs also use when they fit.
STANCE_LABELS = ("FAVOR", "AGAINST", "NONE")


def bio_tag_names(entity_labels: Sequence[str]) -> list[str]:
    """O first, then B- and I- per label: the tag of label k is 1 + 2k (B) and 2 + 2k (I)."""
    return ["O", *(f"{p}-{name}" for name in entity_labels for p in ("B", "I"))]


def stance_label_order(found: Iterable[str]) -> list[str]:
    """Stance label names for a ClassLabel: FAVOR, AGAINST, NONE when the data uses no others (all three, so
    datasets of one corpus share label ids), else the data's names with those three first."""
    found = set(found)
    if found <= set(STANCE_LABELS):
        return list(STANCE_LABELS)
    head = [x for x in STANCE_LABELS if x in found]
    return head + sorted(found - set(head))


def ner_features(entity_labels: Sequence[str]) -> Features:
    # `spans` is a dict of equal-length lists (what `Sequence({...})` stored in datasets 2 and 3), so every
    # dataset built since reads the same.
    return Features(
        {
            "id": Value("string"),
            "article_id": Value("string"),
            "unit_id": Value("string"),
            "text": Value("string"),
            "tokens": List(Value("string")),
            "ner_tags": List(ClassLabel(names=bio_tag_names(entity_labels))),
            "spans": {
                "start": List(Value("int32")),
                "end": List(Value("int32")),
                "label": List(ClassLabel(names=list(entity_labels))),
            },
        }
    )


def stance_features(stance_labels: Sequence[str]) -> Features:
    return Features(
        {
            "id": Value("string"),
            "article_id": Value("string"),
            "unit_id": Value("string"),
            "text": Value("string"),
            "target": Value("string"),
            "proposition": Value("string"),
            "label": ClassLabel(names=list(stance_labels)),
        }
    )
