import json

import pytest

from geostance.doccano.candidates import (
    confirmed_on_server,
    latest_snapshot,
    select_candidates,
    snapshot_labelled_units,
)
from geostance.doccano.push import push_units
from geostance.errors import InputError
from tests.doccano.conftest import ANNOTATORS, as_annotator
from tests.doccano.test_push import make_units


def write_snapshot(root, name, annotators):
    folder = root / name / "annotators"
    folder.mkdir(parents=True)
    for user, rows in annotators.items():
        (folder / f"{user}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return root / name


def line(unit_id, entities=(), cats=()):
    return {"id": 1, "text": "t", "unit_id": unit_id, "entities": [list(e) for e in entities], "cats": list(cats)}


def test_the_latest_snapshot_is_the_last_by_name_with_annotator_files(tmp_path):
    assert latest_snapshot(tmp_path / "missing") is None
    assert latest_snapshot(tmp_path) is None
    write_snapshot(tmp_path, "20260101T000000Z", {"a": []})
    write_snapshot(tmp_path, "20260301T000000Z", {"a": []})
    (tmp_path / "20260401T000000Z").mkdir()  # no annotators/: not a snapshot
    write_snapshot(tmp_path, ".20260501T000000Z.staging", {"a": []})  # a pull's staging
    assert latest_snapshot(tmp_path) == tmp_path / "20260301T000000Z"


def test_a_unit_is_labelled_when_any_annotator_gave_it_an_entity_or_a_stance(tmp_path):
    snapshot = write_snapshot(
        tmp_path,
        "s",
        {
            "alice": [line("a:p000", entities=[(0, 1, "GPE")]), line("a:p001"), line("a:p002", cats=["alliance:NONE"])],
            "bob": [line("a:p000", cats=["sanctions:FAVOR"]), line("a:p001"), line("a:p003")],
        },
    )
    assert snapshot_labelled_units(snapshot) == {"a:p000": ["alice", "bob"], "a:p002": ["alice"]}


def test_in_a_snapshot_of_work_done_every_line_counts_a_confirmed_empty_unit_too(tmp_path):
    rows = [line("a:p000"), line("a:p001", cats=["alliance:NONE"])]
    snapshot = write_snapshot(tmp_path, "s", {"alice": rows, "bob": [line("a:p002")]})
    # alice's file was pulled as work done; bob's by an older pull that listed every example
    (snapshot / "snapshot.json").write_text(
        json.dumps({"annotators": {"alice": {"units": 2, "rows_not_worked_left_out": 5}, "bob": {"units": 1}}})
    )
    assert snapshot_labelled_units(snapshot) == {"a:p000": ["alice"], "a:p001": ["alice"]}
    (snapshot / "snapshot.json").write_text(json.dumps({"snapshot": "s"}))
    with pytest.raises(InputError, match=r"snapshot\.json: no 'annotators' object"):
        snapshot_labelled_units(snapshot)


def test_a_snapshot_line_without_a_unit_id_names_its_file_and_line(tmp_path):
    snapshot = write_snapshot(tmp_path, "s", {"alice": [line("a:p000"), {"id": 2, "text": "t", "entities": []}]})
    with pytest.raises(InputError, match=r"alice\.jsonl:2: the line has no string 'unit_id'"):
        snapshot_labelled_units(snapshot)


def test_candidates_leave_out_labelled_confirmed_missing_and_changed_units():
    units = make_units()
    examples = {
        u.unit_id: {"id": i, "text": u.text, "meta": {"unit_id": u.unit_id, "text_sha256": u.sha256}}
        for i, u in enumerate(units)
    }
    del examples["art:p004"]
    examples["art:p003"]["meta"]["text_sha256"] = "edited since upload"
    pool = select_candidates(units, examples, {"art:p000": ["alice"]}, {"art:p001": ["bob"]})
    assert [c.unit.unit_id for c in pool.candidates] == ["art:p002"]
    assert pool.candidates[0].example is examples["art:p002"]
    assert pool.not_in_project == ["art:p004"] and pool.changed_since_upload == ["art:p003"]
    assert pool.summary() == {
        "candidates": 1,
        "labelled": 2,
        "labelled_in_snapshot": 1,
        "confirmed_on_server": 1,
        "not_in_project": ["art:p004"],
        "changed_since_upload": ["art:p003"],
    }


@pytest.mark.doccano
def test_the_admin_sees_every_members_confirmations_through_the_export(project_settings, admin):
    push_units(admin, make_units())
    pid = admin.project()["id"]
    by_unit = {e["meta"]["unit_id"]: e["id"] for e in admin.list_examples(pid)}
    alice, bob = (as_annotator(project_settings, a) for a in ANNOTATORS)
    alice.api.update_example_state(pid, by_unit["art:p000"])
    bob.api.update_example_state(pid, by_unit["art:p000"])
    bob.api.update_example_state(pid, by_unit["art:p003"])
    # an example with a label but no confirmation is not confirmed
    org = next(t.id for t in bob.api.list_label_types(pid, "span") if t.text == "ORG")
    bob.api.create_span(pid, by_unit["art:p002"], 0, 5, org)
    # the admin's own list shows only the admin's state: nothing confirmed
    assert not any(e["is_confirmed"] for e in admin.list_examples(pid))
    found = confirmed_on_server(admin, pid)
    assert {k: sorted(v) for k, v in found.items()} == {"art:p000": ["ann_alice", "ann_bob"], "art:p003": ["ann_bob"]}
