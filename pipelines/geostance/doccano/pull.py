"""Export a Doccano project into `annotations/doccano/<snapshot>/`, one JSONL per annotator, atomically.

Layout (fixed interface): `annotators/<username>.jsonl` (Doccano's IntentDetectionAndSlotFilling lines with
entity offsets converted from UTF-16 code units to Python code points and checked against the text), `export/`
(Doccano's zip and the files in it, byte for byte), `snapshot.json` (project settings, labels, export time,
server version, annotators, the offset conversion applied).

An annotator file holds that annotator's work only: the units they labelled or confirmed. Doccano exports every
example for every member, so a unit someone never opened would otherwise read as "looked at it and found nothing",
and agreement and adjudication would count it as a vote. Confirmations come from a second export of confirmed
examples (Doccano writes one file per member, read as the admin); the rows left out are counted in snapshot.json.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from geostance.corpus.model import text_sha256
from geostance.doccano.client import DoccanoSession
from geostance.doccano.offsets import OffsetError, span_from_utf16, utf16_index
from geostance.doccano.tasks import download_export
from geostance.errors import InputError
from geostance.fileio import (
    UnsafeNameError,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_jsonl,
    safe_name,
    staged_dir,
)
from geostance.jsonl import iter_json_objects
from geostance.paths import doccano_snapshots_dir

EXPORT_FORMAT = "JSONL"


def snapshot_name(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


@dataclass
class AnnotatorFile:
    username: str
    role: str
    lines: list[dict]
    units: int = 0
    labelled_units: int = 0
    spans: int = 0
    cats: int = 0
    spans_shifted: int = 0  # spans whose code-point offsets differ from Doccano's UTF-16 ones
    hash_mismatches: list[str] = field(default_factory=list)
    not_worked: int = 0  # exported rows the member neither labelled nor confirmed (left out)


@dataclass
class PullReport:
    snapshot_dir: Path
    annotators: list[AnnotatorFile]
    skipped_members: dict[str, str]
    approved_only: bool

    def summary(self) -> dict:
        return {
            "snapshot": str(self.snapshot_dir),
            "approved_only": self.approved_only,
            "annotators": {
                a.username: {
                    "units": a.units,
                    "labelled_units": a.labelled_units,
                    "spans": a.spans,
                    "cats": a.cats,
                    "spans_shifted": a.spans_shifted,
                    "text_hash_mismatches": len(a.hash_mismatches),
                    "rows_not_worked_left_out": a.not_worked,
                }
                for a in self.annotators
            },
            "skipped_members": self.skipped_members,
        }


def convert_line(row: dict, source: str, line: int) -> tuple[dict, int]:
    """Doccano export line → same line with code-point entity offsets; returns it and how many spans moved."""
    text = row.get("text")
    if not isinstance(text, str):
        raise InputError(source, "line has no text", line)
    index = utf16_index(text)
    entities, shifted = [], 0
    for item in row.get("entities") or []:
        start, end, label = item
        try:
            cp_start, cp_end = span_from_utf16(text, start, end, index)
        except OffsetError as exc:
            raise InputError(source, f"entity {item!r}: {exc}", line) from None
        if not text[cp_start:cp_end].strip():
            raise InputError(source, f"entity {item!r} covers only whitespace", line)
        shifted += (cp_start, cp_end) != (start, end)
        entities.append([cp_start, cp_end, label])
    converted = dict(row)
    converted["entities"] = sorted(entities)
    converted["cats"] = sorted(row.get("cats") or [])
    return converted, shifted


def read_export_member(
    data: bytes, source: str, username: str, role: str, confirmed: set[str] | None = None
) -> AnnotatorFile:
    """One member's export file; with `confirmed` (their confirmed unit ids), rows they neither labelled nor
    confirmed are left out and counted."""
    result = AnnotatorFile(username=username, role=role, lines=[])
    for number, row in iter_json_objects(data.decode("utf-8").splitlines(), source):
        converted, shifted = convert_line(row, source, number)
        if (
            confirmed is not None
            and not (converted["entities"] or converted["cats"])
            and converted.get("unit_id") not in confirmed
        ):
            result.not_worked += 1
            continue
        expected = converted.get("text_sha256")
        if expected is not None and text_sha256(converted["text"]) != expected:
            result.hash_mismatches.append(str(converted.get("unit_id", converted.get("id"))))
        result.units += 1
        result.spans += len(converted["entities"])
        result.cats += len(converted["cats"])
        result.labelled_units += bool(converted["entities"] or converted["cats"])
        result.spans_shifted += shifted
        result.lines.append(converted)
    result.lines.sort(key=lambda r: (str(r.get("unit_id", "")), r.get("id", 0)))
    return result


def confirmed_units(archive: bytes, source: str) -> dict[str, set[str]]:
    """Member → unit ids of the examples they confirmed, from Doccano's export of confirmed examples."""
    confirmed: dict[str, set[str]] = {}
    for name, data in export_members(archive):
        units = confirmed.setdefault(Path(name).stem, set())
        for number, row in iter_json_objects(data.decode("utf-8").splitlines(), f"{source}: {name}"):
            if not isinstance(row.get("unit_id"), str):
                raise InputError(f"{source}: {name}", f"example {row.get('id')!r} has no unit_id", number)
            units.add(row["unit_id"])
    return confirmed


def _zip_export(session: DoccanoSession, pid: int, approved_only: bool) -> bytes:
    archive = download_export(session, pid, EXPORT_FORMAT, approved_only)
    if not isinstance(archive, bytes | bytearray) or not zipfile.is_zipfile(io.BytesIO(archive)):
        raise InputError(f"{session.settings.url}/v1/projects/{pid}/download", "the export is not a zip file")
    return bytes(archive)


def export_members(archive: bytes) -> list[tuple[str, bytes]]:
    """The export zip's files as (name, bytes), sorted by name. Every name is checked before anything is written:
    a member called `../../x` or `/etc/x` (from a hostile or impersonated server) would otherwise be written
    outside the snapshot."""
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        infos = sorted(zf.infolist(), key=lambda i: i.filename)
        names = [safe_name(info.filename, "Doccano's export: member") for info in infos]
        stems = [Path(n).stem for n in names]  # each member becomes annotators/<stem>.jsonl
        if len(set(stems)) != len(stems):
            twice = sorted(n for n, s in zip(names, stems, strict=True) if stems.count(s) > 1)
            raise UnsafeNameError(f"Doccano's export: members {twice} would be written to one annotator file")
        return [(name, zf.read(info)) for name, info in zip(names, infos, strict=True)]


@dataclass(frozen=True)
class ProjectState:
    """What a snapshot records about the project besides the export: its record, members' roles and label types."""

    record: dict
    roles: dict[str, str]  # username → role name
    labels: dict[str, list[dict]]  # "spans" / "categories" → [{"text", "color", "key"}]


def read_project_state(session: DoccanoSession) -> ProjectState:
    record = session.project()
    pid = record["id"]
    members = session.call("listing members", session.api.list_members, pid)
    labels = {}
    for kind, key in (("span", "spans"), ("category", "categories")):
        types = session.call(f"listing {kind} labels", session.api.list_label_types, pid, kind)
        labels[key] = [{"text": t.text, "color": t.background_color, "key": t.suffix_key} for t in types]
    return ProjectState(record, {m.username: m.rolename for m in members}, labels)


def pull_project(
    session: DoccanoSession,
    *,
    out: Path | None = None,
    approved_only: bool = False,
    server_version: str = "unknown",
    now: datetime | None = None,
    echo: Callable[[str], None] = lambda _m: None,
) -> PullReport:
    state = read_project_state(session)
    pid = state.record["id"]
    exported_at = now or datetime.now(UTC)
    name = snapshot_name(exported_at)
    target = out or doccano_snapshots_dir() / name
    echo(f"exporting project {state.record['name']!r} (id {pid})")
    archive = _zip_export(session, pid, approved_only)
    # With approved_only every exported row is confirmed already; otherwise ask which ones are.
    confirmed = None if approved_only else confirmed_units(_zip_export(session, pid, True), "confirmed examples")
    zip_name = f"{safe_name(state.record['name'], 'project name')}-{name}.zip"
    files = export_members(archive)
    with staged_dir(target) as staging:
        atomic_write_bytes(staging / "export" / zip_name, archive)
        annotators, skipped = write_annotator_files(staging, files, state.roles, confirmed)
        report = PullReport(
            snapshot_dir=target, annotators=annotators, skipped_members=skipped, approved_only=approved_only
        )
        atomic_write_json(
            staging / "snapshot.json",
            snapshot_record(report, state, name, exported_at, session.settings.url, server_version, zip_name),
        )
    return report


def write_annotator_files(
    staging: Path, files: list[tuple[str, bytes]], roles: dict[str, str], confirmed: dict[str, set[str]] | None = None
) -> tuple[list[AnnotatorFile], dict[str, str]]:
    """Each export member byte for byte under export/, and as annotators/<username>.jsonl with code-point offsets
    (only the rows they labelled or confirmed, when `confirmed` is given); returns the annotators' files and the
    members left out (with why)."""
    annotators, skipped = [], {}
    for member, data in files:
        atomic_write_bytes(staging / "export" / member, data)
        username = Path(member).stem
        role = roles.get(username, "unknown")
        mine = None if confirmed is None else confirmed.get(username, set())
        parsed = read_export_member(data, f"export/{member}", username, role, mine)
        # Members with no label who are not annotators (the project admin) are not annotators' files.
        if parsed.labelled_units == 0 and role != "annotator":
            skipped[username] = f"role {role}, no labels"
            continue
        atomic_write_jsonl(staging / "annotators" / f"{username}.jsonl", parsed.lines)
        annotators.append(parsed)
    return annotators, skipped


def snapshot_record(
    report: PullReport,
    state: ProjectState,
    name: str,
    exported_at: datetime,
    url: str,
    server_version: str,
    zip_name: str,
) -> dict:
    """snapshot.json: where and when the export came from, the project's settings and labels, what pull checked."""
    return {
        "snapshot": name,
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "server": {"url": url, "version": server_version},
        "project": {
            k: state.record.get(k)
            for k in (
                "id",
                "name",
                "project_type",
                "description",
                "guideline",
                "collaborative_annotation",
                "random_order",
                "created_at",
                "updated_at",
            )
        },
        "labels": state.labels,
        "export": {"format": EXPORT_FORMAT, "approved_only": report.approved_only, "archive": f"export/{zip_name}"},
        "offset_conversion": {
            "from": "utf-16 code units (Doccano, as measured by the browser)",
            "to": "unicode code points (Python str indices)",
            "checked": "every span starts and ends on a character boundary and covers non-whitespace text",
            "spans_shifted": sum(a.spans_shifted for a in report.annotators),
        },
        "annotators": report.summary()["annotators"],
        "text_hash_mismatches": {a.username: a.hash_mismatches for a in report.annotators if a.hash_mismatches},
        "skipped_members": report.skipped_members,
    }
