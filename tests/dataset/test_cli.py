import json

from typer.testing import CliRunner

from geostance.annotation_counts import annotation_counts
from geostance.cli import build_app

from tests.dataset.conftest import span, units_of, write_snapshot


def _snapshot(tmp_path, corpus):
    units = units_of(corpus)
    u0 = units["seoul-talks:p000"].text
    return write_snapshot(tmp_path / "root" / "annotations" / "doccano", corpus, {
        "alice": {"seoul-talks:p000": {"entities": [span(u0, "Pyongyang", "GPE")], "cats": ["alliance:FAVOR"]}},
        "bob": {"seoul-talks:p000": {"entities": [span(u0, "Pyongyang", "GPE")], "cats": ["alliance:AGAINST"]}},
    })


def test_validate_command_exit_codes(tmp_path, corpus, schema_file):
    snap = _snapshot(tmp_path, corpus)
    args = ["dataset", "validate", "--snapshot", str(snap), "--corpus", str(corpus.root), "--schema", str(schema_file)]
    ok = CliRunner().invoke(build_app(), args)
    assert ok.exit_code == 0, ok.output
    with (snap / "annotators" / "bob.jsonl").open("a") as fh:
        fh.write("{broken\n")
    bad = CliRunner().invoke(build_app(), args)
    assert bad.exit_code == 1
    assert f"{snap / 'annotators' / 'bob.jsonl'}:2: bad JSON" in bad.output


def test_agreement_command_writes_three_files(tmp_path, corpus, schema_file):
    snap = _snapshot(tmp_path, corpus)
    out = tmp_path / "agr"
    res = CliRunner().invoke(build_app(), ["dataset", "agreement", "--snapshot", str(snap), "--corpus",
                                           str(corpus.root), "--schema", str(schema_file), "--out", str(out)])
    assert res.exit_code == 0, res.output
    result = json.loads((out / "agreement.json").read_text())
    assert result["entities"]["alice|bob"]["micro_f1"] == 1.0
    assert result["disagreements"] == [{"unit_id": "seoul-talks:p000", "kind": "stance", "target": "alliance",
                                        "votes": {"alice": "FAVOR", "bob": "AGAINST"}}]
    assert (out / "agreement.png").stat().st_size > 1000 and "Disagreements to review (1)" in (
        out / "agreement.md").read_text()


def test_annotation_counts_of_latest_snapshot(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv("GEOSTANCE_ROOT", str(tmp_path / "root"))
    assert annotation_counts() is None
    _snapshot(tmp_path, corpus)
    counts = annotation_counts()
    assert counts["entities"] == {"GPE": 2} and counts["stance"] == {"alliance": {"AGAINST": 1, "FAVOR": 1}}
    assert counts["annotators"] == ["alice", "bob"] and counts["units"] == 1
