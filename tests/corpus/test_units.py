from hypothesis import given
from hypothesis import strategies as st

from geostance.corpus.model import Article
from geostance.corpus.normalize import normalize_text
from geostance.corpus.units import UnitMode, split_units


def _article(text: str) -> Article:
    return Article(id="a", title="t", text=text)


def test_paragraph_units_offsets_and_ids():
    art = _article("First para.\nStill first.\n\nSecond \U0001f600 para.\n\nThird.")
    units = split_units(art)
    assert [u.text for u in units] == ["First para.\nStill first.", "Second \U0001f600 para.", "Third."]
    assert [u.unit_id for u in units] == ["a:p000", "a:p001", "a:p002"]
    for u in units:
        assert art.text[u.start : u.end] == u.text


def test_sentence_and_article_modes():
    art = _article("One sentence here. Another one follows.\n\nA new paragraph.")
    sents = split_units(art, UnitMode.sentence)
    assert [s.text for s in sents] == ["One sentence here.", "Another one follows.", "A new paragraph."]
    assert all(art.text[s.start : s.end] == s.text for s in sents)
    whole = split_units(art, UnitMode.article)
    assert len(whole) == 1 and whole[0].text == art.text and whole[0].unit_id == "a:a000"


def test_units_map_annotation_back_onto_article():
    art = _article("Intro.\n\nKim \U0001f91d Putin met at Vostochny.")
    unit = split_units(art)[1]
    local = unit.text.index("Putin")
    span = (unit.start + local, unit.start + local + len("Putin"))
    assert art.text[span[0] : span[1]] == "Putin"


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1), min_size=1, max_size=6))
def test_unit_offsets_round_trip_on_any_text(chunks):
    art = _article(normalize_text("\n\n".join(chunks)))
    for mode in (UnitMode.paragraph, UnitMode.article):
        for u in split_units(art, mode):
            assert art.text[u.start : u.end] == u.text
            assert u.text == u.text.strip() and u.text
