"""The output folder: one Parquet file per partition, then `_manifest.json` and `_SUCCESS` when the job is complete.

Rows have the fields of `geostance predict`'s JSONL records: `stance` and `stance_scores` are maps, `meta` is a
JSON object in a string (its keys differ from row to row). Each file's footer also records its partition's
sources and skipped lines, so a later run can account for a file it did not write.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError, InputError
from geostance.fileio import atomic_write_bytes, atomic_write_json

MANIFEST = "_manifest.json"
SUCCESS = "_SUCCESS"
_META_KEY = b"geostance"
# atomic_write_bytes's temporary files: `.<name>.<random>.tmp`; a worker killed mid-write leaves one behind
TEMP_NAME = re.compile(r"^\..+\.tmp$")


def schema() -> Any:
    import pyarrow as pa

    entity = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("label", pa.string()), ("text", pa.string())])
    return pa.schema(
        [
            ("id", pa.string()),
            ("source", pa.string()),
            ("text", pa.string()),
            ("entities", pa.list_(entity)),
            ("stance", pa.map_(pa.string(), pa.string())),
            ("stance_scores", pa.map_(pa.string(), pa.float64())),
            ("meta", pa.string()),
            ("model", pa.string()),
            ("model_fingerprint", pa.string()),
        ]
    )


def _row(record: dict[str, Any]) -> dict[str, Any]:
    row = {
        key: record.get(key)
        for key in ("id", "source", "text", "entities", "stance", "stance_scores", "model", "model_fingerprint")
    }
    row["meta"] = json.dumps(record["meta"], ensure_ascii=False, default=str) if record.get("meta") else None
    return row


def _record(row: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row back in the JSONL record's shape (maps as dicts, no key for an absent value)."""
    record: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        if key in ("stance", "stance_scores"):
            value = dict(value)
        elif key == "meta":
            value = json.loads(value)
        record[key] = value
    return record


def write_partition(path: Path, records: list[dict[str, Any]], info: dict[str, Any]) -> None:
    """All rows of one partition, as one file that appears complete or not at all."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist([_row(r) for r in records], schema=schema())
    table = table.replace_schema_metadata({_META_KEY: json.dumps(info, ensure_ascii=False).encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


def partition_info(path: Path) -> dict[str, Any]:
    """What `write_partition` recorded in the footer, plus the row count."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        info = json.loads((meta.metadata or {})[_META_KEY])
    except Exception:  # not Parquet, or not ours: either way the partition has to be redone
        raise InputError(path, "not a partition file written by geostance; delete it and run again") from None
    return {**info, "rows": meta.num_rows}


def check_out_dir(out_dir: Path, is_ours: Any) -> None:
    """Refuse to write into a folder holding files that are not ours (a typo must not mix with someone's data)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise GeostanceError(f"{out_dir}: exists and is not a folder (--out takes a folder for Parquet output)")
    if not out_dir.exists():
        return
    foreign = [p.name for p in out_dir.iterdir() if not is_ours(p.name)]
    if foreign:
        shown = ", ".join(sorted(foreign)[:3]) + (", ..." if len(foreign) > 3 else "")
        raise GeostanceError(
            f"{out_dir}: holds files that are not geostance predictions ({shown}); choose an empty or new --out folder"
        )


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> bool:
    """Write the manifest and then `_SUCCESS`, unless both are already there with this content (a re-run of a
    finished job writes nothing). True when something was written."""
    path = out_dir / MANIFEST
    if (out_dir / SUCCESS).exists() and path.is_file():
        try:
            if json.loads(path.read_text(encoding="utf-8")) == manifest:
                return False
        except json.JSONDecodeError:
            pass
    atomic_write_json(path, manifest)
    atomic_write_bytes(out_dir / SUCCESS, b"")
    return True


def read_manifest(out_dir: Path) -> dict[str, Any]:
    out_dir = Path(out_dir)
    if not (out_dir / SUCCESS).exists():
        raise GeostanceError(f"{out_dir}: no {SUCCESS}; the prediction job there has not finished")
    try:
        return json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(out_dir / MANIFEST, f"unreadable manifest ({exc})") from None


def read_predictions(out_dir: Path) -> list[dict[str, Any]]:
    """Every row of a finished job, in input order, as JSONL-shaped records."""
    import pyarrow.parquet as pq

    manifest = read_manifest(out_dir)
    records: list[dict[str, Any]] = []
    for part in manifest["partitions"]:
        records += [_record(row) for row in pq.read_table(Path(out_dir) / part["file"]).to_pylist()]
    return records
