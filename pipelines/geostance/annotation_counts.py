"""Entity and stance counts of the latest annotation snapshot, for `geostance corpus stats`."""

from __future__ import annotations

from collections import Counter

from geostance.paths import doccano_snapshots_dir


def annotation_counts() -> dict | None:
    """None when there is no snapshot yet. Otherwise counts per label over every annotator file of the latest
    snapshot (each annotator's spans and stances count; gold is made by `geostance dataset build`)."""
    from geostance.dataset.readers.doccano import read_doccano
    from geostance.dataset.readers.snapshot import find_latest_snapshot, open_snapshot
    from geostance.errors import GeostanceError

    root = doccano_snapshots_dir()
    try:
        snapshot = open_snapshot(find_latest_snapshot(root))
    except GeostanceError:
        return None
    entities: Counter = Counter()
    stances: dict[str, Counter] = {}
    units: set[str] = set()
    for _user, path in sorted(snapshot.annotators.items()):
        for row in read_doccano(path):
            units.add(str(row.meta.get("unit_id") or row.origin))
            entities.update(label for *_, label, _u in row.spans)
            for cat, _u in row.cats:
                target, _sep, label = cat.rpartition(":")
                stances.setdefault(target, Counter())[label] += 1
    return {"snapshot": snapshot.name, "annotators": sorted(snapshot.annotators), "units": len(units),
            "entities": dict(sorted(entities.items())), "stance": {t: dict(sorted(c.items())) for t, c in sorted(stances.items())}}
