"""Locating the third-party benchmark files under the shared data folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from geostance.errors import GeostanceError


def require_files(paths: Iterable[Path], dataset: str, folder: str) -> None:
    """Fail in one line naming every missing file of `dataset`, which lives in `<data dir>/<folder>/`."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise GeostanceError(
            f"{dataset} files missing: {', '.join(missing)} (pass --data-dir, the folder holding {folder}/)"
        )
