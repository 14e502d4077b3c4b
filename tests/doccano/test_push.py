import os
import signal
import threading

import pytest

from geostance.corpus.model import Unit
from geostance.doccano import tasks
from geostance.doccano.client import connect
from geostance.doccano.push import assign_annotators, plan_push, push_units
from geostance.doccano.server import read_state
from tests.doccano.conftest import SERVER_HOME

TEXTS = [
    "Putin 🇷🇺 met Kim in Pyongyang.",
    "Line one\r\nSeoul and Tokyo 😀 agree.",
    "Plain NATO text.",
    "Sanctions on Moscow tightened.",
    "The Korean War ended in 1953.",
]


def make_units(texts=TEXTS, article="art"):
    return [Unit(article, f"{article}:p{i:03d}", i, 0, len(t), t) for i, t in enumerate(texts)]


def test_plan_push_finds_new_unchanged_changed_and_duplicates():
    units = make_units()
    existing = [
        {"id": 1, "meta": {"unit_id": "art:p000", "text_sha256": units[0].sha256}},
        {"id": 2, "meta": {"unit_id": "art:p001", "text_sha256": "old"}},
        {"id": 3, "meta": {"unit_id": "art:p002", "text_sha256": units[2].sha256}},
        {"id": 4, "meta": {"unit_id": "art:p002", "text_sha256": units[2].sha256}},
        {"id": 5, "meta": {"unit_id": "gone:p000", "text_sha256": "x"}},
        {"id": 6, "meta": {}},
    ]
    plan = plan_push(units, existing)
    assert [u.unit_id for u in plan.new] == ["art:p003", "art:p004"]
    assert plan.unchanged == ["art:p000", "art:p002"]
    assert [(c.unit_id, c.example_id) for c in plan.changed] == [("art:p001", 2)]
    assert plan.duplicates == {"art:p002": [3, 4]}
    assert plan.not_in_corpus == ["gone:p000"] and plan.without_unit_id == [6]


def test_assign_annotators_gives_each_unit_k_distinct_annotators_evenly():
    assignment = assign_annotators([f"u{i}" for i in range(6)], ["a", "b", "c"], 2)
    assert all(len(set(v)) == 2 for v in assignment.values())
    load = {name: sum(name in v for v in assignment.values()) for name in "abc"}
    assert load == {"a": 4, "b": 4, "c": 4}


@pytest.mark.doccano
def test_push_twice_gives_exactly_one_example_per_unit(admin, tmp_path):
    units = make_units()
    first = push_units(admin, units, annotators=["ann_alice", "ann_bob"], overlap=2, cache_dir=tmp_path)
    second = push_units(admin, units, cache_dir=tmp_path)
    third = push_units(admin, units, cache_dir=tmp_path, refresh=True)
    assert len(first.uploaded) == 5 and second.uploaded == [] and third.uploaded == []
    assert second.listing.startswith("cache of 5 rows") and third.listing == "full listing"
    examples = admin.list_examples(admin.project()["id"])
    assert sorted(e["meta"]["unit_id"] for e in examples) == sorted(u.unit_id for u in units)
    by_unit = {e["meta"]["unit_id"]: e for e in examples}
    for unit in units:  # text arrives unchanged: emoji and CRLF included
        assert by_unit[unit.unit_id]["text"] == unit.text
        assert by_unit[unit.unit_id]["meta"]["text_sha256"] == unit.sha256
        assert by_unit[unit.unit_id]["meta"]["article_id"] == "art"
        assert sorted(by_unit[unit.unit_id]["meta"]["assigned_to"]) == ["ann_alice", "ann_bob"]


@pytest.mark.doccano
def test_changed_unit_is_reported_not_uploaded_again(admin, tmp_path):
    units = make_units()
    push_units(admin, units, cache_dir=tmp_path)
    edited = make_units([TEXTS[0] + " Updated.", *TEXTS[1:]])
    for cache in (tmp_path, None):
        report = push_units(admin, edited, cache_dir=cache)
        assert report.uploaded == []
        assert [c.unit_id for c in report.plan.changed] == ["art:p000"]
        assert report.plan.changed[0].uploaded_sha256 == units[0].sha256
    assert len(admin.list_examples(admin.project()["id"])) == 5


@pytest.mark.doccano
def test_interrupted_push_resumes_without_duplicates(admin, tmp_path):
    units = make_units() + make_units(TEXTS, article="second")

    def stop_after_first_batch(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        push_units(admin, units, batch_size=4, on_batch=stop_after_first_batch, cache_dir=tmp_path)
    assert len(admin.list_examples(admin.project()["id"])) == 4
    resumed = push_units(admin, units, batch_size=4, cache_dir=tmp_path)
    assert len(resumed.uploaded) == 6 and len(resumed.plan.unchanged) == 4
    examples = admin.list_examples(admin.project()["id"])
    assert sorted(e["meta"]["unit_id"] for e in examples) == sorted(u.unit_id for u in units)


@pytest.mark.doccano
def test_cache_is_not_trusted_after_examples_were_deleted_and_added(admin, tmp_path):
    units = make_units()
    push_units(admin, units, cache_dir=tmp_path)
    pid = admin.project()["id"]
    victim = next(e for e in admin.list_examples(pid) if e["meta"]["unit_id"] == "art:p004")
    admin.api.bulk_delete_examples(pid, [victim["id"]])
    admin.api.create_example(pid, "someone else's", meta={})
    report = push_units(admin, units, cache_dir=tmp_path)
    assert report.listing == "full listing"
    assert report.uploaded == ["art:p004"] and len(report.plan.without_unit_id) == 1


def test_a_push_cache_name_from_a_hostile_project_record_is_refused(tmp_path):
    from geostance.doccano.listing import cache_file
    from geostance.fileio import UnsafeNameError

    assert (
        cache_file(tmp_path, "http://127.0.0.1:8000", {"id": 3, "created_at": "2026-01-01T10:00:00Z"}).parent
        == tmp_path
    )
    with pytest.raises(UnsafeNameError, match="push cache file"):
        cache_file(tmp_path, "http://127.0.0.1:8000", {"id": 3, "created_at": "x/../../../../evil"})


@pytest.mark.doccano
@pytest.mark.parametrize("killed", ["while waiting for the import", "before the task id came back"])
def test_a_push_killed_before_doccano_ran_its_import_does_not_duplicate_when_run_again(
    doccano_server, project_settings, admin, tmp_path, monkeypatch, killed
):
    """The first push dies after Doccano queued its import but before the worker ran it (the worker is paused
    to make that window wide); the re-run, in a new session, starts while the import is still queued."""
    units = make_units()
    worker = read_state(SERVER_HOME[doccano_server.url].resolve()).task_pid
    real_ingest = tasks.ingest

    def ingest_then_die(*args, **kwargs):
        os.killpg(worker, signal.SIGSTOP)
        task_id = real_ingest(*args, **kwargs)
        if killed == "before the task id came back":
            raise KeyboardInterrupt
        return task_id

    def status_or_die(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tasks, "ingest", ingest_then_die)
    monkeypatch.setattr(tasks, "task_status", status_or_die)
    resume = threading.Timer(1.5, os.killpg, (worker, signal.SIGCONT))
    try:
        with pytest.raises(KeyboardInterrupt):
            push_units(admin, units, cache_dir=tmp_path)
        monkeypatch.undo()
        resume.start()
        again = push_units(connect(project_settings), units, cache_dir=tmp_path)
    finally:
        resume.cancel()
        os.killpg(worker, signal.SIGCONT)
    assert again.uploaded == [] and again.waited_for.startswith("an import left by an interrupted push")
    examples = admin.list_examples(admin.project()["id"])
    assert sorted(e["meta"]["unit_id"] for e in examples) == sorted(u.unit_id for u in units)
    assert list(tmp_path.glob("*.pending.json")) == []
