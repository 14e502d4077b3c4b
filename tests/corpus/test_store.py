import json
import shutil
from pathlib import Path

import pytest

from geostance.corpus.store import Corpus, import_sources, parse_article_file, validate_corpus
from geostance.corpus.units import split_units
from geostance.errors import InputError


@pytest.fixture()
def corpus(tmp_path) -> Corpus:
    (tmp_path / "corpus" / "raw").mkdir(parents=True)
    return Corpus(tmp_path / "corpus")


def _copy_seed(seed_raw: Path, corpus: Corpus) -> Path:
    dst = corpus.raw_dir / seed_raw.name
    shutil.copy(seed_raw, dst)
    shutil.copy(seed_raw.with_name(seed_raw.stem + ".meta.yaml"), corpus.raw_dir)
    return dst


def test_seed_imports_clean_with_metadata_and_hash(seed_raw, corpus):
    raw = _copy_seed(seed_raw, corpus)
    before = raw.read_bytes()
    report = import_sources([raw], corpus)
    assert report.added == ["000-russia-north-korea-using-each-other"]
    art = corpus.load("000-russia-north-korea-using-each-other")
    assert "IE 11" not in art.text
    assert art.title == "Russia and N. Korea cuddle up, but they're just using each other"
    assert art.outlet and "NBC News" in art.outlet
    assert "Russia" in art.topics and art.synthetic is False
    assert corpus.manifest()[art.id]["sha256"] == art.sha256
    kinds = [r["kind"] for r in report.removals[art.id]]
    assert kinds.count("boilerplate") == 1 and kinds.count("pull-quote") >= 2
    assert raw.read_bytes() == before, "the raw input must stay untouched"
    assert validate_corpus(corpus) == []


def test_reimport_is_a_noop(seed_raw, corpus):
    raw = _copy_seed(seed_raw, corpus)
    import_sources([raw], corpus)
    manifest_before = corpus.manifest_path.read_bytes()
    article_before = corpus.article_path("000-russia-north-korea-using-each-other").stat().st_mtime_ns
    report = import_sources([raw], corpus)
    assert report.unchanged == ["000-russia-north-korea-using-each-other"] and not report.changed
    assert corpus.manifest_path.read_bytes() == manifest_before
    assert corpus.article_path("000-russia-north-korea-using-each-other").stat().st_mtime_ns == article_before


def test_duplicate_content_is_reported_not_dropped_silently(corpus, tmp_path):
    a = tmp_path / "a.md"
    b = tmp_path / "b.md"
    a.write_text("---\nid: first\ntitle: T\n---\nSame body.\r\n")
    b.write_text("---\nid: second\ntitle: T2\n---\nSame body.\n")
    report = import_sources([a, b], corpus)
    assert report.added == ["first"]
    assert report.duplicates == [{"origin": str(b), "id": "second", "duplicate_of": "first"}]
    assert sorted(corpus.manifest()) == ["first"]


def test_bad_file_in_batch_writes_nothing(corpus, tmp_path):
    good = tmp_path / "good.md"
    good.write_text("---\nid: good\ntitle: T\n---\nBody.\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok", "title": "x"}\nnot json\n')
    with pytest.raises(InputError, match=r"bad\.jsonl:2"):
        import_sources([good, bad], corpus)
    assert not corpus.manifest_path.exists()
    assert not corpus.articles_dir.exists() or not list(corpus.articles_dir.iterdir())


def test_external_raw_file_is_copied_into_raw(corpus, tmp_path):
    src = tmp_path / "outside.md"
    src.write_text("---\nid: outside\ntitle: T\n---\nBody.\n")
    import_sources([src], corpus)
    assert (corpus.raw_dir / "outside.md").read_bytes() == src.read_bytes()
    assert corpus.load("outside").source == "raw/outside.md"


def test_article_file_round_trips_text_exactly(corpus, tmp_path):
    src = tmp_path / "e.md"
    src.write_text("---\nid: e\ntitle: Emoji\n---\nKim \U0001f91d Putin\r\n\r\nLine two  \n")
    import_sources([src], corpus)
    art = parse_article_file(corpus.article_path("e"))
    assert art.text == "Kim \U0001f91d Putin\n\nLine two"
    assert [u.text for u in split_units(art)] == ["Kim \U0001f91d Putin", "Line two"]


def test_validate_reports_tampered_article(seed_raw, corpus):
    raw = _copy_seed(seed_raw, corpus)
    import_sources([raw], corpus)
    path = corpus.article_path("000-russia-north-korea-using-each-other")
    path.write_text(path.read_text().replace("Cold War", "Cold Wars", 1))
    problems = [str(p) for p in validate_corpus(corpus)]
    assert any("sha256 differs" in p for p in problems)


def test_manifest_is_sorted_json(seed_raw, corpus):
    import_sources([_copy_seed(seed_raw, corpus)], corpus)
    data = json.loads(corpus.manifest_path.read_text())
    assert data["version"] == 1 and list(data["articles"]) == sorted(data["articles"])


@pytest.mark.parametrize("kind", ["md", "jsonl"])
def test_two_articles_with_one_id_and_different_texts_are_refused_naming_both(corpus, tmp_path, kind):
    if kind == "md":
        first, second = tmp_path / "a.md", tmp_path / "b.md"
        first.write_text("---\nid: same\ntitle: A\n---\nFirst text.\n")
        second.write_text("---\nid: same\ntitle: B\n---\nSecond text.\n")
        paths, where = [first, second], (str(second), str(first))
    else:
        rows = tmp_path / "rows.jsonl"
        rows.write_text(
            '{"id": "same", "title": "A", "text": "First text."}\n'
            '{"id": "same", "title": "B", "text": "Second text."}\n'
        )
        paths, where = [rows], (f"{rows}:2", f"{rows}:1")
    with pytest.raises(InputError) as err:
        import_sources(paths, corpus)
    assert str(err.value) == (
        f"{where[0]}: article id 'same' is also the id of {where[1]}, whose text differs; give each article its own id"
    )
    assert not corpus.manifest_path.exists()


def test_the_same_article_twice_in_one_import_is_a_reported_duplicate(corpus, tmp_path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    for path in (a, b):
        path.write_text("---\nid: same\ntitle: A\n---\nOne text.\n")
    report = import_sources([a, b], corpus)
    assert report.added == ["same"] and report.updated == []
    assert report.duplicates == [{"origin": str(b), "id": "same", "duplicate_of": "same"}]
