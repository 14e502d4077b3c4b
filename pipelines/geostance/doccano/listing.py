"""Which units a project already holds, fast enough that a no-op push is cheap.

Doccano's example list serialises each row with several extra queries (confirmation state, approver, comment
count): about 3 ms a row, 6 s for 2,000 examples, longer than uploading them. So the rows (example id, unit id, text
hash) are cached per server and project after each push, and a later push proves the cache still describes the
project with two one-row requests: the count, and the id of the row at the cached count's last position (rows are
ordered by creation time). Then only rows added since are listed. Deleting or adding examples changes the count or
that id and forces a full listing; so does `refresh=True`. Doccano's UI cannot edit an example's text or meta.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

from geostance.doccano.client import DoccanoSession
from geostance.fileio import atomic_write_json, child_path

CACHE_VERSION = 1


def cache_file(cache_dir: Path, url: str, project: dict, suffix: str = ".json") -> Path:
    """The project's cache file (or, with another suffix, a file beside it). The server's project record is part
    of the name, so it is checked like any name from outside."""
    where = urlparse(url)
    created = str(project.get("created_at", "")).replace(":", "")
    return child_path(
        cache_dir,
        f"{where.hostname}_{where.port or 80}_{project['id']}_{created}{suffix}",
        "push cache file (named from the server's project record)",
    )


def _row(example: dict) -> dict:
    meta = example.get("meta") or {}
    row = {"id": example["id"], "meta": {"unit_id": meta.get("unit_id"), "text_sha256": meta.get("text_sha256")}}
    if "text" in example:
        row["text"] = example["text"]
    return row


def existing_examples(
    session: DoccanoSession, project: dict, cache_dir: Path | None = None, refresh: bool = False
) -> tuple[list[dict], str]:
    """Rows `{"id", "meta": {"unit_id", "text_sha256"}, ["text"]}` of every example; and how they were found."""
    pid = project["id"]
    if cache_dir is None or project.get("random_order"):
        return [_row(e) for e in session.list_examples(pid)], "full listing"
    path = cache_file(cache_dir, session.settings.url, project)
    head = session.example_page(pid, 0, 1)
    count = head["count"]
    cached = None if refresh or not path.is_file() else json.loads(path.read_text())
    how = "full listing"
    rows: list[dict] | None = None
    if cached and cached.get("version") == CACHE_VERSION and 0 < cached["count"] <= count:
        probe = session.example_page(pid, cached["count"] - 1, 1)["results"]
        if probe and probe[0]["id"] == cached["last_id"]:
            tail = session.list_examples(pid, offset=cached["count"])
            rows = cached["rows"] + [_row(e) for e in tail]
            how = f"cache of {cached['count']} rows + {len(tail)} listed"
    if rows is None:
        rows = [_row(e) for e in session.list_examples(pid)] if count else []
    last_id = rows[-1]["id"] if rows and rows[-1]["id"] is not None else (cached or {}).get("last_id")
    write_cache(path, rows, last_id)
    return rows, how


def write_cache(path: Path, rows: list[dict], last_id: int | None) -> None:
    slim = [{"id": r["id"], "meta": r["meta"]} for r in rows]
    atomic_write_json(path, {"version": CACHE_VERSION, "count": len(slim), "last_id": last_id, "rows": slim})


def refresh_after_upload(
    session: DoccanoSession, project: dict, cache_dir: Path | None, existing: list[dict], uploaded: list[dict]
) -> None:
    """Extend the cache with the uploaded rows (their example ids unknown: listing them would cost what we saved).

    Two one-row requests check that the project holds exactly the old rows plus ours; otherwise (someone else added
    examples meanwhile, or an import dropped rows) the cache is removed and the next push lists everything."""
    if cache_dir is None or project.get("random_order"):
        return
    path = cache_file(cache_dir, session.settings.url, project)
    pid = project["id"]
    count = session.example_page(pid, 0, 1)["count"]
    if count != len(existing) + len(uploaded) or count == 0:
        path.unlink(missing_ok=True)
        return
    last_id = session.example_page(pid, count - 1, 1)["results"][0]["id"]
    write_cache(path, existing + [{"id": None, "meta": r} for r in uploaded], last_id)
