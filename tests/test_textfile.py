import pytest

from geostance.errors import InputError
from geostance.textfile import read_lines


def test_lines_keep_their_ends_and_lose_a_leading_bom(tmp_path):
    f = tmp_path / "a.txt"
    f.write_bytes("\ufeffone\r\ntwo\n".encode())
    assert list(read_lines(f)) == ["one\r\n", "two\n"]


def test_a_bad_byte_names_its_line_and_the_encoding_to_try(tmp_path):
    f = tmp_path / "a.txt"
    f.write_bytes(b"fine\nM\xfcller\n")
    with pytest.raises(InputError, match=r"a\.txt:2: byte 0xfc at column 2 is not valid utf-8.*--encoding"):
        list(read_lines(f))
    assert list(read_lines(f, "cp1252"))[1] == "Müller\n"


def test_missing_files_and_unknown_encodings_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        list(read_lines(tmp_path / "nope.txt"))
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(InputError, match="unknown encoding 'nope'"):
        list(read_lines(tmp_path / "a.txt", "nope"))
