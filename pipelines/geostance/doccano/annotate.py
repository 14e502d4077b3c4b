"""Replay recorded annotator decisions onto a Doccano project as the logged-in user (idempotent)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from geostance.doccano.client import DoccanoSession
from geostance.doccano.decisions import read_decisions
from geostance.doccano.user_labels import LabelReport, write_labels
from geostance.schema import Schema


def annotate_from_file(
    session: DoccanoSession,
    path: Path,
    schema: Schema,
    *,
    confirm: bool = True,
    progress: Callable[[int, int], None] = lambda _d, _t: None,
) -> LabelReport:
    """Set the user's labels on every unit in `path` to exactly what the file says; confirm those examples."""
    decisions = read_decisions(path, schema)
    return write_labels(
        session,
        decisions,
        replace=True,
        only_unlabelled=False,
        confirm=confirm,
        progress=lambda done: progress(done, len(decisions)),
    )
