import json

import datasets
import pytest
from typer.testing import CliRunner

from geostance.cli import build_app
from geostance.errors import GeostanceError
from tests.dataset.conftest import span, units_of, write_snapshot


def _snapshot(tmp_path, corpus):
    units = units_of(corpus)
    u0 = units["seoul-talks:p000"].text
    return write_snapshot(
        tmp_path / "root" / "annotations" / "doccano",
        corpus,
        {
            "alice": {"seoul-talks:p000": {"entities": [span(u0, "Pyongyang", "GPE")], "cats": ["alliance:FAVOR"]}},
            "bob": {"seoul-talks:p000": {"entities": [span(u0, "Pyongyang", "GPE")], "cats": ["alliance:AGAINST"]}},
        },
    )


def test_build_command_builds_the_snapshot(tmp_path, corpus, schema_file):
    snap = _snapshot(tmp_path, corpus)
    out = tmp_path / "ds"
    args = [
        "dataset",
        "build",
        "--snapshot",
        str(snap),
        "--corpus",
        str(corpus.root),
        "--schema",
        str(schema_file),
        "--out",
        str(out),
        "--split-ratios",
        "1,0,0",
        "--quiet",
    ]
    res = CliRunner().invoke(build_app(), args)
    assert res.exit_code == 0, res.output
    assert "ner: train 1" in res.output and "stance: train" not in res.output  # the only stance is a tie
    assert datasets.load_from_disk(str(out / "ner"))["train"][0]["unit_id"] == "seoul-talks:p000"
    again = CliRunner().invoke(build_app(), args)
    assert "up to date" in " ".join(again.output.split())


def test_import_commands_take_their_readers_options(tmp_path):
    conll = tmp_path / "x.conll"
    conll.write_text("Kim B-PER\nsaid O\n")
    res = CliRunner().invoke(
        build_app(),
        [
            "dataset",
            "import",
            "conll",
            str(conll),
            "--label-map",
            "PERSON=PER",
            "--out",
            str(tmp_path / "c"),
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    names = datasets.load_from_disk(str(tmp_path / "c" / "ner"))
    assert next(iter(names.values())).features["spans"]["label"].feature.names == ["PERSON"]
    table = tmp_path / "t.tsv"
    table.write_text("ID\tTweet\tStance\n1\tyes\tFAVOR\n")
    res = CliRunner().invoke(
        build_app(),
        [
            "dataset",
            "import",
            "table",
            "--train",
            str(table),
            "--text-col",
            "Tweet",
            "--label-col",
            "Stance",
            "--id-col",
            "ID",
            "--out",
            str(tmp_path / "t"),
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    assert datasets.load_from_disk(str(tmp_path / "t" / "stance"))["train"][0]["id"] == "t.tsv:1"
    export = tmp_path / "e.jsonl"
    export.write_text(json.dumps({"text": "Seoul", "label": [[0, 5, "City"]]}) + "\n")
    res = CliRunner().invoke(
        build_app(),
        [
            "dataset",
            "import",
            "doccano",
            str(export),
            "--labels",
            "data",
            "--out",
            str(tmp_path / "d"),
            "--policy",
            "drop",
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "d" / "build_info.json").read_text())["policy"] == "drop"


def test_import_needs_an_output_folder(tmp_path):
    res = CliRunner().invoke(build_app(), ["dataset", "import", "conll", str(tmp_path / "x.conll")])
    assert res.exit_code == 2 and "--out" in res.output


def test_cli_build_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.conll"
    bad.write_text("EU\n")
    res = CliRunner().invoke(build_app(), ["dataset", "import", "conll", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code != 0
    assert isinstance(res.exception, GeostanceError) and f"{bad}:1:" in str(res.exception)


@pytest.mark.shared_data
def test_cli_builds_semeval_with_split_files(tmp_path, shared_data):
    sem = shared_data / "semeval2016-task6-stance"
    res = CliRunner().invoke(
        build_app(),
        [
            "dataset",
            "import",
            "table",
            "--train",
            str(sem / "trainingdata-all-annotations.txt"),
            "--dev",
            str(sem / "trialdata-all-annotations.txt"),
            "--test",
            str(sem / "testdata-taskA-all-annotations.txt"),
            "--text-col",
            "Tweet",
            "--label-col",
            "Stance",
            "--target-col",
            "Target",
            "--id-col",
            "ID",
            "--encoding",
            "cp1252",
            "--out",
            str(tmp_path / "sem"),
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    dd = datasets.load_from_disk(str(tmp_path / "sem" / "stance"))
    assert {s: len(d) for s, d in dd.items()} == {"train": 2814, "dev": 100, "test": 1249}


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
    res = CliRunner().invoke(
        build_app(),
        [
            "dataset",
            "agreement",
            "--snapshot",
            str(snap),
            "--corpus",
            str(corpus.root),
            "--schema",
            str(schema_file),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    result = json.loads((out / "agreement.json").read_text())
    assert result["entities"]["alice|bob"]["micro_f1"] == 1.0
    assert result["disagreements"] == [
        {
            "unit_id": "seoul-talks:p000",
            "kind": "stance",
            "target": "alliance",
            "votes": {"alice": "FAVOR", "bob": "AGAINST"},
        }
    ]
    assert (out / "agreement.png").stat().st_size > 1000 and "Disagreements to review (1)" in (
        out / "agreement.md"
    ).read_text()


def test_stats_command_counts_the_latest_snapshots_labels(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv("GEOSTANCE_ROOT", str(tmp_path / "root"))
    assert "No annotation snapshot" in CliRunner().invoke(build_app(), ["dataset", "stats"]).output
    _snapshot(tmp_path, corpus)
    res = CliRunner().invoke(build_app(), ["dataset", "stats", "--json"])
    assert res.exit_code == 0, res.output
    counts = json.loads(res.output)
    assert counts["entities"] == {"GPE": 2} and counts["stance"] == {"alliance": {"AGAINST": 1, "FAVOR": 1}}
    table = CliRunner().invoke(build_app(), ["dataset", "stats"]).output
    assert "entity GPE" in table and "stance alliance:FAVOR" in table
