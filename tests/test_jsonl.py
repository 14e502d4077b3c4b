"""The JSON decoding layer: every malformed value is `file:line: bad JSON: ...`, in every reader that uses it."""

import json

import pytest

from geostance.corpus.readers import read_source
from geostance.dataset.readers.doccano import read_doccano
from geostance.dataset.readers.table import TableSpec, read_table
from geostance.errors import InputError
from geostance.jsonl import MAX_DEPTH, decode_json
from geostance.predict import read_inputs

BAD_VALUES = {
    "lone surrogate": ('"a\\ud800b"', "a string holds the lone surrogate \\ud800"),
    "lone low surrogate in a key": ('{"\\udc00": 1}', "a string holds the lone surrogate \\udc00"),
    "deep nesting": ("[" * 5000 + "]" * 5000, "nested too deep"),
    "nesting past the limit": ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"nested {MAX_DEPTH + 1} levels deep"),
    "integer of thousands of digits": ("1" * 5000, "a number has too many digits"),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_decode_json_turns_every_failure_into_an_input_error(case):
    value, message = BAD_VALUES[case]
    with pytest.raises(InputError) as err:
        decode_json(value, "f.jsonl", 7)
    assert str(err.value) == f"f.jsonl:7: bad JSON: {message}" + (
        " (half of a UTF-16 pair, not a character)"
        if "surrogate" in case
        else f" (at most {MAX_DEPTH} are read)"
        if "limit" in case
        else f" (at most {MAX_DEPTH} levels are read)"
        if "deep" in case
        else ""
    )


def test_a_surrogate_pair_and_ordinary_nesting_decode():
    assert decode_json('{"t": "\\ud83d\\ude00", "n": [[[1]]]}', "f", 1) == {"t": "😀", "n": [[[1]]]}


READERS = {
    "corpus import": lambda p: read_source(p),
    "dataset build (Doccano file)": lambda p: list(read_doccano(p)),
    "dataset build (table)": lambda p: list(read_table(p, TableSpec())),
    "predict": lambda p: read_inputs([p]),
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_every_jsonl_reader_names_the_line_of_a_malformed_value(tmp_path, reader, case):
    path = tmp_path / "in.jsonl"
    good = json.dumps({"title": "t", "text": "fine", "label": "FAVOR"})
    bad = '{"title": "t", "text": "x", "label": "FAVOR", "extra": ' + BAD_VALUES[case][0] + "}"
    path.write_text(good + "\n" + bad + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{path}:2: bad JSON: "):
        READERS[reader](path)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_list_or_object_id_is_refused_by_every_reader_not_turned_into_a_string(tmp_path, reader):
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"id": ["a", "b"], "title": "t", "text": "fine", "label": "FAVOR", "target": "x"}\n', encoding="utf-8"
    )
    spec_id = TableSpec(id_col="id")
    read = {**READERS, "dataset build (table)": lambda p: list(read_table(p, spec_id))}[reader]
    with pytest.raises(InputError, match=rf"^{path}:1: 'id' must be "):
        read(path)
