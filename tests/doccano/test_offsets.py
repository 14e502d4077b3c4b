import pytest
from hypothesis import given
from hypothesis import strategies as st

from geostance.doccano.offsets import OffsetError, span_from_utf16, span_to_utf16, utf16_prefix

TEXT = "Putin 🇷🇺 met Kim\r\nin Pyongyang 😀."


def test_emoji_counts_two_utf16_units_and_crlf_two_characters():
    assert utf16_prefix("a😀b")[-1] == 4
    kim = TEXT.index("Kim")
    assert span_to_utf16(TEXT, kim, kim + 3) == (kim + 2, kim + 5)
    start = TEXT.index("Pyongyang")
    assert span_to_utf16(TEXT, start, start + 9) == (start + 2, start + 11)


def test_round_trip_on_emoji_and_crlf():
    start = TEXT.index("in Pyongyang")
    u = span_to_utf16(TEXT, start, start + 12)
    assert span_from_utf16(TEXT, *u) == (start, start + 12)


def test_offset_inside_surrogate_pair_is_an_error():
    with pytest.raises(OffsetError, match="surrogate"):
        span_from_utf16("a😀b", 2, 4)


def test_offset_outside_text_is_an_error():
    with pytest.raises(OffsetError, match="outside"):
        span_from_utf16("abc", 1, 9)


@given(st.text(min_size=1, max_size=40), st.data())
def test_round_trip_property(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    u_start, u_end = span_to_utf16(text, start, end)
    assert text.encode("utf-16-le")[2 * u_start : 2 * u_end].decode("utf-16-le") == text[start:end]
    assert span_from_utf16(text, u_start, u_end) == (start, end)
