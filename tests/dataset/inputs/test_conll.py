import datasets
import pytest

from geostance.dataset.build import BuildOptions, build_dataset
from geostance.dataset.inputs import SplitFiles
from geostance.dataset.inputs.conll import ConllInput
from geostance.dataset.readers.conll import TagScheme
from geostance.errors import GeostanceError


def test_labels_are_read_before_streaming_and_mapped(tmp_path):
    f = tmp_path / "x.conll"
    f.write_text("Kim B-PER\nsaid O\n\nSeoul B-LOC\n")
    data = ConllInput(SplitFiles([f]), label_map={"PER": "PERSON"})
    assert data.entity_labels == ["LOC", "PERSON"] and data.stance_labels is None
    records = list(data.records())
    assert [(r.text, r.spans[0].label) for r in records] == [("Kim said", "PERSON"), ("Seoul", "LOC")]
    assert records[0].tokens == ["Kim", "said"]


def test_summary_lists_repairs_and_is_refused_before_the_stream_ends(tmp_path):
    f = tmp_path / "x.conll"
    f.write_text("Kim I-PER\n\nJong I-PER\n")
    data = ConllInput(SplitFiles([f]), scheme=TagScheme.iob2)
    with pytest.raises(RuntimeError, match="before its records were all read"):
        data.summary()
    list(data.records())
    assert len(data.summary().read_issues) == 2
    list(data.records())  # a second pass lists the repairs once, not twice
    assert len(data.summary().read_issues) == 2


def test_conll_input_is_read_in_the_given_encoding(tmp_path):
    train = tmp_path / "train.conll"
    train.write_bytes("Müller I-PER\nsaid O\n\nBogotá I-LOC\n".encode("cp1252"))
    with pytest.raises(GeostanceError, match=r"train\.conll:1: byte 0xfc at column 2 is not valid utf-8"):
        ConllInput(SplitFiles(train=[train]))
    build_dataset(
        ConllInput(SplitFiles(train=[train]), encoding="cp1252"), tmp_path / "b", BuildOptions(progress=False)
    )
    rows = datasets.load_from_disk(str(tmp_path / "b" / "ner"))["train"]
    assert [r["tokens"][0] for r in rows] == ["Müller", "Bogotá"]


def test_no_files_is_an_error():
    with pytest.raises(GeostanceError, match="no input files"):
        ConllInput(SplitFiles())
