import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from geostance.corpus.normalize import normalize_text, strip_boilerplate


def test_crlf_and_cr_become_lf():
    assert normalize_text("a\r\nb\rc") == "a\nb\nc"


def test_nfc():
    decomposed = "Pyongyang caf\u0065\u0301"
    out = normalize_text(decomposed)
    assert out == "Pyongyang caf\u00e9"
    assert unicodedata.is_normalized("NFC", out)


def test_bom_trailing_space_and_blank_runs():
    assert normalize_text("\ufeff  Title  \n\n\n\nBody \t\n") == "Title\n\nBody"


def test_non_bmp_characters_survive():
    text = "Kim \U0001f91d Putin\r\n\r\nSummit \U0001f680 done"
    assert normalize_text(text) == "Kim \U0001f91d Putin\n\nSummit \U0001f680 done"


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_boilerplate_banner_removed_and_reported():
    text = "IE 11 is not supported. For an optimal experience visit our site on another browser.\n\nBody text."
    clean, removed = strip_boilerplate(text)
    assert clean == "Body text."
    assert [r.kind for r in removed] == ["boilerplate"]


def test_pull_quote_removed_when_repeated_in_next_paragraph():
    text = "Short quote here.\n\nIntro. Short quote here. More.\n\nShort quote here? not a repeat."
    clean, removed = strip_boilerplate(text)
    assert clean == "Intro. Short quote here. More.\n\nShort quote here? not a repeat."
    assert [(r.kind, r.text) for r in removed] == [("pull-quote", "Short quote here.")]
