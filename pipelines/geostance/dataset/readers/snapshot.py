"""A pulled annotation snapshot: `annotations/doccano/<snapshot>/annotators/<username>.jsonl` (one line per unit,
IntentDetectionAndSlotFilling shape with `article_id`, `unit_id`, `text_sha256`), `export/`, `snapshot.json`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError, InputError
from geostance.jsonl import decode_json
from geostance.textfile import read_lines


@dataclass
class Snapshot:
    path: Path
    annotators: dict[str, Path]  # username → annotator file
    info: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.name


def find_latest_snapshot(root: Path) -> Path:
    """The chronologically last snapshot folder (names sort by UTC time) that has annotator files. Hidden folders
    are a pull's staging (perhaps of a killed pull), never a snapshot."""
    candidates = (
        sorted(p for p in root.iterdir() if (p / "annotators").is_dir() and not p.name.startswith("."))
        if root.is_dir()
        else []
    )
    if not candidates:
        raise GeostanceError(
            f"no annotation snapshot under {root} (expected {root}/<snapshot>/annotators/"
            "<username>.jsonl): run `make pull` first, or build from files with "
            "`geostance dataset import doccano|conll|table PATH... --out DIR`"
        )
    return candidates[-1]


def open_snapshot(path: Path) -> Snapshot:
    path = Path(path)
    ann_dir = path / "annotators"
    if not ann_dir.is_dir():
        raise InputError(path, "not a snapshot: it has no annotators/ folder")
    files = sorted(ann_dir.glob("*.jsonl"))
    if not files:
        raise InputError(ann_dir, "no annotator files (<username>.jsonl)")
    info: dict[str, Any] = {}
    info_path = path / "snapshot.json"
    if info_path.is_file():
        info = decode_json("".join(read_lines(info_path)), info_path, None)
    return Snapshot(path=path, annotators={f.stem: f for f in files}, info=info)
