"""Every reader, fed hostile files: it parses them or fails with one clear line naming the file; never a traceback.

Readers: corpus import (Markdown with front matter, plain text with a sidecar, JSONL, HTML), Doccano files of every
shape, CoNLL, stance tables, predict input, annotation decisions and adjudication decisions.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geostance.corpus.store import Corpus, import_sources
from geostance.dataset.adjudicate import load_decisions
from geostance.dataset.readers.conll import TagScheme, read_conll
from geostance.dataset.readers.doccano import read_doccano
from geostance.dataset.readers.table import TableSpec, parse_label_map, read_table
from geostance.doccano.decisions import read_decisions
from geostance.errors import GeostanceError
from geostance.predict import read_inputs
from geostance.schema import load_schema
from tests.fuzz.strategies import FRONT_MATTER_FILE, YAML_LINE, file_bytes, fuzz_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = load_schema(REPO_ROOT / "annotations" / "schema.yaml")
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "cp1252"])


@pytest.fixture(scope="module")
def scratch():
    folder = Path(tempfile.mkdtemp(prefix="geostance-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def parsed_or_one_clear_error(path: Path, read: Callable[[], object], *others: Path) -> None:
    """`read()` returns, or raises a GeostanceError whose message is one line that names the file (or one of the
    `others` read with it)."""
    try:
        read()
    except GeostanceError as exc:
        message = str(exc)
        assert message.strip() and len(message.splitlines()) == 1, repr(message)
        assert any(p.name in message for p in (path, *others)), message


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def import_into_fresh_corpus(scratch: Path, name: str, data: bytes, sidecar: bytes | None = None) -> None:
    """Import one file (and its sidecar) into an empty corpus, as `geostance corpus import` would."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        path = write(folder, name, data)
        if sidecar is not None:
            write(folder, Path(name).stem + ".meta.yaml", sidecar)
        parsed_or_one_clear_error(
            path, lambda: import_sources([path], Corpus(folder / "corpus")), folder / (Path(name).stem + ".meta.yaml")
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@fuzz_settings(share=0.5)
@given(
    suffix=st.sampled_from([".md", ".txt", ".jsonl"]),
    data=file_bytes(),
    sidecar=st.none() | file_bytes(st.lists(YAML_LINE, max_size=5).map("\n".join)),
)
def test_corpus_import(scratch, suffix, data, sidecar):
    import_into_fresh_corpus(scratch, f"article{suffix}", data, sidecar if suffix == ".txt" else None)


@fuzz_settings(share=0.2)
@given(
    data=file_bytes(
        FRONT_MATTER_FILE.map(
            lambda t: f"<html><head><title>{t[:20]}</title></head><body><article><p>{t}</p></article></body></html>"
        )
    )
)
def test_corpus_import_html(scratch, data):
    import_into_fresh_corpus(scratch, "page.html", data)


@fuzz_settings()
@given(suffix=st.sampled_from([".jsonl", ".json", ".csv", ".txt", ".conll"]), data=file_bytes(), encoding=ENCODINGS)
def test_doccano_files(scratch, suffix, data, encoding):
    path = write(scratch, f"export{suffix}", data)
    parsed_or_one_clear_error(path, lambda: list(read_doccano(path, encoding=encoding)))


@fuzz_settings()
@given(data=file_bytes(), scheme=st.sampled_from(list(TagScheme)), encoding=ENCODINGS)
def test_conll(scratch, data, scheme, encoding):
    path = write(scratch, "eng.train", data)
    parsed_or_one_clear_error(path, lambda: list(read_conll(path, scheme, encoding=encoding)))


TABLE_SPECS = st.builds(
    TableSpec,
    text_col=st.sampled_from(["text", "Tweet"]),
    label_col=st.sampled_from(["label", "Stance"]),
    target_col=st.sampled_from([None, "target", "Target"]),
    id_col=st.sampled_from([None, "id", "ID"]),
    encoding=ENCODINGS,
    delimiter=st.sampled_from([None, ",", "\t"]),
    label_map=st.sampled_from([{}, parse_label_map("FAVOR=pos,AGAINST=neg")]),
)


@fuzz_settings()
@given(suffix=st.sampled_from([".csv", ".tsv", ".txt", ".jsonl"]), data=file_bytes(), spec=TABLE_SPECS)
def test_tables(scratch, suffix, data, spec):
    path = write(scratch, f"table{suffix}", data)
    parsed_or_one_clear_error(path, lambda: list(read_table(path, spec)))


@fuzz_settings()
@given(suffix=st.sampled_from([".txt", ".jsonl", ".md"]), data=file_bytes(), skip_bad=st.booleans())
def test_predict_input(scratch, suffix, data, skip_bad):
    path = write(scratch, f"input{suffix}", data)
    parsed_or_one_clear_error(path, lambda: read_inputs([path], skip_bad=skip_bad))


@fuzz_settings()
@given(data=file_bytes())
def test_annotation_decisions(scratch, data):
    path = write(scratch, "decisions.jsonl", data)
    parsed_or_one_clear_error(path, lambda: read_decisions(path, SCHEMA))


@fuzz_settings()
@given(data=file_bytes())
def test_adjudication_decisions(scratch, data):
    path = write(scratch, "adjudication.jsonl", data)
    parsed_or_one_clear_error(path, lambda: load_decisions(path))
