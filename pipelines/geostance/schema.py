"""The label schema (`annotations/schema.yaml`): entity labels and stance targets, declared once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from geostance.errors import InputError

CATEGORY_SEPARATOR = ":"


@dataclass(frozen=True)
class EntityLabel:
    name: str
    definition: str
    color: str
    key: str | None


@dataclass(frozen=True)
class StanceTarget:
    id: str
    proposition: str
    color: str
    keys: dict[str, str]


@dataclass(frozen=True)
class Schema:
    project_name: str
    project_type: str
    collaborative_annotation: bool
    entities: tuple[EntityLabel, ...]
    stance_labels: tuple[str, ...]
    targets: tuple[StanceTarget, ...]

    @property
    def entity_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.entities)

    @property
    def target_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.targets)

    def category_names(self) -> tuple[str, ...]:
        """Doccano category names, `<target>:<label>`, in schema order."""
        return tuple(category_name(t.id, label) for t in self.targets for label in self.stance_labels)

    def parse_category(self, category: str) -> tuple[str, str]:
        """Split `<target>:<label>` and check both parts against the schema; raises ValueError."""
        target, sep, label = category.rpartition(CATEGORY_SEPARATOR)
        if not sep or target not in self.target_ids or label not in self.stance_labels:
            raise ValueError(
                f"unknown stance category {category!r}: expected '<target>:<label>' with target in "
                f"{list(self.target_ids)} and label in {list(self.stance_labels)}"
            )
        return target, label


def category_name(target_id: str, label: str) -> str:
    return f"{target_id}{CATEGORY_SEPARATOR}{label}"


def _require(mapping: dict, key: str, path: Path, where: str):
    if not isinstance(mapping, dict) or key not in mapping:
        raise InputError(path, f"{where}: missing key {key!r}")
    return mapping[key]


def parse_schema(data: object, path: Path) -> Schema:
    if not isinstance(data, dict):
        raise InputError(path, "schema must be a YAML mapping")
    project = _require(data, "project", path, "top level")
    entities_raw = _require(data, "entities", path, "top level")
    stance = _require(data, "stance", path, "top level")
    if not isinstance(entities_raw, list) or not entities_raw:
        raise InputError(path, "entities: must be a non-empty list")
    entities = []
    for i, e in enumerate(entities_raw):
        name = _require(e, "name", path, f"entities[{i}]")
        if not isinstance(name, str) or not name.isupper() or not name.replace("_", "").isalnum():
            raise InputError(path, f"entities[{i}]: label name {name!r} must be upper-case letters, digits or _")
        entities.append(EntityLabel(name, str(e.get("definition", "")), str(e.get("color", "#999999")), e.get("key")))
    names = [e.name for e in entities]
    if len(set(names)) != len(names):
        raise InputError(path, f"entities: duplicate label names in {names}")
    labels = tuple(_require(stance, "labels", path, "stance"))
    targets = []
    for i, t in enumerate(_require(stance, "targets", path, "stance")):
        tid = _require(t, "id", path, f"stance.targets[{i}]")
        if CATEGORY_SEPARATOR in str(tid):
            raise InputError(path, f"stance.targets[{i}]: id {tid!r} must not contain {CATEGORY_SEPARATOR!r}")
        targets.append(
            StanceTarget(
                str(tid),
                str(_require(t, "proposition", path, f"stance.targets[{i}]")),
                str(t.get("color", "#999999")),
                {str(k): str(v) for k, v in (t.get("keys") or {}).items()},
            )
        )
    if len({t.id for t in targets}) != len(targets):
        raise InputError(path, "stance.targets: duplicate target ids")
    return Schema(
        project_name=str(_require(project, "name", path, "project")),
        project_type=str(project.get("type", "IntentDetectionAndSlotFilling")),
        collaborative_annotation=bool(project.get("collaborative_annotation", False)),
        entities=tuple(entities),
        stance_labels=labels,
        targets=tuple(targets),
    )


def load_schema(path: str | Path | None = None) -> Schema:
    from geostance.paths import schema_path

    path = Path(path) if path is not None else schema_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "schema file not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(path, f"invalid YAML: {getattr(exc, 'problem', exc)}", line) from None
    return parse_schema(data, path)
