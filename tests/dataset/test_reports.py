import pytest

from geostance.dataset.reports import SnapshotChoice, run_agreement, run_validate, snapshot_counts
from geostance.errors import GeostanceError, InputError
from tests.dataset.conftest import span, units_of, write_snapshot


def test_snapshot_counts_count_every_annotators_labels(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv("GEOSTANCE_ROOT", str(tmp_path / "root"))
    assert snapshot_counts() is None
    u0 = units_of(corpus)["seoul-talks:p000"].text
    snap = write_snapshot(
        tmp_path / "root" / "annotations" / "doccano",
        corpus,
        {
            "alice": {"seoul-talks:p000": {"entities": [span(u0, "Pyongyang", "GPE")], "cats": ["alliance:FAVOR"]}},
            "bob": {"seoul-talks:p000": {"entities": [span(u0, "Pyongyang", "GPE")], "cats": ["alliance:AGAINST"]}},
        },
    )
    counts = snapshot_counts()
    assert counts == snapshot_counts(snap)
    assert counts["entities"] == {"GPE": 2} and counts["stance"] == {"alliance": {"AGAINST": 1, "FAVOR": 1}}
    assert counts["annotators"] == ["alice", "bob"] and counts["units"] == 1
    with pytest.raises(InputError, match="not a snapshot"):
        snapshot_counts(tmp_path / "nope")


def test_validate_reports_and_agreement_refuses_a_broken_snapshot(tmp_path, corpus, schema_file):
    snap = write_snapshot(tmp_path / "snaps", corpus, {"a": {"seoul-talks:p000": {}}, "b": {"seoul-talks:p000": {}}})
    (snap / "annotators" / "b.jsonl").write_text("{broken\n")
    choice = SnapshotChoice(snap, corpus.root, schema_file)
    used, problems = run_validate(choice)
    assert used == snap and [p.kind for p in problems] == ["structure"]
    with pytest.raises(GeostanceError, match=r"fails validation .*b\.jsonl:1: bad JSON"):
        run_agreement(choice, tmp_path / "agr")
