import pytest

from geostance.corpus.annotated_import import import_annotated
from geostance.corpus.store import Corpus
from geostance.errors import InputError
from geostance.schema import load_schema

DRAFT = """---
id: t-1
title: Test
synthetic: true
---
[[Russia|GPE]] and [[North Korea|GPE]] \U0001f680 signed a treaty. {{alliance=FAVOR}}

Critics in [[Seoul|GPE]] doubt it. {{alliance=AGAINST; trilateral=NONE}}
"""


def test_annotated_draft_becomes_clean_article_and_unit_decisions(tmp_path, repo_root):
    corpus = Corpus(tmp_path / "corpus")
    (corpus.raw_dir).mkdir(parents=True)
    draft = tmp_path / "t-1.md"
    draft.write_text(DRAFT)
    result = import_annotated([draft], corpus, load_schema(repo_root / "annotations" / "schema.yaml"))
    article = corpus.load("t-1")
    assert "[[" not in article.text and "{{" not in article.text
    assert "[[" not in (corpus.raw_dir / "t-1.md").read_text()
    units = {u["unit_id"]: u for u in result.decisions}
    assert list(units) == ["t-1:p000", "t-1:p001"]
    p0 = units["t-1:p000"]
    assert p0["cats"] == ["alliance:FAVOR"]
    text0 = article.text.split("\n\n")[0]
    assert [text0[s:e] for s, e, _ in p0["entities"]] == ["Russia", "North Korea"]
    assert units["t-1:p001"]["cats"] == ["alliance:AGAINST", "trilateral:NONE"]
    again = import_annotated([draft], corpus, load_schema(repo_root / "annotations" / "schema.yaml"))
    assert again.report.unchanged == ["t-1"] and again.decisions == result.decisions


def test_unknown_label_in_draft_names_file_and_line(tmp_path, repo_root):
    corpus = Corpus(tmp_path / "corpus")
    draft = tmp_path / "bad.md"
    draft.write_text(DRAFT.replace("{{alliance=AGAINST; trilateral=NONE}}", "{{alliance=MAYBE}}"))
    with pytest.raises(InputError, match=r"bad\.md:8: unknown stance category 'alliance:MAYBE'"):
        import_annotated([draft], corpus, load_schema(repo_root / "annotations" / "schema.yaml"))
    assert not corpus.manifest_path.exists()


def test_draft_annotating_an_existing_article_must_match_its_text(tmp_path, repo_root):
    corpus = Corpus(tmp_path / "corpus")
    corpus.raw_dir.mkdir(parents=True)
    schema = load_schema(repo_root / "annotations" / "schema.yaml")
    draft = tmp_path / "t-1.md"
    draft.write_text(DRAFT)
    import_annotated([draft], corpus, schema)
    overlay = tmp_path / "overlay.md"
    overlay.write_text(
        "---\nid: overlay\nannotates: t-1\n---\nRussia and North Korea \U0001f680 signed a treaty. "
        "{{alliance=NONE}}\n\nCritics in [[Seoul|GPE]] doubt it.\n"
    )
    result = import_annotated([overlay], corpus, schema)
    assert [d["cats"] for d in result.decisions] == [["alliance:NONE"], []]
    assert sorted(corpus.manifest()) == ["t-1"]
    overlay.write_text(overlay.read_text().replace("doubt it", "doubts it"))
    with pytest.raises(InputError, match="differs from article 't-1'"):
        import_annotated([overlay], corpus, schema)
