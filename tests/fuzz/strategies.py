"""Hypothesis strategies for hostile input files, and the settings every fuzz test runs under.

Budget: GEOSTANCE_FUZZ_EXAMPLES examples per test (default 300: the whole fuzz suite in about 25 s on
two cores); raise it for a deeper search, e.g. `GEOSTANCE_FUZZ_EXAMPLES=2000 pytest tests/fuzz`. The seed is fixed
(derandomize): every run tries the same inputs, so a failure reproduces.
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("GEOSTANCE_FUZZ_EXAMPLES", "300"))


def fuzz_settings(share: float = 1.0) -> settings:
    """The fuzz budget (a `share` of it for slow tests), a fixed seed, no deadline, no example database."""
    return settings(
        max_examples=max(5, int(EXAMPLES * share)),
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


# Values that broke readers before: lone surrogates, deep nesting, huge numbers, odd types.
NASTY_JSON = st.sampled_from(
    [
        '"\\ud800"',
        '"a\\udc00b"',
        '"\\ud83d\\ude00"',
        "1" * 5000,
        "[" * 3000 + "]" * 3000,
        "[" * 150 + "]" * 150,
        "1e999",
        "-1",
        "0",
        "NaN",
        "true",
        "null",
        '""',
        '"   "',
        '["a", ["b"]]',
        '{"x": {"y": [1]}}',
        '[[0, 5, "PERSON"]]',
        '[[0, 99999999999999999999, "GPE"]]',
        '[{"start_offset": 0, "end_offset": 2, "label": "ORG", "user": [1]}]',
        '["alliance:FAVOR", "sanctions:NONE"]',
        '["²"]',
        '"FAVOR"',
        "3.5",
    ]
)
_json_leaf = st.none() | st.booleans() | st.integers(-3, 10**6) | st.floats() | st.text(max_size=12)
JSON_VALUE = NASTY_JSON | st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
).map(json.dumps)
KEYS = st.sampled_from(
    [
        "text",
        "id",
        "title",
        "label",
        "labels",
        "entities",
        "cats",
        "unit_id",
        "article_id",
        "target",
        "meta",
        "annotations",
        "relations",
        "user",
        "author",
        "topics",
        "published",
        "synthetic",
        "scores",
        "kind",
        "start",
        "end",
        "accept",
        "Tweet",
        "Stance",
    ]
)
JSON_OBJECT_LINE = st.lists(st.tuples(KEYS, JSON_VALUE), max_size=6).map(
    lambda pairs: "{" + ", ".join(f'"{k}": {v}' for k, v in pairs) + "}"
)
TEXT_LINE = st.text(max_size=40) | st.sampled_from(
    [
        "",
        "   ",
        "\ufeff",
        "__label__x hello",
        "-DOCSTART- -X- O O",
        "EU B-ORG",
        "rejects O",
        "German I-MISC",
        "x I-",
        "a\tb\tc",
        '"unclosed, quote',
        "text,label",
        "ID\tTarget\tTweet\tStance",
    ]
)
LINE = JSON_OBJECT_LINE | TEXT_LINE | NASTY_JSON

YAML_LINE = st.sampled_from(
    [
        "title: A title",
        "id: an-id",
        "id: [a, b]",
        "id: Not A Slug",
        "published: 2024-13-45",
        "published: 2023-09-14",
        "published: 2024-01-01 10:00:00",
        "a: &x [1, 2, 3]",
        "b: [*x, *x, *x]",
        "n: " + "9" * 5000,
        'title: "\\ud800"',
        "topics: {a: 1}",
        "topics: [x, [y]]",
        "topics: x",
        "synthetic: maybe",
        "synthetic: true",
        "author: [a, b]",
        "title: " + "[" * 3000,
        "? [a]: 1",
        "notes: |\n  two\n  lines",
        "language: 7",
        "title:",
        "- a list item",
        "\t",
        "source: ../../etc/passwd",
        "url: {x: 1}",
    ]
) | st.text(max_size=25)
FRONT_MATTER_FILE = st.tuples(st.lists(YAML_LINE, max_size=6), st.lists(TEXT_LINE, max_size=4), st.booleans()).map(
    lambda t: ("---\n" + "\n".join(t[0]) + "\n---\n" if t[2] else "") + "\n\n".join(t[1])
)
FILE_TEXT = FRONT_MATTER_FILE | st.lists(LINE, max_size=6).map("\n".join)


@st.composite
def file_bytes(draw: st.DrawFn, text: st.SearchStrategy[str] = FILE_TEXT) -> bytes:
    """A file's bytes: the text in some encoding (UTF-8 with lone surrogates passed through as bad bytes,
    UTF-8 with a BOM, UTF-16, cp1252), sometimes cut short, sometimes with CRLF line ends."""
    content = draw(text)
    if draw(st.booleans()):
        content = content.replace("\n", "\r\n")
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    data = content.encode(encoding, errors=errors)
    if data and draw(st.integers(0, 4)) == 0:
        data = data[:-1]
    return data
