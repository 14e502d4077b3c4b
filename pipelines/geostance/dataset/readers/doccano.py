"""Every Doccano file shape, read into one row type (`DoccanoRow`): text, spans, categories, who made them.

Shapes (detected per line, so a file may mix them):
- IntentDetectionAndSlotFilling: `{"text", "entities": [[s, e, "L"], ...], "cats": ["c", ...]}`;
- sequence labelling: `{"text", "label": [[s, e, "L"], ...]}` and relation mode
  `{"text", "entities": [{"id", "start_offset", "end_offset", "label"}], "relations": [...]}`;
- text classification: `{"text", "label": ["c", ...]}` (and `labels`), JSON arrays, CSV `text,label`, fastText;
- Doccano 1.x/0.x: `{"text", "labels": [[s, e, "L"]]}` and `{"text", "annotations": [{"label": <id>,
  "start_offset", "end_offset", "user"}]}` with numeric label ids resolved through a label config (Doccano's label
  definitions JSON: `[{"id", "text", "task_type", ...}]`);
- CoNLL token files (`.conll`, `.txt` with token/tag lines) go through the CoNLL reader.
Unknown keys are kept as metadata. Structural problems raise `InputError(file, line, what)`; spans that are off
the text or off token boundaries are left to the alignment step, which lists each one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.errors import InputError
from geostance.fields import check_id
from geostance.jsonl import check_json_value, decode_error, decode_json
from geostance.textfile import read_lines


@dataclass
class DoccanoRow:
    origin: str  # "file:line"
    line: int
    text: str
    id: str | None = None
    spans: list[tuple[Any, Any, str, str | None]] = field(default_factory=list)  # start, end, label, user
    cats: list[tuple[str, str | None]] = field(default_factory=list)  # label, user
    meta: dict[str, Any] = field(default_factory=dict)
    relations: int = 0
    shape: str = ""
    tokens: list[str] | None = None  # CoNLL input keeps its tokens


def read_label_config(path: Path) -> dict[str, str]:
    """Doccano label definitions (`[{"id", "text", "task_type", ...}]`) → {"<id>": "<text>"}."""
    data = decode_json("".join(read_lines(path)), path, None)
    if not isinstance(data, list):
        raise InputError(path, "a label config is a JSON array of {id, text, task_type, ...}")
    out: dict[str, str] = {}
    texts: dict[tuple[str, str], int] = {}
    for i, item in enumerate(data):
        if not isinstance(item, dict) or "id" not in item or "text" not in item:
            raise InputError(path, f"label {i}: needs 'id' and 'text'")
        if "task_type" not in item:
            raise InputError(path, f"label {i} ({item['text']!r}): missing 'task_type' (Category or Span)")
        key = (str(item["task_type"]), str(item["text"]))
        if key in texts:
            raise InputError(path, f"label {i}: {item['text']!r} is defined twice for {item['task_type']}")
        texts[key] = i
        out[str(item["id"])] = str(item["text"])
    return out


def _label_name(value: Any, labels: dict[str, str] | None, path: str, line: int) -> str:
    if isinstance(value, bool) or value is None:
        raise InputError(path, f"label {value!r} is not a name or a label id", line)
    if isinstance(value, int):
        if not labels:
            raise InputError(
                path,
                f"label {value} is a numeric label id: pass the project's label definitions with --label-config",
                line,
            )
        if str(value) not in labels:
            raise InputError(path, f"label id {value} is not in the label config", line)
        return labels[str(value)]
    if not isinstance(value, str) or not value:
        raise InputError(path, f"label {value!r} must be a non-empty string", line)
    return value


def _span_list(
    value: Any,
    path: str,
    line: int,
    key: str,
    labels: dict[str, str] | None,
) -> list[tuple[Any, Any, str, str | None]]:
    # fast path: well-formed [start, end, "LABEL"] triples (the common case)
    if all(
        type(item) is list
        and len(item) == 3
        and type(item[0]) is int
        and type(item[1]) is int
        and type(item[2]) is str
        and item[2]
        for item in value
    ):
        return [(s, e, lab, None) for s, e, lab in value]
    out = []
    for k, item in enumerate(value):
        if isinstance(item, list):
            if len(item) != 3:
                raise InputError(path, f"{key}[{k}]: a span is [start, end, label], got {item!r}", line)
            start, end, lab = item
            user = None
        elif isinstance(item, dict):
            missing = [x for x in ("start_offset", "end_offset", "label") if x not in item]
            if missing:
                raise InputError(path, f"{key}[{k}]: span object lacks {missing}", line)
            start, end, lab = item["start_offset"], item["end_offset"], item["label"]
            user = check_id(item.get("user"), path, line, f"{key}[{k}].user")
        else:
            raise InputError(path, f"{key}[{k}]: a span is [start, end, label] or an object, got {item!r}", line)
        for name, v in (("start", start), ("end", end)):
            if not isinstance(v, int) or isinstance(v, bool):
                raise InputError(path, f"{key}[{k}]: {name} offset {v!r} is not an integer", line)
        out.append((start, end, _label_name(lab, labels, path, line), user))
    return out


def _cat_list(
    value: Any, path: str, line: int, key: str, labels: dict[str, str] | None
) -> list[tuple[str, str | None]]:
    return [(_label_name(v, labels, path, line), None) for v in value]


def parse_row(
    obj: Any,
    path: str,
    line: int,
    labels: dict[str, str] | None = None,
    text_key: str = "text",
    label_key: str = "label",
) -> DoccanoRow:
    """One JSON object of any Doccano shape → `DoccanoRow`; structural problems raise `InputError`."""
    if not isinstance(obj, dict):
        raise InputError(path, f"expected a JSON object, got {type(obj).__name__}", line)
    text = obj.get(text_key)
    if not isinstance(text, str):
        what = "no" if text is None else f"non-string ({type(text).__name__})"
        raise InputError(
            path, f"{what} text: each row needs a string field {text_key!r} (keys here: {sorted(obj)})", line
        )
    row = DoccanoRow(origin=f"{path}:{line}", line=line, text=text, id=check_id(obj.get("id"), path, line))
    used = {text_key, "id"}
    _read_entities_and_cats(obj, row, path, line, labels, used)
    _read_label_keys(obj, row, path, line, labels, used, label_key)
    _read_annotations(obj, row, path, line, labels, used)
    meta = {k: v for k, v in obj.items() if k not in used}
    if isinstance(meta.get("meta"), dict):  # Doccano 1.x nests metadata under "meta"
        meta = {**meta.pop("meta"), **meta}
    for key in ("unit_id", "article_id"):  # they become record ids and split keys
        check_id(meta.get(key), path, line, key)
    row.meta = meta
    row.shape = row.shape or "unlabelled"
    return row


def _read_entities_and_cats(
    obj: dict[str, Any], row: DoccanoRow, path: str, line: int, labels: dict[str, str] | None, used: set[str]
) -> None:
    """IntentDetectionAndSlotFilling and relation rows: `entities` (+ `relations`) and `cats`."""
    if "entities" in obj:
        ents = obj["entities"]
        if not isinstance(ents, list):
            raise InputError(path, "'entities' must be a list", line)
        row.spans = _span_list(ents, path, line, "entities", labels)
        row.shape = "relation" if ents and isinstance(ents[0], dict) else "intent"
        used.add("entities")
        if "relations" in obj:
            if not isinstance(obj["relations"], list):
                raise InputError(path, "'relations' must be a list", line)
            row.relations = len(obj["relations"])
            row.shape = "relation"
            used.add("relations")
    if "cats" in obj:
        cats = obj["cats"]
        if not isinstance(cats, list):
            raise InputError(path, "'cats' must be a list of category names", line)
        row.cats = _cat_list(cats, path, line, "cats", labels)
        row.shape = row.shape or "intent"
        used.add("cats")


def _read_label_keys(
    obj: dict[str, Any],
    row: DoccanoRow,
    path: str,
    line: int,
    labels: dict[str, str] | None,
    used: set[str],
    label_key: str,
) -> None:
    """Sequence labelling and classification rows: `label`/`labels` hold spans or categories."""
    for key in dict.fromkeys((label_key, "label", "labels")):
        if key not in obj or key in used:
            continue
        value = obj[key]
        used.add(key)
        if not isinstance(value, list):
            if isinstance(value, str) and key == label_key:  # CSV-like single category
                row.cats.append((_label_name(value, labels, path, line), None))
                row.shape = row.shape or "classification"
                continue
            raise InputError(path, f"{key!r} must be a list", line)
        if any(isinstance(v, (list, dict)) for v in value):
            row.spans += _span_list(value, path, line, key, labels)
            row.shape = row.shape or "sequence"
        else:
            row.cats += _cat_list(value, path, line, key, labels)
            row.shape = row.shape or "classification"


def _read_annotations(
    obj: dict[str, Any], row: DoccanoRow, path: str, line: int, labels: dict[str, str] | None, used: set[str]
) -> None:
    """Doccano 1.x/0.x rows: `annotations`, spans and categories with the user who made them."""
    if "annotations" not in obj:
        return
    anns = obj["annotations"]
    if not isinstance(anns, list):
        raise InputError(path, "'annotations' must be a list", line)
    used.add("annotations")
    for k, a in enumerate(anns):
        if not isinstance(a, dict) or "label" not in a:
            raise InputError(path, f"annotations[{k}]: expected an object with 'label'", line)
        if "start_offset" in a or "end_offset" in a:
            row.spans += _span_list([a], path, line, f"annotations[{k}]", labels)
        else:
            user = check_id(a.get("user"), path, line, f"annotations[{k}].user")
            row.cats.append((_label_name(a["label"], labels, path, line), user))
    row.shape = row.shape or "legacy"


def _raw_decode(decoder: json.JSONDecoder, text: str, pos: int, path: str) -> tuple[Any, int]:
    """One JSON value starting at `pos`, checked like every JSON line (see geostance.jsonl)."""
    line = text.count("\n", 0, pos) + 1
    try:
        obj, end = decoder.raw_decode(text, pos)
    except (ValueError, RecursionError) as exc:
        error = decode_error(exc, path, exc.lineno if isinstance(exc, json.JSONDecodeError) else line)
        raise error from None
    return check_json_value(obj, text[pos:end], path, line), end


def _json_array_items(text: str, path: str) -> Iterator[tuple[int, Any]]:
    """(line, item) for each element of a top-level JSON array (or a single object)."""
    decoder = json.JSONDecoder()
    pos = len(text) - len(text.lstrip())
    if pos >= len(text):
        raise InputError(path, "file is empty", 1)
    if text[pos] == "{":
        obj, end = _raw_decode(decoder, text, pos, path)
        if text[end:].strip():
            line = text.count("\n", 0, end) + 1
            raise InputError(path, "extra data after the JSON object", line)
        yield text.count("\n", 0, pos) + 1, obj
        return
    if text[pos] != "[":
        raise InputError(path, "a .json export is a JSON array of objects", text.count("\n", 0, pos) + 1)
    pos += 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos < len(text) and text[pos] == "]":
            return
        line = text.count("\n", 0, pos) + 1
        obj, pos = _raw_decode(decoder, text, pos, path)
        yield line, obj
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos < len(text) and text[pos] == "]":
            return
        else:
            raise InputError(path, "expected ',' or ']' between array items", text.count("\n", 0, pos) + 1)


def _jsonl(path: Path, labels, encoding: str, text_key: str, label_key: str) -> Iterator[DoccanoRow]:
    name = str(path)
    for n, raw in enumerate(read_lines(path, encoding), start=1):
        if not raw.strip():
            continue
        if n == 1 and raw.strip() in ("{", "["):
            # Doccano's relation-extraction export example is one pretty-printed object, not JSON Lines.
            text = "".join(read_lines(path, encoding))
            for line, item in _json_array_items(text, name):
                yield parse_row(item, name, line, labels, text_key, label_key)
            return
        try:
            obj = decode_json(raw, name, n)
        except InputError as exc:
            hint = " (a literal '...' is not JSON)" if "..." in raw else ""
            raise InputError(name, exc.message + hint, n) from None
        yield parse_row(obj, name, n, labels, text_key, label_key)


def _csv(path: Path, labels, encoding: str, text_key: str, label_key: str) -> Iterator[DoccanoRow]:
    from geostance.dataset.readers.table import TableSpec, iter_rows

    name = str(path)
    spec = TableSpec(text_col=text_key, label_col=label_key, encoding=encoding, delimiter=",")
    for n, row in iter_rows(path, spec):
        if text_key not in row:
            raise InputError(name, f"no column {text_key!r}; columns are {sorted(row)}", n)
        if not row[text_key]:
            raise InputError(name, f"empty text in column {text_key!r}", n)
        obj: dict[str, Any] = dict(row)
        value = obj.pop(label_key, "")
        # Only ASCII digits are a numeric label id: str.isdigit() is also true for '²' or '٣', which int() refuses
        cats = [] if value in ("", None) else [int(value) if value.isascii() and value.isdigit() else value]
        user = obj.pop("user", None)
        parsed = parse_row({**obj, "labels": cats}, name, n, labels, text_key, "labels")
        parsed.cats = [(c, user or None) for c, _ in parsed.cats]
        yield parsed


def _fasttext(path: Path, encoding: str) -> Iterator[DoccanoRow]:
    name = str(path)
    for n, raw in enumerate(read_lines(path, encoding), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        words = line.split(" ")
        cats: list[tuple[str, str | None]] = []
        while words and words[0].startswith("__label__"):
            label = words.pop(0)[len("__label__") :]
            if not label:
                raise InputError(name, "empty fastText label '__label__'", n)
            cats.append((label, None))
        if words and words[0].startswith("__label_"):
            raise InputError(name, f"malformed fastText label {words[0]!r} (the prefix is '__label__')", n)
        text = " ".join(words)
        if not text.strip():
            raise InputError(name, "a fastText line with labels but no text", n)
        yield DoccanoRow(origin=f"{name}:{n}", line=n, text=text, cats=cats, shape="fasttext")


def _looks_like_fasttext(path: Path, encoding: str) -> bool:
    for raw in read_lines(path, encoding):
        if raw.strip():
            return raw.startswith("__label_")
    return False


def _conll(path: Path, labels: dict[str, str] | None, encoding: str) -> Iterator[DoccanoRow]:
    from geostance.dataset.readers.conll import read_conll

    for rec in read_conll(path, encoding=encoding):
        line = int(rec.origin.rsplit(":", 1)[1])
        spans: list[tuple[Any, Any, str, str | None]] = [
            (s.start, s.end, labels.get(s.label, s.label) if labels else s.label, None) for s in rec.spans
        ]
        yield DoccanoRow(
            origin=rec.origin,
            line=line,
            text=rec.text,
            id=rec.id,
            spans=spans,
            meta={"article_id": rec.article_id, "unit_id": rec.unit_id},
            shape="conll",
            tokens=rec.tokens,
        )


def read_doccano(
    path: Path,
    label_config: dict[str, str] | None = None,
    encoding: str = "utf-8",
    text_key: str = "text",
    label_key: str = "label",
) -> Iterator[DoccanoRow]:
    """Stream the rows of any Doccano export or import file."""
    path = Path(path)
    name = str(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory; pass export files, or use a snapshot folder without --from")
    if suffix in (".xlsx", ".xls"):
        raise InputError(path, "Excel files are not read; export the project as JSONL or CSV")
    if suffix == ".jsonl":
        yield from _jsonl(path, label_config, encoding, text_key, label_key)
    elif suffix == ".json":
        text = "".join(read_lines(path, encoding))
        stripped = text.lstrip()
        items = list(_json_array_items(text, name))
        if (
            stripped.startswith("[")
            and items
            and all(
                isinstance(o, dict)
                and "task_type" in o
                or isinstance(o, dict)
                and {"id", "text", "background_color"} <= set(o)
                for _, o in items
            )
        ):
            raise InputError(
                path, "this is a Doccano label definitions file, not annotations: pass it with --label-config"
            )
        if items and isinstance(items[0][1], dict) and "paragraphs" in items[0][1]:
            raise InputError(path, "this is spaCy v2 training JSON (a converter's output), not a Doccano export")
        for line, obj in items:
            yield parse_row(obj, name, line, label_config, text_key, label_key)
    elif suffix == ".csv":
        yield from _csv(path, label_config, encoding, text_key, label_key)
    elif suffix in (".conll",) or ".conll" in path.name:
        yield from _conll(path, label_config, encoding)
    elif suffix == ".txt":
        if _looks_like_fasttext(path, encoding):
            yield from _fasttext(path, encoding)
        else:
            yield from _conll(path, label_config, encoding)
    else:
        first = next((ln for ln in read_lines(path, encoding) if ln.strip()), "")
        if first.lstrip().startswith(("[", "{")):
            raise InputError(
                path,
                f"unknown file type {path.suffix!r}: JSON content; Doccano exports are .jsonl, "
                ".json, .csv, .txt or .conll",
            )
        yield from _conll(path, label_config, encoding)
