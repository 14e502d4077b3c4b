import datasets

from geostance.dataset.build import BuildOptions, build_dataset
from geostance.dataset.inputs import SplitFiles
from geostance.dataset.inputs.table import TableInput
from geostance.dataset.readers.table import TableSpec
from geostance.dataset.splits import parse_ratios


def test_table_build_hash_split_and_label_map(tmp_path):
    f = tmp_path / "t.csv"
    rows = "".join(f"{i},text number {i},t{i % 3},{'pos' if i % 2 else 'neg'}\n" for i in range(60))
    f.write_text("id,text,target,stance\n" + rows)
    out = tmp_path / "ds"
    spec = TableSpec(label_col="stance", target_col="target", id_col="id", label_map={"pos": "FAVOR", "neg": "AGAINST"})
    result = build_dataset(TableInput(SplitFiles([f]), spec), out, BuildOptions(progress=False))
    dd = datasets.load_from_disk(str(out / "stance"))
    assert sum(result.counts["stance"].values()) == 60 and set(dd) <= {"train", "dev", "test"}
    assert dd["train"].features["label"].names == ["FAVOR", "AGAINST", "NONE"]
    ex = dd["train"][0]
    assert ex["label"] == (0 if int(ex["id"].split(":")[1]) % 2 else 1)
    assert ex["target"] == f"t{int(ex['id'].split(':')[1]) % 3}" and ex["proposition"] == ""


def test_table_with_other_labels_keeps_them(tmp_path):
    f = tmp_path / "fnc.csv"
    f.write_text("text,label\na,agree\nb,unrelated\nc,discuss\n")
    data = TableInput(SplitFiles([f]))
    assert data.stance_labels == ["agree", "discuss", "unrelated"] and data.entity_labels is None
    build_dataset(data, tmp_path / "ds", BuildOptions(ratios=parse_ratios("1,0,0"), progress=False))
    dd = datasets.load_from_disk(str(tmp_path / "ds" / "stance"))
    assert list(dd) == ["train"]
    assert dd["train"].features["label"].names == ["agree", "discuss", "unrelated"]
    assert data.summary().read_issues == []
