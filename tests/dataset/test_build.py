import json

import datasets
import pytest
from typer.testing import CliRunner

from geostance.cli import build_app
from geostance.dataset.readers.conll import TagScheme
from geostance.dataset.service import BuildRequest, run_build
from geostance.errors import GeostanceError


def _conll(tmp_path, name, sentences):
    f = tmp_path / name
    f.write_text("-DOCSTART- -X- O O\n\n" + "\n\n".join("\n".join(f"{t} {tag}" for t, tag in s) for s in sentences)
                 + "\n")
    return f


def test_conll_build_with_split_files_round_trips(tmp_path):
    train = _conll(tmp_path, "train.conll", [[("EU", "I-ORG"), ("rejects", "O"), ("German", "I-MISC")],
                                             [("Peter", "I-PER"), ("Blackburn", "I-PER")]])
    test = _conll(tmp_path, "test.conll", [[("BRUSSELS", "I-LOC"), ("1996", "O")]])
    out = tmp_path / "ds"
    result = run_build(BuildRequest(kind="conll", train=[train], test=[test], out=out, progress=False))
    assert result.counts == {"ner": {"train": 2, "test": 1}}
    dd = datasets.load_from_disk(str(out / "ner"))
    assert list(dd) == ["train", "test"]
    feats = dd["train"].features
    assert feats["spans"]["label"].feature.names == ["LOC", "MISC", "ORG", "PER"]
    tag_names = feats["ner_tags"].feature.names
    row = dd["train"][0]
    assert row["tokens"] == ["EU", "rejects", "German"]
    assert [tag_names[t] for t in row["ner_tags"]] == ["B-ORG", "O", "B-MISC"]
    sp = row["spans"]
    assert [row["text"][s:e] for s, e in zip(sp["start"], sp["end"])] == ["EU", "German"]
    pq = datasets.load_dataset("parquet", data_files={"train": str(out / "parquet/ner/train.parquet")})
    assert pq["train"].features == feats and pq["train"][0] == row
    info = json.loads((out / "build_info.json").read_text())
    assert info["counts"] == result.counts and info["label_distribution"]["ner"]["train"]["PER"] == 1
    assert "## Split sizes" in (out / "README.md").read_text()
    # unchanged inputs: the re-run is a no-op; changed inputs rebuild
    again = run_build(BuildRequest(kind="conll", train=[train], test=[test], out=out, progress=False))
    assert again.skipped and again.fingerprint == result.fingerprint


def test_table_build_hash_split_and_label_map(tmp_path):
    f = tmp_path / "t.csv"
    rows = "".join(f"{i},text number {i},t{i % 3},{'pos' if i % 2 else 'neg'}\n" for i in range(60))
    f.write_text("id,text,target,stance\n" + rows)
    out = tmp_path / "ds"
    result = run_build(BuildRequest(kind="table", paths=[f], out=out, label_col="stance", target_col="target",
                                    id_col="id", label_map="FAVOR=pos,AGAINST=neg", progress=False))
    dd = datasets.load_from_disk(str(out / "stance"))
    assert sum(result.counts["stance"].values()) == 60 and set(dd) <= {"train", "dev", "test"}
    assert dd["train"].features["label"].names == ["FAVOR", "AGAINST", "NONE"]
    ex = dd["train"][0]
    assert ex["label"] == (0 if int(ex["id"].split(":")[1]) % 2 else 1)
    assert ex["target"] == f"t{int(ex['id'].split(':')[1]) % 3}" and ex["proposition"] == ""


def test_table_with_other_labels_keeps_them(tmp_path):
    f = tmp_path / "fnc.csv"
    f.write_text("text,label\na,agree\nb,unrelated\nc,discuss\n")
    run_build(BuildRequest(kind="table", paths=[f], out=tmp_path / "ds", split_ratios="1,0,0", progress=False))
    dd = datasets.load_from_disk(str(tmp_path / "ds" / "stance"))
    assert list(dd) == ["train"]
    assert dd["train"].features["label"].names == ["agree", "discuss", "unrelated"]


def test_strict_fails_and_leaves_no_output(tmp_path):
    f = tmp_path / "w.conll"
    f.write_text("Kim B-PER\nsaid O\n\nJong I-PER\n")   # IOB2 file with an entity that starts with I-
    out = tmp_path / "ds"
    with pytest.raises(GeostanceError, match="--strict"):
        run_build(BuildRequest(kind="conll", paths=[f], out=out, strict=True, scheme=TagScheme.iob2,
                               progress=False))
    assert not out.exists() and not list(tmp_path.glob(".ds.*"))
    run_build(BuildRequest(kind="conll", paths=[f], out=out, progress=False, split_ratios="1,0,0",
                           scheme=TagScheme.iob2))
    report = json.loads((out / "alignment_report.json").read_text())
    assert len(report["read_issues"]) == 1 and "began with I-" in report["read_issues"][0]


def test_cli_build_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.conll"
    bad.write_text("EU\n")
    res = CliRunner().invoke(build_app(), ["dataset", "build", "--from", "conll", str(bad), "--out",
                                           str(tmp_path / "o")])
    assert res.exit_code != 0
    assert isinstance(res.exception, GeostanceError) and f"{bad}:1:" in str(res.exception)


@pytest.mark.shared_data
def test_cli_builds_semeval_with_split_files(tmp_path, shared_data):
    sem = shared_data / "semeval2016-task6-stance"
    res = CliRunner().invoke(build_app(), [
        "dataset", "build", "--from", "table", "--train", str(sem / "trainingdata-all-annotations.txt"),
        "--dev", str(sem / "trialdata-all-annotations.txt"), "--test", str(sem / "testdata-taskA-all-annotations.txt"),
        "--text-col", "Tweet", "--label-col", "Stance", "--target-col", "Target", "--id-col", "ID",
        "--encoding", "cp1252", "--out", str(tmp_path / "sem"), "--quiet"])
    assert res.exit_code == 0, res.output
    dd = datasets.load_from_disk(str(tmp_path / "sem" / "stance"))
    assert {s: len(d) for s, d in dd.items()} == {"train": 2814, "dev": 100, "test": 1249}


def test_a_build_killed_between_the_swap_renames_leaves_a_dataset_the_next_run_restores(tmp_path, monkeypatch):
    from geostance import fileio

    train = _conll(tmp_path, "train.conll", [[("EU", "I-ORG"), ("rejects", "O")]])
    out = tmp_path / "ds"
    first = run_build(BuildRequest(kind="conll", train=[train], out=out, progress=False))
    real_replace = fileio.os.replace
    calls = []

    def killed_on_second_rename(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt   # the process dies after moving the old dataset aside
        return real_replace(src, dst)

    monkeypatch.setattr(fileio.os, "replace", killed_on_second_rename)
    with pytest.raises(KeyboardInterrupt):
        run_build(BuildRequest(kind="conll", train=[train], out=out, force=True, progress=False))
    monkeypatch.undo()
    assert not out.exists()
    again = run_build(BuildRequest(kind="conll", train=[train], out=out, progress=False))
    assert again.skipped and again.fingerprint == first.fingerprint   # the previous build came back intact
    assert datasets.load_from_disk(str(out / "ner"))["train"][0]["tokens"] == ["EU", "rejects"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ds")] == []


def test_conll_input_is_read_in_the_given_encoding(tmp_path):
    train = tmp_path / "train.conll"
    train.write_bytes("Müller I-PER\nsaid O\n\nBogotá I-LOC\n".encode("cp1252"))
    with pytest.raises(GeostanceError, match=r"train\.conll:1: byte 0xfc at column 2 is not valid utf-8"):
        run_build(BuildRequest(kind="conll", train=[train], out=tmp_path / "a", progress=False))
    run_build(BuildRequest(kind="conll", train=[train], out=tmp_path / "b", encoding="cp1252", progress=False))
    rows = datasets.load_from_disk(str(tmp_path / "b" / "ner"))["train"]
    assert [r["tokens"][0] for r in rows] == ["Müller", "Bogotá"]


def test_two_doccano_rows_for_one_unit_are_refused_naming_both(tmp_path):
    rows = tmp_path / "export.jsonl"
    rows.write_text(json.dumps({"text": "Kim met Putin.", "unit_id": "a:p000", "entities": [[0, 3, "PERSON"]],
                                "cats": ["alliance:FAVOR"]}) + "\n"
                    + json.dumps({"text": "Kim met Putin.", "unit_id": "a:p000", "entities": [[8, 13, "PERSON"]],
                                  "cats": ["alliance:AGAINST"]}) + "\n")
    with pytest.raises(GeostanceError) as err:
        run_build(BuildRequest(kind="doccano", paths=[rows], out=tmp_path / "ds", progress=False))
    assert str(err.value) == (f"{rows}:2: unit 'a:p000' appears twice (also at {rows}:1); each may appear once")
    assert not (tmp_path / "ds").exists()


def test_a_table_may_give_one_text_several_targets_but_not_one_target_twice(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("id,text,target,label\n1,Sanctions now.,sanctions,FAVOR\n1,Sanctions now.,alliance,NONE\n")
    ok = run_build(BuildRequest(kind="table", paths=[table], out=tmp_path / "ok", target_col="target", id_col="id",
                                progress=False))
    assert sum(ok.counts["stance"].values()) == 2
    table.write_text("id,text,target,label\n1,Sanctions now.,sanctions,FAVOR\n1,Sanctions now.,sanctions,AGAINST\n")
    with pytest.raises(GeostanceError, match=rf"{table}:3: unit 't.csv:1' with stance target 'sanctions' appears "
                                             rf"twice \(also at {table}:2\)"):
        run_build(BuildRequest(kind="table", paths=[table], out=tmp_path / "bad", target_col="target", id_col="id",
                               progress=False))
