"""Annotation records `{"unit_id", "entities": [[start, end, label]], "cats": ["target:LABEL"]}` with offsets in
code points of the unit text: reading and checking them against the schema. Pure apart from reading the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geostance.errors import InputError
from geostance.jsonl import iter_json_objects
from geostance.schema import Schema
from geostance.textfile import read_lines


@dataclass(frozen=True)
class Decision:
    unit_id: str
    entities: tuple[tuple[int, int, str], ...]
    cats: tuple[str, ...]
    line: int = 0
    scores: tuple[float, ...] = ()  # one per entity then one per category; predictions only


def parse_decision(obj: object, schema: Schema, path: Path, line: int) -> Decision:
    if not isinstance(obj, dict) or not isinstance(obj.get("unit_id"), str):
        raise InputError(path, "expected an object with a string 'unit_id'", line)
    entities = []
    for key in ("entities", "cats", "scores"):
        if not isinstance(obj.get(key) or [], list):
            raise InputError(path, f"{key!r} must be a list, got {type(obj[key]).__name__}", line)
    for item in obj.get("entities") or []:
        if (
            not isinstance(item, list | tuple)
            or len(item) != 3
            or not all(isinstance(x, int) for x in item[:2])
            or not isinstance(item[2], str)
        ):
            raise InputError(path, f"entity {item!r} is not [start, end, LABEL]", line)
        start, end, label = item
        if label not in schema.entity_names:
            raise InputError(path, f"entity label {label!r} is not in the schema {list(schema.entity_names)}", line)
        if not 0 <= start < end:
            raise InputError(path, f"entity [{start}, {end}) is empty or negative", line)
        entities.append((start, end, label))
    cats = list(obj.get("cats") or [])
    targets = []
    for cat in cats:
        if not isinstance(cat, str):
            raise InputError(path, f"category {cat!r} is not a string 'target:LABEL'", line)
        try:
            targets.append(schema.parse_category(cat)[0])
        except ValueError as exc:
            raise InputError(path, str(exc), line) from None
    if len(set(targets)) != len(targets):
        raise InputError(path, f"more than one stance for one target in {cats}", line)
    scores = obj.get("scores") or []
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in scores):
        raise InputError(path, "'scores' must be a list of numbers", line)
    if scores and len(scores) != len(entities) + len(cats):
        raise InputError(
            path,
            f"'scores' has {len(scores)} numbers; expected one per entity, then one per category "
            f"({len(entities) + len(cats)})",
            line,
        )
    scores = tuple(float(x) for x in scores)
    return Decision(obj["unit_id"], tuple(entities), tuple(cats), line, scores)


def read_decisions(path: Path, schema: Schema) -> list[Decision]:
    decisions: list[Decision] = []
    seen: dict[str, int] = {}
    for number, obj in iter_json_objects(read_lines(path), path):
        decision = parse_decision(obj, schema, path, number)
        if decision.unit_id in seen:
            raise InputError(path, f"unit {decision.unit_id!r} already given on line {seen[decision.unit_id]}", number)
        seen[decision.unit_id] = number
        decisions.append(decision)
    return decisions
