import json

import datasets
import pytest
from typer.testing import CliRunner

from geostance.cli import build_app
from geostance.dataset.build import BuildOptions, build_dataset
from geostance.dataset.inputs.snapshot import SnapshotInput
from geostance.dataset.splits import parse_ratios
from geostance.errors import GeostanceError
from tests.dataset.conftest import span, units_of, write_snapshot


def _three_annotators(tmp_path, corpus):
    units = units_of(corpus)
    u0 = units["seoul-talks:p000"].text
    u1 = units["seoul-talks:p001"].text
    t0 = units["tokyo-summit:p000"].text
    kim, putin, pyong = (
        span(u0, "Kim Jong Un", "PERSON"),
        span(u0, "Vladimir Putin", "PERSON"),
        span(u0, "Pyongyang", "GPE"),
    )
    return write_snapshot(
        tmp_path / "snaps",
        corpus,
        {
            "alice": {
                "seoul-talks:p000": {"entities": [kim, putin, pyong], "cats": ["alliance:FAVOR"]},
                "seoul-talks:p001": {"entities": [span(u1, "Russia", "GPE")], "cats": ["sanctions:AGAINST"]},
                "tokyo-summit:p000": {"entities": [span(t0, "Japan", "GPE"), span(t0, "Tokyo", "GPE")]},
            },
            "bob": {
                "seoul-talks:p000": {"entities": [kim, pyong], "cats": ["alliance:FAVOR"]},
                "seoul-talks:p001": {"entities": [span(u1, "NATO", "ORG")], "cats": ["sanctions:NONE"]},
            },
            "carol": {
                "seoul-talks:p000": {"entities": [kim, [pyong[0], pyong[1] - 2, "GPE"]], "cats": ["alliance:AGAINST"]}
            },
        },
    )


def test_snapshot_build_adjudicates_and_round_trips(tmp_path, corpus, schema_file):
    snap = _three_annotators(tmp_path, corpus)
    units = units_of(corpus)
    decisions = tmp_path / "adjudication.jsonl"
    decisions.write_text(
        json.dumps(
            {
                "unit_id": "seoul-talks:p001",
                "kind": "stance",
                "target": "sanctions",
                "label": "AGAINST",
                "by": "lead",
                "note": "reads as critical",
            }
        )
        + "\n"
    )
    out = tmp_path / "ds"
    data = SnapshotInput.open(snap, corpus.root, schema_file, decisions)
    result = build_dataset(data, out, BuildOptions(ratios=parse_ratios("1,0,0"), progress=False))
    ner = datasets.load_from_disk(str(out / "ner"))["train"]
    stance = datasets.load_from_disk(str(out / "stance"))["train"]
    assert ner.features["ner_tags"].feature.names[:3] == ["O", "B-PERSON", "I-PERSON"]
    got = {}
    names = ner.features["spans"]["label"].feature.names
    for row in ner:
        assert row["text"] == units[row["unit_id"]].text
        sp = row["spans"]
        got[row["unit_id"]] = [
            (row["text"][s:e], names[lab]) for s, e, lab in zip(sp["start"], sp["end"], sp["label"], strict=True)
        ]
    # Kim 3/3 and Pyongyang 2/3 are majority; Putin 1/3 is not; carol's cut-off span is a minority
    assert got["seoul-talks:p000"] == [("Kim Jong Un", "PERSON"), ("Pyongyang", "GPE")]
    # two annotators disagree on p001's spans: 1/2 each, a tie: left out and listed
    assert got["seoul-talks:p001"] == []
    assert got["tokyo-summit:p000"] == [("Japan", "GPE"), ("Tokyo", "GPE")]  # single annotator
    labels = stance.features["label"].names
    rows = {(r["unit_id"], r["target"]): (labels[r["label"]], r["proposition"]) for r in stance}
    assert rows[("seoul-talks:p000", "alliance")][0] == "FAVOR"  # 2 of 3
    assert rows[("seoul-talks:p000", "alliance")][1].startswith("Russia and North Korea")
    assert rows[("seoul-talks:p001", "sanctions")][0] == "AGAINST"  # the decision breaks the tie
    assert len(rows) == 2 and result.counts["stance"] == {"train": 2}
    adj = json.loads((out / "adjudication.json").read_text())
    tied_spans = [t for t in adj["ties"] if t["kind"] == "span"]
    assert {(t["label"], t["votes"]) for t in tied_spans} == {("GPE", "1/2"), ("ORG", "1/2")}
    prov = [json.loads(x) for x in (out / "provenance.jsonl").read_text().splitlines()]
    decided = [p for p in prov if p["kind"] == "stance" and p["unit_id"] == "seoul-talks:p001"]
    assert decided[0]["rule"] == "adjudicated by lead" and decided[0]["votes"] == {"alice": "AGAINST", "bob": "NONE"}
    agreement = json.loads((out / "agreement.json").read_text())
    assert agreement["annotators"] == ["alice", "bob", "carol"]
    assert (out / "agreement.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    card = (out / "README.md").read_text()
    assert "## Agreement" in card and "Not measured" not in card and "## Adjudication" in card
    info = json.loads((out / "build_info.json").read_text())
    assert info["annotators"] == ["alice", "bob", "carol"] and info["adjudication"]["ties"] == 2


def test_each_annotator_file_is_read_once_per_build(tmp_path, corpus, schema_file, monkeypatch):
    import geostance.dataset.validate as validate

    snap = _three_annotators(tmp_path, corpus)
    opened = []
    real = validate.read_lines
    monkeypatch.setattr(validate, "read_lines", lambda path, *a: opened.append(path.name) or real(path, *a))
    data = SnapshotInput.open(snap, corpus.root, schema_file, tmp_path / "none.jsonl")
    build_dataset(data, tmp_path / "ds", BuildOptions(progress=False))
    assert sorted(opened) == ["alice.jsonl", "bob.jsonl", "carol.jsonl"]


def test_snapshot_with_a_bad_unit_fails_with_file_and_line(tmp_path, corpus, schema_file):
    snap = write_snapshot(tmp_path / "snaps", corpus, {"ann": {"seoul-talks:p000": {"text": "changed"}}})
    with pytest.raises(GeostanceError, match=r"ann\.jsonl:1: unit seoul-talks:p000 text differs"):
        SnapshotInput.open(snap, corpus.root, schema_file)


def test_no_snapshot_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.setenv("GEOSTANCE_ROOT", str(tmp_path))
    res = CliRunner().invoke(build_app(), ["dataset", "build"])
    assert res.exit_code != 0
    assert isinstance(res.exception, GeostanceError)
    assert "no annotation snapshot under" in str(res.exception) and "make pull" in str(res.exception)


def test_latest_snapshot_is_used(tmp_path, corpus, schema_file, monkeypatch):
    units = units_of(corpus)
    u0 = units["seoul-talks:p000"].text
    root = tmp_path / "root"
    snaps = root / "annotations" / "doccano"
    write_snapshot(snaps, corpus, {"a": {"seoul-talks:p000": {}}}, name="20261101T000000Z")
    write_snapshot(
        snaps,
        corpus,
        {"a": {"seoul-talks:p000": {"entities": [span(u0, "Pyongyang", "GPE")]}}},
        name="20261127T000000Z",
    )
    monkeypatch.setenv("GEOSTANCE_ROOT", str(root))
    result = build_dataset(
        SnapshotInput.open(corpus=corpus.root, schema=schema_file), tmp_path / "ds", BuildOptions(progress=False)
    )
    assert result.alignment["spans_kept"] == 1
    assert json.loads((tmp_path / "ds" / "build_info.json").read_text())["snapshot"].endswith("20261127T000000Z")
