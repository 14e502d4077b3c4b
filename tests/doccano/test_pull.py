import io
import json
import zipfile
from dataclasses import replace

import pytest

from geostance.doccano.annotate import annotate_from_file
from geostance.doccano.client import connect
from geostance.doccano.pull import convert_line, export_members, pull_project
from geostance.doccano.push import push_units
from geostance.doccano.setup import setup_project
from geostance.errors import InputError
from geostance.fileio import UnsafeNameError
from tests.doccano.conftest import ANNOTATORS, as_annotator
from tests.doccano.test_push import TEXTS, make_units


def span(text, word, label, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    return [start, start + len(word), label]


DECISIONS = {
    "ann_alice": [
        {
            "unit_id": "art:p000",
            "entities": [
                span(TEXTS[0], "Putin", "PERSON"),
                span(TEXTS[0], "Kim", "PERSON"),
                span(TEXTS[0], "Pyongyang", "GPE"),
            ],
            "cats": ["alliance:FAVOR"],
        },
        {
            "unit_id": "art:p001",
            "entities": [span(TEXTS[1], "Seoul", "GPE"), span(TEXTS[1], "Tokyo", "GPE")],
            "cats": ["trilateral:FAVOR", "sanctions:NONE"],
        },
    ],
    "ann_bob": [
        {
            "unit_id": "art:p000",
            "entities": [span(TEXTS[0], "Kim", "PERSON"), span(TEXTS[0], "Pyongyang", "GPE")],
            "cats": ["alliance:AGAINST"],
        },
        {"unit_id": "art:p001", "entities": [span(TEXTS[1], "Tokyo 😀", "GPE")], "cats": []},
        {"unit_id": "art:p002", "entities": [span(TEXTS[2], "NATO", "ORG")], "cats": []},
        {"unit_id": "art:p003", "entities": [], "cats": []},  # looked at, nothing to mark: confirmed, no label
    ],
}


def write_decisions(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_convert_line_turns_utf16_into_code_points_and_checks_them():
    row = {"text": "Putin 🇷🇺 met Kim", "entities": [[15, 18, "PERSON"]], "cats": []}
    converted, shifted = convert_line(row, "x.jsonl", 3)
    assert converted["entities"] == [[13, 16, "PERSON"]] and shifted == 1
    assert row["text"][13:16] == "Kim"
    with pytest.raises(InputError, match=r"x.jsonl:3: .*surrogate"):
        convert_line({"text": "a😀b", "entities": [[2, 4, "GPE"]]}, "x.jsonl", 3)
    with pytest.raises(InputError, match="whitespace"):
        convert_line({"text": "a  b", "entities": [[1, 3, "GPE"]]}, "x.jsonl", 3)


@pytest.mark.doccano
def test_two_annotators_round_trip_through_pull_with_emoji_and_crlf(project_settings, admin, tmp_path, schema):
    push_units(admin, make_units())
    for account in ANNOTATORS:
        path = write_decisions(tmp_path / f"{account.username}.jsonl", DECISIONS[account.username])
        session = as_annotator(project_settings, account)
        report = annotate_from_file(session, path, schema)
        assert report.unknown_units == [] and report.examples == len(DECISIONS[account.username])
        again = annotate_from_file(session, path, schema)  # idempotent
        assert again.spans_added == again.cats_added == 0 and again.unchanged == report.examples
    # What Doccano stores is in UTF-16 units, as its UI would have made it.
    pid = admin.project()["id"]
    alice = as_annotator(project_settings, ANNOTATORS[0])
    ex0 = next(e for e in alice.list_examples(pid) if e["meta"]["unit_id"] == "art:p000")
    stored = {(s.start_offset, s.end_offset) for s in alice.api.list_spans(pid, ex0["id"])}
    utf16 = TEXTS[0].encode("utf-16-le")
    assert {utf16[2 * a : 2 * b].decode("utf-16-le") for a, b in stored} == {"Putin", "Kim", "Pyongyang"}

    out = tmp_path / "snap"
    report = pull_project(admin, out=out)
    assert sorted(p.name for p in (out / "annotators").iterdir()) == ["ann_alice.jsonl", "ann_bob.jsonl"]
    for account in ANNOTATORS:
        lines = [json.loads(x) for x in (out / "annotators" / f"{account.username}.jsonl").read_text().splitlines()]
        # Their work only (labelled or confirmed), not every example of the project.
        assert sorted(r["unit_id"] for r in lines) == sorted(d["unit_id"] for d in DECISIONS[account.username])
        got = {r["unit_id"]: (r["entities"], r["cats"]) for r in lines}
        want = {d["unit_id"]: (sorted(d["entities"]), sorted(d["cats"])) for d in DECISIONS[account.username]}
        assert got == want
        for r in lines:
            assert r["text"] == TEXTS[int(r["unit_id"][-3:])] if r["unit_id"].startswith("art") else True
            for s, e, _ in r["entities"]:
                assert r["text"][s:e].strip()
    snapshot = json.loads((out / "snapshot.json").read_text())
    assert snapshot["offset_conversion"]["spans_shifted"] == 5  # spans after the flag emoji / after 😀
    assert set(snapshot["annotators"]) == {"ann_alice", "ann_bob"}
    assert snapshot["skipped_members"] == {"admin": "role project_admin, no labels"}
    assert snapshot["project"]["name"] == project_settings.project
    assert len(snapshot["labels"]["spans"]) == 7 and len(snapshot["labels"]["categories"]) == 9
    assert project_settings.password not in (out / "snapshot.json").read_text()
    export_files = sorted(p.name for p in (out / "export").iterdir())
    assert "ann_alice.jsonl" in export_files and any(n.endswith(".zip") for n in export_files)
    assert report.summary()["annotators"]["ann_bob"]["labelled_units"] == 3
    assert snapshot["annotators"]["ann_bob"]["rows_not_worked_left_out"] == 1  # 5 units, 4 worked
    assert snapshot["annotators"]["ann_alice"]["rows_not_worked_left_out"] == 3


@pytest.mark.doccano
def test_annotate_replaces_a_changed_decision_and_pull_approved_only(project_settings, admin, tmp_path, schema):
    push_units(admin, make_units())
    bob = as_annotator(project_settings, ANNOTATORS[1])
    first = write_decisions(tmp_path / "a.jsonl", DECISIONS["ann_bob"])
    annotate_from_file(bob, first, schema)
    revised = [{"unit_id": "art:p000", "entities": [span(TEXTS[0], "Putin", "PERSON")], "cats": ["alliance:NONE"]}]
    report = annotate_from_file(bob, write_decisions(tmp_path / "b.jsonl", revised), schema, confirm=False)
    assert (report.spans_added, report.spans_removed, report.cats_added, report.cats_removed) == (1, 2, 1, 1)
    # alice labels one unit but does not confirm it: approved-only leaves it out
    alice = as_annotator(project_settings, ANNOTATORS[0])
    annotate_from_file(alice, write_decisions(tmp_path / "c.jsonl", DECISIONS["ann_alice"][:1]), schema, confirm=False)
    out = tmp_path / "approved"
    pull_project(admin, out=out, approved_only=True)
    bob_lines = [json.loads(x) for x in (out / "annotators" / "ann_bob.jsonl").read_text().splitlines()]
    assert sorted(r["unit_id"] for r in bob_lines) == ["art:p000", "art:p001", "art:p002", "art:p003"]  # confirmed
    p000 = next(r for r in bob_lines if r["unit_id"] == "art:p000")
    assert p000["entities"] == [span(TEXTS[0], "Putin", "PERSON")] and p000["cats"] == ["alliance:NONE"]
    alice_lines = (out / "annotators" / "ann_alice.jsonl").read_text().splitlines()
    assert alice_lines == []


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("evil", ["../../../x/evil.jsonl", "/tmp/evil.jsonl", "sub/../../evil.jsonl", ".."])
def test_export_member_names_that_leave_the_snapshot_are_refused_before_any_write(evil):
    archive = _zip({"ann_alice.jsonl": b"", evil: b'{"text": "pwned"}\n'})
    with pytest.raises(UnsafeNameError, match=r"Doccano's export: member .* cannot be used as a file name"):
        export_members(archive)


def test_export_members_that_would_share_an_annotator_file_are_refused():
    with pytest.raises(UnsafeNameError, match="one annotator file"):
        export_members(_zip({"ann_alice.jsonl": b"", "ann_alice.txt": b""}))
    assert export_members(_zip({"b.jsonl": b"2", "a.jsonl": b"1"})) == [("a.jsonl", b"1"), ("b.jsonl", b"2")]


@pytest.mark.doccano
def test_a_project_name_with_a_path_in_it_writes_nothing_outside_the_snapshot(doccano_server, schema, tmp_path):
    settings = replace(doccano_server, project="../../somewhere/proj")
    setup_project(connect(settings), schema, "g")
    out = tmp_path / "snapshots" / "s1"
    with pytest.raises(UnsafeNameError, match="project name '../../somewhere/proj' cannot be used as a file name"):
        pull_project(connect(settings), out=out)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
