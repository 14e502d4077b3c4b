import pytest

from geostance.dataset.readers.table import TableSpec, parse_label_map, read_table
from geostance.errors import GeostanceError, InputError


def test_csv_with_label_map_target_and_quoted_multiline_field(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(
        'id,tweet,target,stance\n1,"Sanctions, at last",sanctions,pos\n2,"two\nlines",alliance,neg\n3,plain,,neutral\n',
        encoding="utf-8",
    )
    spec = TableSpec(
        text_col="tweet",
        label_col="stance",
        target_col="target",
        id_col="id",
        label_map=parse_label_map("FAVOR=pos,AGAINST=neg,NONE=neutral"),
    )
    recs = list(read_table(f, spec))
    assert [(r.text, r.target, r.label) for r in recs] == [
        ("Sanctions, at last", "sanctions", "FAVOR"),
        ("two\nlines", "alliance", "AGAINST"),
        ("plain", "", "NONE"),
    ]
    assert [r.origin.rsplit(":", 1)[1] for r in recs] == ["2", "3", "5"]
    assert recs[0].id == "t.csv:1"


def test_tsv_jsonl_and_encoding(tmp_path):
    tsv = tmp_path / "s.txt"
    tsv.write_bytes(
        "ID\tTarget\tTweet\tStance\r\n7\tAtheism\t\x93quoted\x94 caf\xe9\tAGAINST\r\n".encode("latin-1")
        .replace(b"\x93", b"\x93")
        .replace(b"\x94", b"\x94")
    )
    spec = TableSpec(text_col="Tweet", label_col="Stance", target_col="Target", encoding="cp1252")
    (rec,) = read_table(tsv, spec)
    assert rec.text == "\u201cquoted\u201d café" and rec.target == "Atheism" and rec.label == "AGAINST"
    with pytest.raises(InputError) as exc:
        list(read_table(tsv, TableSpec(text_col="Tweet", label_col="Stance")))
    assert exc.value.line == 2 and "cp1252" in exc.value.message
    jl = tmp_path / "t.jsonl"
    jl.write_text('{"text": "a", "label": "FAVOR"}\n\n{"text": "b", "label": "NONE"}\n')
    assert [r.label for r in read_table(jl, TableSpec())] == ["FAVOR", "NONE"]


@pytest.mark.parametrize(
    "content,line,needle",
    [
        ("text,label\nhello\n", 2, "row has 1 fields"),
        ("text,label\nhello,FOO\n", 2, "not in the label map"),
        ("text,label\n ,FAVOR\n", 2, "empty text"),
        ("txt,label\nhello,pos\n", 2, "no column 'text'"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, content, line, needle):
    f = tmp_path / "bad.csv"
    f.write_text(content)
    with pytest.raises(InputError) as exc:
        list(read_table(f, TableSpec(label_map=parse_label_map("FAVOR=pos"))))
    assert exc.value.line == line and needle in exc.value.message


def test_bad_label_map():
    with pytest.raises(GeostanceError, match="NAME=value"):
        parse_label_map("FAVOR")
    with pytest.raises(GeostanceError, match="mapped to both"):
        parse_label_map("FAVOR=x,AGAINST=x")


@pytest.mark.shared_data
def test_semeval_training_file_is_cp1252_tab_separated(shared_data):
    f = shared_data / "semeval2016-task6-stance" / "trainingdata-all-annotations.txt"
    spec = TableSpec(text_col="Tweet", label_col="Stance", target_col="Target", id_col="ID", encoding="cp1252")
    recs = list(read_table(f, spec))
    assert len(recs) == 2814
    assert {r.label for r in recs} == {"FAVOR", "AGAINST", "NONE"}
    assert len({r.target for r in recs}) == 5
    with pytest.raises(InputError, match="not valid utf-8"):
        list(read_table(f, TableSpec(text_col="Tweet", label_col="Stance")))


def test_a_list_or_object_in_a_jsonl_cell_is_refused(tmp_path):
    f = tmp_path / "t.jsonl"
    f.write_text('{"text": "ok", "label": "FAVOR"}\n{"text": ["a", "b"], "label": "FAVOR"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"t\.jsonl:2: 'text' must be a single value, got a list"):
        list(read_table(f, TableSpec()))
    f.write_text('{"text": "ok", "label": {"stance": "FAVOR"}}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"t\.jsonl:1: 'label' must be a single value, got an object"):
        list(read_table(f, TableSpec()))


def test_a_truncated_utf16_table_is_an_error_on_its_line(tmp_path):
    f = tmp_path / "t.tsv"
    f.write_bytes("text\tlabel\nfine\tFAVOR\nbroken\tAGAINST\n".encode("utf-16")[:-1])
    with pytest.raises(InputError, match=r"t\.tsv:3: not valid utf-16 .*truncated data"):
        list(read_table(f, TableSpec(encoding="utf-16")))
