"""Every file in ../shared/data/doccano-exports/ either parses to the right examples or is rejected with a
clear error naming file, line and problem. Plus malformed lines from hypothesis: an InputError, never a traceback."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geostance.dataset.readers.conll import read_conll
from geostance.dataset.readers.doccano import parse_row, read_doccano, read_label_config
from geostance.errors import InputError

EXPORTS = "doccano-exports"
D = "doccano/backend/data_export/pipeline/examples/"
IMPORTS = "doccano/backend/data_import/pipeline/examples/"
T = "doccano/backend/data_import/tests/data/"
L22 = "doccano-legacy-2022/frontend/static/formats/"
L19 = "doccano-legacy-2019/app/server/static/js/examples/"
TR = "doccano-transformer/tests/data/"
CLS = [
    ("Terrible customer service.", ["negative"]),
    ("Really great transaction.", ["positive"]),
    ("Great price.", ["positive"]),
]
EU = "EU rejects German call to boycott British lamb."
EU_TOKENS = "EU rejects German call to boycott British lamb ."  # CoNLL tokens joined by spaces

# file → list of (text, spans [(start, end, label)], cats [label]) for the first rows (all rows when complete)
PARSES = {
    D + "intent_detection/example.jsonl": [
        ("Find a flight from Memphis to Tacoma", [(0, 26, "City"), (30, 36, "City")], ["flight"]),
        ("I want to know what airports are in Los Angeles", [(36, 47, "City")], ["airport"]),
    ],
    IMPORTS + "intent_detection/example.jsonl": [
        ("Find a flight from Memphis to Tacoma", [(0, 26, "City"), (30, 36, "City")], ["flight"]),
        ("I want to know what airports are in Los Angeles", [(36, 47, "City")], ["airport"]),
    ],
    D + "relation_extraction/example.jsonl": [
        (
            "Google was founded on September 4, 1998, by Larry Page and Sergey Brin.",
            [(0, 6, "ORG"), (22, 39, "DATE"), (44, 54, "PERSON"), (59, 70, "PERSON")],
            [],
        )
    ],
    IMPORTS + "relation_extraction/example.jsonl": [
        (
            "Google was founded on September 4, 1998, by Larry Page and Sergey Brin.",
            [(0, 6, "ORG"), (22, 39, "DATE"), (44, 54, "PERSON"), (59, 70, "PERSON")],
            [],
        )
    ],
    T + "relation_extraction/example.jsonl": [
        (
            "Google was founded on September 4, 1998, by Larry Page and Sergey Brin.",
            [(0, 6, "ORG"), (22, 39, "DATE"), (44, 54, "PERSON"), (59, 70, "PERSON")],
            [],
        )
    ],
    D + "sequence_labeling/example.jsonl": [
        (EU, [(0, 2, "ORG"), (11, 17, "MISC")], []),
        ("Peter Blackburn", [(0, 15, "PERSON")], []),
        ("President Obama", [(10, 15, "PERSON")], []),
    ],
    D + "text_classification/example.csv": [(t, [], c) for t, c in CLS],
    D + "text_classification/example.json": [(t, [], c) for t, c in CLS],
    D + "text_classification/example.jsonl": [(t, [], c) for t, c in CLS],
    D + "text_classification/example.txt": [(t, [], c) for t, c in CLS],
    IMPORTS + "text_classification/example.txt": [(t, [], c) for t, c in CLS],
    IMPORTS + "sequence_labeling/example.txt": [
        (EU_TOKENS, [(0, 2, "ORG"), (11, 17, "MISC"), (34, 41, "MISC")], []),
        ("Peter Blackburn", [(0, 15, "PER")], []),
    ],
    T + "sequence_labeling/example.conll": [("JAPAN GET", [(0, 5, "LOC")], []), ("Nadim Ladki", [(0, 11, "PER")], [])],
    T + "sequence_labeling/example_overlapping.jsonl": [("exampleA", [(0, 1, "LOC"), (0, 1, "LOC")], [])],
    T + "sequence_labeling/labeling.trailing.conll": [
        ("SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .", [(9, 14, "LOC"), (31, 36, "PER")], [])
    ],
    T + "text_classification/example.jsonl": [
        ("exampleA", [], ["positive"]),
        ("exampleB", [], ["positive", "negative"]),
        ("exampleC", [], []),
    ],
    "doccano-client/tests/integration/data/classification.jsonl": [
        ("exampleA", [], ["positive"]),
        ("exampleB", [], ["positive", "negative"]),
        ("exampleC", [], []),
    ],
    L19 + "upload_text_classification.jsonl": [(t, [], c) for t, c in CLS],
    L22 + "text_classification/upload/example.jsonl": [(t, [], c) for t, c in CLS],
    L22 + "text_classification/upload/example.csv": [(t, [], c) for t, c in CLS],
    L22 + "text_classification/download/fastText.txt": [("dog cat", [], ["pet"]), ("VW BMW", [], ["car"])],
    # the text is truncated upstream; the spans still point past its end (the alignment step drops and lists them)
    L22 + "sequence_labeling/download/example_text.jsonl": [
        ("EU rejects ...", [(0, 2, "ORG"), (11, 17, "MISC"), (34, 41, "ORG")], []),
        ("Peter Blackburn", [(0, 15, "PERSON")], []),
        ("President Obama", [(10, 15, "PERSON")], []),
    ],
    L22 + "sequence_labeling/upload/example.conll.txt": [
        (EU_TOKENS + " Peter Blackburn", [(0, 2, "ORG"), (11, 17, "MISC"), (34, 41, "MISC"), (49, 64, "PER")], [])
    ],
    TR + "labeling/labeling_text_label.jsonl": [
        (
            "SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .\nNadim Ladki\nAL-AIN , United Arab Emirates "
            "1996-12-06",
            [(9, 14, "LOC"), (31, 36, "PER"), (58, 69, "PER"), (70, 76, "LOC"), (79, 99, "LOC")],
            [],
        )
    ],
    TR + "labeling/labeling_text_label.conll2003.user0": [
        ("SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .", [(9, 14, "LOC"), (31, 36, "PER")], [])
    ],
    TR + "labeling/labeling.conll2003.user1": [
        ("SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .", [(9, 14, "12"), (31, 36, "13")], [])
    ],
    TR + "labeling/labeling.conll2003.user2": [
        ("SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .", [(9, 14, "12"), (31, 36, "13")], [])
    ],
}

# file → (line or None, words in the message)
REJECTS = {
    IMPORTS + "sequence_labeling/example.jsonl": (1, "no text: each row needs a string field 'text'"),  # column_data
    IMPORTS + "text_classification/example.csv": (2, "no column 'text'"),
    IMPORTS + "text_classification/example.json": (2, "no text"),
    IMPORTS + "text_classification/example.jsonl": (1, "no text"),
    T + "intent/example.jsonl": (5, "no text"),
    T + "sequence_labeling/example.jsonl": (3, "no text"),
    T + "sequence_labeling/labeling.invalid.conll": (1, "tag 'SOCCERO' is not O, B-<label> or I-<label>"),
    T + "text_classification/example.csv": (4, "empty text"),
    T + "text_classification/example.invalid.2.csv": (2, "row has 3 fields, the header has 2"),
    T + "text_classification/example.json": (5, "no text"),
    T + "text_classification/example_fasttext.txt": (4, "labels but no text"),
    T + "text_classification/example_out_of_order_columns.csv": (4, "empty text"),
    T + "text_classification/example.xlsx": (None, "Excel files are not read"),
    T + "text_classification/example.invalid.2.xlsx": (None, "Excel files are not read"),
    T + "text_classification/example_one_column_no_header.xlsx": (None, "Excel files are not read"),
    "doccano/backend/label_types/tests/data/valid_labels.json": (None, "label definitions file"),
    "doccano/backend/label_types/tests/data/invalid_labels.json": (None, "label definitions file"),
    "doccano-client/tests/integration/data/labels.json": (None, "label definitions file"),
    L19 + "upload_sequence_labeling.jsonl": (1, "a literal '...' is not JSON"),
    L22 + "sequence_labeling/upload/example.jsonl": (1, "a literal '...' is not JSON"),
    L22 + "text_classification/upload/fastText.txt": (2, "malformed fastText label '__label_president'"),
    TR + "labeling/labeling.spacy.user1": (None, "unknown file type"),
    TR + "labeling/labeling.spacy.user2": (None, "unknown file type"),
    TR + "labeling/labeling_text_label.spacy.user0": (None, "unknown file type"),
}

# numeric label ids: rejected without a label config, parsed with one
NEEDS_CONFIG = {
    L19 + "download_sequence_labeling.jsonl": (
        {"1": "PERSON", "2": "ORG"},
        [
            ("EU rejects ...", [(0, 2, "ORG")], []),
            ("Peter Blackburn", [(0, 15, "PERSON")], []),
            ("President Obama", [(10, 15, "PERSON")], []),
        ],
    ),
    L22 + "sequence_labeling/download/example.jsonl": (
        {"1": "PERSON", "2": "ORG"},
        [
            ("EU rejects ...", [(0, 2, "ORG")], []),
            ("Peter Blackburn", [(0, 15, "PERSON")], []),
            ("President Obama", [(10, 15, "PERSON")], []),
        ],
    ),
    L19 + "download_text_classification.jsonl": ({"1": "negative", "2": "positive"}, [(t, [], c) for t, c in CLS]),
    L22 + "text_classification/download/example.jsonl": (
        {"1": "negative", "2": "positive"},
        [(t, [], c) for t, c in CLS],
    ),
    L22 + "text_classification/download/example.csv": (
        {"1": "negative", "2": "positive"},
        [(t, [], c) for t, c in CLS],
    ),
    TR + "classification/classification.jsonl": ({"15": "negative", "17": "positive"}, [(t, [], c) for t, c in CLS]),
    TR + "classification/classification.csv": ({"15": "negative", "17": "positive"}, [(t, [], c) for t, c in CLS]),
    TR + "labeling/labeling.jsonl": ({"12": "LOC", "13": "PER", "14": "ORG"}, None),  # checked against the oracle
}


def _simple(rows):
    return [(r.text, [(s, e, lab) for s, e, lab, _ in r.spans], [c for c, _ in r.cats]) for r in rows]


@pytest.mark.shared_data
def test_every_acceptance_file_is_covered(shared_data):
    root = shared_data / EXPORTS
    files = {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and p.name not in ("SOURCE.md", "LICENSE.upstream")
    }
    assert files == set(PARSES) | set(REJECTS) | set(NEEDS_CONFIG)


@pytest.mark.shared_data
@pytest.mark.parametrize("rel", sorted(PARSES))
def test_acceptance_file_parses(shared_data, rel):
    rows = list(read_doccano(shared_data / EXPORTS / rel))
    expected = PARSES[rel]
    assert _simple(rows)[: len(expected)] == expected
    assert all(r.origin.startswith(str(shared_data / EXPORTS / rel) + ":") for r in rows)


@pytest.mark.shared_data
@pytest.mark.parametrize("rel", sorted(REJECTS))
def test_acceptance_file_rejected_clearly(shared_data, rel):
    path = shared_data / EXPORTS / rel
    line, needle = REJECTS[rel]
    with pytest.raises(InputError) as exc:
        list(read_doccano(path))
    assert exc.value.path == str(path) and exc.value.line == line and needle in exc.value.message


@pytest.mark.shared_data
@pytest.mark.parametrize("rel", sorted(NEEDS_CONFIG))
def test_numeric_label_ids_need_the_label_config(shared_data, rel):
    path = shared_data / EXPORTS / rel
    with pytest.raises(InputError, match="numeric label id: pass the project's label definitions") as exc:
        list(read_doccano(path))
    assert exc.value.line in (1, 2)
    config, expected = NEEDS_CONFIG[rel]
    rows = list(read_doccano(path, config))
    if expected is not None:
        assert _simple(rows) == expected
        assert all(u == "1" for r in rows for *_, u in r.spans)  # the annotating user is kept


@pytest.mark.shared_data
def test_multi_user_legacy_export_matches_doccano_transformer_oracle(shared_data):
    """labeling.jsonl (users 1 and 2, numeric ids) against doccano-transformer's per-user CoNLL outputs."""
    base = shared_data / EXPORTS / TR / "labeling"
    rows = list(read_doccano(base / "labeling.jsonl", {"12": "12", "13": "13", "14": "14"}))
    for user in ("1", "2"):
        oracle = list(read_conll(base / f"labeling.conll2003.user{user}"))
        mine = [
            (r.text, sorted((s, e, lab) for s, e, lab, u in r.spans if u == user))
            for r in rows
            if any(u == user for *_, u in r.spans)
        ]
        # the oracle splits each document into lines (sentences) and joins tokens by spaces
        got = []
        for text, spans in mine:
            offset = 0
            for line in text.split("\n"):
                sub = sorted((s - offset, e - offset, lab) for s, e, lab in spans if offset <= s < offset + len(line))
                got.append((" ".join(line.split()), sub))
                offset += len(line) + 1
        want = [(r.text, sorted((s.start, s.end, s.label) for s in r.spans)) for r in oracle]
        assert got == want


@pytest.mark.shared_data
def test_label_configs(shared_data):
    base = shared_data / EXPORTS / "doccano/backend/label_types/tests/data"
    assert read_label_config(base / "valid_labels.json") == {"44": "Dog", "45": "Cat"}
    with pytest.raises(InputError, match="missing 'task_type'"):
        read_label_config(base / "invalid_labels.json")


def test_emoji_crlf_and_meta_are_kept(tmp_path):
    f = tmp_path / "x.jsonl"
    row = {
        "id": 7,
        "text": "Kim 🙂\r\nPutin",
        "entities": [[7, 12, "PERSON"]],
        "cats": ["alliance:FAVOR"],
        "article_id": "a",
        "unit_id": "a:p000",
        "Comments": [],
        "meta": {"src": "x"},
    }
    f.write_bytes((json.dumps(row, ensure_ascii=False) + "\r\n").encode())
    (r,) = read_doccano(f)
    assert r.text[7:12] == "Putin" and r.spans == [(7, 12, "PERSON", None)] and r.cats == [("alliance:FAVOR", None)]
    assert r.meta["unit_id"] == "a:p000" and r.meta["src"] == "x" and r.id == "7"


# --- hypothesis: random malformed export lines get a clear InputError, never another exception ----------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
row_like = st.fixed_dictionaries(
    {},
    optional={
        "text": json_values | st.text(max_size=20),
        "entities": json_values,
        "cats": json_values,
        "label": json_values,
        "labels": json_values,
        "annotations": json_values,
        "relations": json_values,
        "id": json_values,
        "meta": json_values,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(obj=row_like | json_values)
def test_random_rows_parse_or_fail_clearly(obj):
    try:
        row = parse_row(obj, "f.jsonl", 3)
    except InputError as exc:
        assert exc.path == "f.jsonl" and exc.line == 3 and exc.message
        return
    assert isinstance(row.text, str)
    for s, e, lab, _ in row.spans:
        assert isinstance(s, int) and isinstance(e, int) and isinstance(lab, str)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(st.text(max_size=40) | row_like.map(json.dumps), min_size=1, max_size=4),
    suffix=st.sampled_from([".jsonl", ".json", ".csv", ".txt", ".conll"]),
)
def test_random_files_parse_or_fail_clearly(tmp_path_factory, lines, suffix):
    f = tmp_path_factory.mktemp("h") / f"export{suffix}"
    f.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    try:
        list(read_doccano(f))
    except InputError as exc:
        assert exc.path == str(f) and exc.message


def test_a_digit_like_csv_label_is_a_label_name_not_a_crash(tmp_path):
    f = tmp_path / "cls.csv"
    f.write_text("text,label\nsquared,²\narabic three,٣\nplain id,12\n", encoding="utf-8")
    with pytest.raises(InputError, match="label 12 is a numeric label id"):
        list(read_doccano(f))
    f.write_text("text,label\nsquared,²\narabic three,٣\n", encoding="utf-8")
    assert [r.cats for r in read_doccano(f)] == [[("²", None)], [("٣", None)]]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": {"x": 1}, "text": "t"}, r"f\.jsonl:1: 'id' must be a non-empty string or an integer, got an object"),
        ({"id": [1], "text": "t"}, r"'id' must be a non-empty string or an integer, got a list"),
        ({"text": "t", "unit_id": ["a"]}, r"'unit_id' must be a non-empty string or an integer, got a list"),
        ({"text": "t", "meta": {"article_id": {"a": 1}}}, r"'article_id' must be .* got an object"),
        ({"text": "t", "annotations": [{"label": "x", "user": [1]}]}, r"'annotations\[0\]\.user' must be"),
    ],
)
def test_lists_and_objects_in_id_fields_are_refused_not_turned_into_strings(tmp_path, row, message):
    f = tmp_path / "f.jsonl"
    f.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        list(read_doccano(f))


def test_a_truncated_utf16_file_is_an_error_on_its_line(tmp_path):
    f = tmp_path / "cut.jsonl"
    f.write_bytes(('{"text": "one"}\n{"text": "two"}\n').encode("utf-16")[:-1])
    with pytest.raises(InputError, match=r"cut\.jsonl:2: not valid utf-16 at byte 64 \(truncated data\)"):
        list(read_doccano(f, encoding="utf-16"))
