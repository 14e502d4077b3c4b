import json

import datasets
import pytest

from geostance.dataset.align import AlignPolicy
from geostance.dataset.build import BuildOptions, build_dataset, fingerprint
from geostance.dataset.inputs import SplitFiles
from geostance.dataset.inputs.conll import ConllInput
from geostance.dataset.inputs.doccano_files import DoccanoFilesInput
from geostance.dataset.inputs.table import TableInput
from geostance.dataset.readers.conll import TagScheme
from geostance.dataset.readers.table import TableSpec
from geostance.errors import GeostanceError


def conll_file(tmp_path, name, sentences):
    f = tmp_path / name
    f.write_text(
        "-DOCSTART- -X- O O\n\n" + "\n\n".join("\n".join(f"{t} {tag}" for t, tag in s) for s in sentences) + "\n"
    )
    return f


def build(data, out, **options):
    return build_dataset(data, out, BuildOptions(progress=False, **options))


def test_conll_build_with_split_files_round_trips(tmp_path):
    train = conll_file(
        tmp_path,
        "train.conll",
        [[("EU", "I-ORG"), ("rejects", "O"), ("German", "I-MISC")], [("Peter", "I-PER"), ("Blackburn", "I-PER")]],
    )
    test = conll_file(tmp_path, "test.conll", [[("BRUSSELS", "I-LOC"), ("1996", "O")]])
    out = tmp_path / "ds"
    data = ConllInput(SplitFiles(train=[train], test=[test]))
    result = build(data, out)
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
    assert [row["text"][s:e] for s, e in zip(sp["start"], sp["end"], strict=True)] == ["EU", "German"]
    pq = datasets.load_dataset("parquet", data_files={"train": str(out / "parquet/ner/train.parquet")})
    assert pq["train"].features == feats and pq["train"][0] == row
    info = json.loads((out / "build_info.json").read_text())
    assert info["counts"] == result.counts and info["label_distribution"]["ner"]["train"]["PER"] == 1
    assert "## Split sizes" in (out / "README.md").read_text()
    assert not [p.name for p in out.rglob("*") if p.name.endswith(".spool") or "cache" in p.name]
    # unchanged inputs: the re-run is a no-op; a changed input rebuilds
    again = build(ConllInput(SplitFiles(train=[train], test=[test])), out)
    assert again.skipped and again.fingerprint == result.fingerprint
    test.write_text(test.read_text().replace("1996", "1997"))
    assert not build(ConllInput(SplitFiles(train=[train], test=[test])), out).skipped


def test_rows_keep_input_order_within_each_split(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("id,text,label\n" + "".join(f"{i},text {i},FAVOR\n" for i in range(50)))
    out = tmp_path / "ds"
    build(TableInput(SplitFiles([f]), TableSpec(id_col="id")), out, batch_size=7)
    for split in datasets.load_from_disk(str(out / "stance")).values():
        ids = [int(x.split(":")[1]) for x in split["id"]]
        assert ids == sorted(ids)


def test_strict_fails_and_leaves_no_output(tmp_path):
    f = tmp_path / "w.conll"
    f.write_text("Kim B-PER\nsaid O\n\nJong I-PER\n")  # IOB2 file with an entity that starts with I-
    out = tmp_path / "ds"
    with pytest.raises(GeostanceError, match="--strict"):
        build(ConllInput(SplitFiles([f]), TagScheme.iob2), out, strict=True)
    assert not out.exists() and not list(tmp_path.glob(".ds.*"))
    build(ConllInput(SplitFiles([f]), TagScheme.iob2), out, ratios={"train": 1.0, "dev": 0.0, "test": 0.0})
    report = json.loads((out / "alignment_report.json").read_text())
    assert len(report["read_issues"]) == 1 and "began with I-" in report["read_issues"][0]


def test_policy_says_what_happens_to_a_span_and_strict_whether_the_build_may_change_any(tmp_path):
    export = tmp_path / "e.jsonl"
    export.write_text(json.dumps({"text": "to Pyongyang now", "entities": [[3, 8, "GPE"]]}) + "\n")

    def spans(policy):
        out = tmp_path / policy.value
        build(
            DoccanoFilesInput(SplitFiles([export])), out, policy=policy, ratios={"train": 1.0, "dev": 0.0, "test": 0.0}
        )
        row = datasets.load_from_disk(str(out / "ner"))["train"][0]
        return [row["text"][s:e] for s, e in zip(row["spans"]["start"], row["spans"]["end"], strict=True)]

    assert spans(AlignPolicy.expand) == ["Pyongyang"]
    assert spans(AlignPolicy.contract) == [] and spans(AlignPolicy.drop) == []
    for policy in AlignPolicy:
        with pytest.raises(GeostanceError, match=r"--strict: 1 span\(s\) not taken exactly as given"):
            build(DoccanoFilesInput(SplitFiles([export])), tmp_path / "strict", policy=policy, strict=True)


def test_a_build_killed_between_the_swap_renames_leaves_a_dataset_the_next_run_restores(tmp_path, monkeypatch):
    from geostance import fileio

    train = conll_file(tmp_path, "train.conll", [[("EU", "I-ORG"), ("rejects", "O")]])
    out = tmp_path / "ds"
    first = build(ConllInput(SplitFiles(train=[train])), out)
    real_replace = fileio.os.replace
    calls = []

    def killed_on_second_rename(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies after moving the old dataset aside
        return real_replace(src, dst)

    monkeypatch.setattr(fileio.os, "replace", killed_on_second_rename)
    with pytest.raises(KeyboardInterrupt):
        build(ConllInput(SplitFiles(train=[train])), out, force=True)
    monkeypatch.undo()
    assert not out.exists()
    again = build(ConllInput(SplitFiles(train=[train])), out)
    assert again.skipped and again.fingerprint == first.fingerprint  # the previous build came back intact
    assert datasets.load_from_disk(str(out / "ner"))["train"][0]["tokens"] == ["EU", "rejects"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ds")] == []


def test_fingerprint_covers_inputs_and_settings_not_the_checkouts_place(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        root.mkdir()
        conll_file(root, "x.conll", [[("EU", "I-ORG")]])
    fp = [fingerprint(ConllInput(SplitFiles([root / "x.conll"])), BuildOptions()) for root in (a, b)]
    assert fp[0] == fp[1]
    assert fingerprint(ConllInput(SplitFiles([a / "x.conll"])), BuildOptions(seed="other")) != fp[0]
    assert (
        fingerprint(ConllInput(SplitFiles([a / "x.conll"]), label_map={"ORG": "ORGANISATION"}), BuildOptions()) != fp[0]
    )


def test_two_doccano_rows_for_one_unit_are_refused_naming_both(tmp_path):
    rows = tmp_path / "export.jsonl"
    rows.write_text(
        json.dumps(
            {"text": "Kim met Putin.", "unit_id": "a:p000", "entities": [[0, 3, "PERSON"]], "cats": ["alliance:FAVOR"]}
        )
        + "\n"
        + json.dumps(
            {
                "text": "Kim met Putin.",
                "unit_id": "a:p000",
                "entities": [[8, 13, "PERSON"]],
                "cats": ["alliance:AGAINST"],
            }
        )
        + "\n"
    )
    with pytest.raises(GeostanceError) as err:
        build(DoccanoFilesInput(SplitFiles([rows])), tmp_path / "ds")
    assert str(err.value) == (f"{rows}:2: unit 'a:p000' appears twice (also at {rows}:1); each may appear once")
    assert not (tmp_path / "ds").exists()


def test_a_table_may_give_one_text_several_targets_but_not_one_target_twice(tmp_path):
    table = tmp_path / "t.csv"
    spec = TableSpec(target_col="target", id_col="id")
    table.write_text("id,text,target,label\n1,Sanctions now.,sanctions,FAVOR\n1,Sanctions now.,alliance,NONE\n")
    ok = build(TableInput(SplitFiles([table]), spec), tmp_path / "ok")
    assert sum(ok.counts["stance"].values()) == 2
    table.write_text("id,text,target,label\n1,Sanctions now.,sanctions,FAVOR\n1,Sanctions now.,sanctions,AGAINST\n")
    with pytest.raises(
        GeostanceError,
        match=rf"{table}:3: unit 't.csv:1' with stance target 'sanctions' appears "
        rf"twice \(also at {table}:2\)",
    ):
        build(TableInput(SplitFiles([table]), spec), tmp_path / "bad")


def test_an_input_with_no_rows_is_an_error(tmp_path):
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n")
    with pytest.raises(GeostanceError, match="no examples found in"):
        build(DoccanoFilesInput(SplitFiles([empty])), tmp_path / "ds")
