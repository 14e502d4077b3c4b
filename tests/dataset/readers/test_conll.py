import pytest

from geostance.dataset.readers.conll import TagScheme, conll_labels, detect_scheme, read_conll, tags_to_spans
from geostance.errors import InputError
from geostance.textfile import read_lines


def _tags(*tags):
    return [("O", "") if t == "O" else tuple(t.split("-", 1)) for t in tags]


def test_iob1_i_starts_entity_and_b_splits_same_type():
    spans, repaired = tags_to_spans(_tags("I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"), TagScheme.iob1)
    assert spans == [(0, 2, "PER"), (2, 3, "PER"), (4, 5, "LOC"), (5, 6, "ORG")]
    assert repaired == 0


def test_iob2_orphan_i_is_read_as_start_and_counted():
    spans, repaired = tags_to_spans(_tags("B-PER", "I-PER", "O", "I-LOC", "I-LOC"), TagScheme.iob2)
    assert spans == [(0, 2, "PER"), (3, 5, "LOC")]
    assert repaired == 1


def test_detect_scheme(tmp_path):
    iob1 = tmp_path / "a.conll"
    iob1.write_text("EU I-ORG\nrejects O\n")
    iob2 = tmp_path / "b.conll"
    iob2.write_text("EU B-ORG\nrejects O\n")
    assert detect_scheme(read_lines(iob1), str(iob1)) is TagScheme.iob1
    assert detect_scheme(read_lines(iob2), str(iob2)) is TagScheme.iob2


def test_docstart_groups_sentences_into_documents_and_offsets_round_trip(tmp_path):
    f = tmp_path / "eng.mini"
    f.write_text(
        "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\nGerman JJ I-NP I-MISC\n\n"
        "Peter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- O O\n\nBRUSSELS NNP I-NP I-LOC\n"
    )
    recs = list(read_conll(f))
    assert [r.text for r in recs] == ["EU rejects German", "Peter Blackburn", "BRUSSELS"]
    assert [r.article_id for r in recs] == ["eng.mini:d00000", "eng.mini:d00000", "eng.mini:d00001"]
    assert len({r.unit_id for r in recs}) == 3
    for r in recs:
        assert [(r.text[s.start : s.end], s.label) for s in r.spans] == {
            "EU rejects German": [("EU", "ORG"), ("German", "MISC")],
            "Peter Blackburn": [("Peter Blackburn", "PER")],
            "BRUSSELS": [("BRUSSELS", "LOC")],
        }[r.text]
    assert recs[0].origin.endswith("eng.mini:3")
    assert conll_labels(f) == {"ORG", "MISC", "PER", "LOC"}


def test_crlf_two_spaces_and_trailing_blank_lines(tmp_path):
    f = tmp_path / "x.txt"
    f.write_bytes(b"EU  B-ORG\r\nrejects\tO\r\n\r\n\r\nGerman B-MISC\r\n\r\n\r\n")
    recs = list(read_conll(f))
    assert [(r.text, [(s.start, s.end, s.label) for s in r.spans]) for r in recs] == [
        ("EU rejects", [(0, 2, "ORG")]),
        ("German", [(0, 6, "MISC")]),
    ]
    # without -DOCSTART- every sentence is its own group
    assert recs[0].article_id != recs[1].article_id


@pytest.mark.parametrize(
    "content,line,needle",
    [
        ("EU B-ORG\nrejects\n", 2, "expected a token and a tag"),
        ("EU X-ORG\n", 1, "is not O, B-<label> or I-<label>"),
        ("EU B-\n", 1, "is not O"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path, content, line, needle):
    f = tmp_path / "bad.conll"
    f.write_text(content)
    with pytest.raises(InputError) as exc:
        list(read_conll(f))
    assert exc.value.line == line and needle in exc.value.message and exc.value.path == str(f)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        list(read_conll(tmp_path / "nope.conll"))


@pytest.mark.shared_data
def test_conll2003_and_wnut_read_with_published_counts(shared_data):
    testa = list(read_conll(shared_data / "conll2003" / "eng.testa"))
    assert len(testa) == 3250  # sentences in CoNLL-2003 dev
    assert sum(len(r.spans) for r in testa) == 5942  # entities in CoNLL-2003 dev
    assert detect_scheme(read_lines(shared_data / "conll2003" / "eng.testa"), "") is TagScheme.iob1
    wnut = shared_data / "wnut17" / "wnut17train.conll"
    assert detect_scheme(read_lines(wnut), "") is TagScheme.iob2
    recs = list(read_conll(wnut))
    assert len(recs) == 3394
    assert conll_labels(wnut) == {"corporation", "creative-work", "group", "location", "person", "product"}
    for r in recs:
        assert r.text == " ".join(r.tokens)
