"""Reading a built dataset (`models/dataset/`) for training and evaluation: splits, label names, fingerprint.

Label names always come from the dataset's ClassLabel features, never from the schema, so datasets built from
CoNLL or SemEval files work the same as the shipped corpus.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError, InputError


@dataclass
class TaskData:
    """One task's DatasetDict plus where it came from."""

    task: str
    path: Path
    splits: Any  # datasets.DatasetDict
    fingerprint: str

    def split(self, name: str) -> Any:
        if name not in self.splits:
            raise InputError(self.path, f"no split {name!r} (has {sorted(self.splits)})")
        return self.splits[name]

    def has(self, name: str) -> bool:
        return name in self.splits


def dataset_fingerprint(data_dir: Path) -> str:
    """The build's fingerprint from build_info.json; else a sha256 over the saved files (datasets built elsewhere)."""
    info = data_dir / "build_info.json"
    if info.is_file():
        try:
            fp = json.loads(info.read_text(encoding="utf-8")).get("fingerprint")
        except json.JSONDecodeError as exc:
            raise InputError(info, f"bad JSON: {exc.msg}", exc.lineno) from None
        if isinstance(fp, str) and fp:
            return fp
        if isinstance(fp, dict) and fp.get("sha256"):
            return str(fp["sha256"])
    digest = hashlib.sha256()
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix in (".arrow", ".json")):
        digest.update(str(path.relative_to(data_dir)).encode())
        digest.update(path.read_bytes())
    return "sha256:" + digest.hexdigest()


def load_task(data_dir: str | Path, task: str) -> TaskData:
    """Load `<data_dir>/<task>/` (a DatasetDict saved with save_to_disk)."""
    import datasets

    data_dir = Path(data_dir)
    task_dir = data_dir / task
    if not (task_dir / "dataset_dict.json").is_file():
        raise GeostanceError(
            f"{task_dir}: no built {task} dataset here (run `geostance dataset build` first, "
            f"or pass --data DIR of a built dataset)"
        )
    splits = datasets.load_from_disk(str(task_dir))
    return TaskData(task=task, path=task_dir, splits=splits, fingerprint=dataset_fingerprint(data_dir))


def _inner(feature: Any) -> Any:
    """The element feature of a List/Sequence feature (datasets 3 to 5 spell it differently)."""
    return getattr(feature, "feature", feature)


def entity_label_names(features: Any) -> list[str]:
    spans = features["spans"]
    label = spans["label"] if isinstance(spans, dict) else _inner(spans)["label"]
    return list(_inner(label).names)


def ner_tag_names(features: Any) -> list[str]:
    """The BIO tag names of the `ner_tags` ClassLabel ("O", "B-<label>", "I-<label>", ...)."""
    return list(_inner(features["ner_tags"]).names)


def dataset_alignment(data_dir: Path) -> dict[str, Any] | None:
    """The build's span alignment counts (build_info.json), or None for a dataset built elsewhere."""
    info = data_dir / "build_info.json"
    if not info.is_file():
        return None
    try:
        alignment = json.loads(info.read_text(encoding="utf-8")).get("alignment")
    except json.JSONDecodeError as exc:
        raise InputError(info, f"bad JSON: {exc.msg}", exc.lineno) from None
    return alignment if isinstance(alignment, dict) else None


def stance_label_names(features: Any) -> list[str]:
    return list(features["label"].names)


def row_spans(row: dict[str, Any], names: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) character spans of one ner row; handles dict-of-lists and list-of-dicts storage."""
    spans = row["spans"]
    items: Iterable[tuple[Any, Any, Any]]
    if isinstance(spans, dict):
        items = zip(spans["start"], spans["end"], spans["label"], strict=True)
    else:
        items = ((s["start"], s["end"], s["label"]) for s in spans)
    return [(int(s), int(e), names[lab] if isinstance(lab, int) else str(lab)) for s, e, lab in items]


def stance_rows(split: Any) -> tuple[list[str], list[str], list[str], list[str]]:
    """texts, targets, gold label names, article ids of a stance split."""
    names = stance_label_names(split.features)
    return (list(split["text"]), list(split["target"]), [names[i] for i in split["label"]], list(split["article_id"]))
