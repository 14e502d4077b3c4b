"""Which corpus units the annotation queue may offer: those no annotator has labelled yet.

A unit counts as labelled, and is never queued, when
- the latest pulled snapshot (`annotations/doccano/<latest>/annotators/*.jsonl`, the one `make dataset` builds
  from) has it in an annotator's file. A pull keeps in each file only the units that annotator labelled or
  confirmed (snapshot.json counts the rows it left out, `rows_not_worked_left_out`), so a line there is work done,
  a confirmed "nothing to mark" included. Snapshots pulled before that rule list every example for every member:
  in those, only a line with an entity or a stance counts;
- on the server, any project member has confirmed its example. Doccano shows each user only their own
  confirmations (`is_confirmed` and the `confirmed` filter are per `request.user`), but its export of confirmed
  examples (`exportApproved`) writes one file per member: one export, read as the project admin, covers every
  member, whether or not we know their password.
Labels on the server that nobody confirmed do not count: they may be the suggestions of an earlier queue, which
an export cannot tell from a person's (it carries no `prob`). Such a unit can be queued again; pre-annotation never
writes onto an example where that annotator has any label, so work in progress is left alone.
Units missing from the project, or whose text changed since upload, would not be shown as the corpus has them:
they are left out, and counted.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geostance.corpus.model import Unit
from geostance.doccano.client import DoccanoError, DoccanoSession
from geostance.doccano.pull import EXPORT_FORMAT, confirmed_units
from geostance.doccano.tasks import download_export
from geostance.errors import InputError
from geostance.jsonl import decode_json, iter_json_objects
from geostance.textfile import read_lines


@dataclass(frozen=True)
class Candidate:
    unit: Unit
    example: dict  # the server's example: id, text, meta, score


@dataclass
class CandidatePool:
    candidates: list[Candidate]
    labelled_in_snapshot: dict[str, list[str]] = field(default_factory=dict)  # unit id → annotators
    confirmed_on_server: dict[str, list[str]] = field(default_factory=dict)  # unit id → members
    not_in_project: list[str] = field(default_factory=list)
    changed_since_upload: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        labelled = set(self.labelled_in_snapshot) | set(self.confirmed_on_server)
        return {
            "candidates": len(self.candidates),
            "labelled": len(labelled),
            "labelled_in_snapshot": len(self.labelled_in_snapshot),
            "confirmed_on_server": len(self.confirmed_on_server),
            "not_in_project": self.not_in_project,
            "changed_since_upload": self.changed_since_upload,
        }


def latest_snapshot(root: Path) -> Path | None:
    """The last snapshot folder by name (names sort by UTC time) that has annotator files, as `make dataset`
    chooses it; hidden folders are a pull's staging. None when there is none."""
    if not root.is_dir():
        return None
    found = sorted(p for p in root.iterdir() if (p / "annotators").is_dir() and not p.name.startswith("."))
    return found[-1] if found else None


def snapshot_labelled_units(snapshot: Path) -> dict[str, list[str]]:
    """Unit id → the annotators whose file has it as work done (see the module docstring)."""
    work_only = _work_only_files(snapshot)
    labelled: dict[str, list[str]] = {}
    for path in sorted((snapshot / "annotators").glob("*.jsonl")):
        for number, row in iter_json_objects(read_lines(path), path):
            unit_id = row.get("unit_id")
            if not isinstance(unit_id, str):
                raise InputError(path, "the line has no string 'unit_id' (was the unit pushed by geostance?)", number)
            if path.stem in work_only or row.get("entities") or row.get("cats"):
                labelled.setdefault(unit_id, []).append(path.stem)
    return labelled


def _work_only_files(snapshot: Path) -> set[str]:
    """The annotators whose file the pull limited to their work (snapshot.json counts what it left out)."""
    info_path = snapshot / "snapshot.json"
    if not info_path.is_file():
        return set()
    info = decode_json("".join(read_lines(info_path)), info_path, None)
    annotators = info.get("annotators") if isinstance(info, dict) else None
    if not isinstance(annotators, dict):
        raise InputError(info_path, "no 'annotators' object (not a snapshot.json written by `geostance doccano pull`)")
    return {
        user for user, counts in annotators.items() if isinstance(counts, dict) and "rows_not_worked_left_out" in counts
    }


def confirmed_on_server(session: DoccanoSession, project_id: int) -> dict[str, list[str]]:
    """Unit id → the project members who confirmed its example, from Doccano's export of confirmed examples."""
    archive = download_export(session, project_id, EXPORT_FORMAT, approved_only=True)
    if not isinstance(archive, bytes | bytearray) or not zipfile.is_zipfile(io.BytesIO(archive)):
        raise DoccanoError(f"Doccano at {session.settings.url}: the export of confirmed examples is not a zip file")
    confirmed: dict[str, list[str]] = {}
    for member, units in sorted(confirmed_units(bytes(archive), "Doccano's export of confirmed examples").items()):
        for unit_id in units:
            confirmed.setdefault(unit_id, []).append(member)
    return confirmed


def select_candidates(
    units: Iterable[Unit],
    examples: Mapping[str, dict],
    labelled_in_snapshot: Mapping[str, Sequence[str]],
    confirmed: Mapping[str, Sequence[str]],
) -> CandidatePool:
    """The units that may be queued (in corpus order), and why the others may not. Pure."""
    pool = CandidatePool(
        candidates=[],
        labelled_in_snapshot={k: list(v) for k, v in labelled_in_snapshot.items()},
        confirmed_on_server={k: list(v) for k, v in confirmed.items()},
    )
    for unit in units:
        example = examples.get(unit.unit_id)
        if example is None:
            pool.not_in_project.append(unit.unit_id)
        elif (example.get("meta") or {}).get("text_sha256") != unit.sha256:
            pool.changed_since_upload.append(unit.unit_id)
        elif unit.unit_id not in labelled_in_snapshot and unit.unit_id not in confirmed:
            pool.candidates.append(Candidate(unit, example))
    return pool
