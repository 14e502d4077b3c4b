"""Entity and stance counts of the latest annotation snapshot, for `geostance corpus stats`."""

from __future__ import annotations

from geostance.errors import NotBuiltYet
from geostance.paths import doccano_snapshots_dir


def annotation_counts() -> dict | None:
    """None when there is no snapshot yet."""
    snapshots = doccano_snapshots_dir()
    if not snapshots.is_dir() or not any(p.is_dir() for p in snapshots.iterdir()):
        return None
    raise NotBuiltYet("annotation counts need the Doccano export reader (dataset issue), not built yet")
