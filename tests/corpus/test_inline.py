import pytest

from geostance.corpus.inline import MarkupError, parse_inline


def test_entities_and_stance_offsets_point_at_surface_text():
    body = (
        "[[Kim Jong Un|PERSON]] \U0001f91d [[Putin|PERSON]] met at the [[Vostochny Cosmodrome|FAC]]. "
        "{{alliance=FAVOR; sanctions=NONE}}\n\nNo stance here about [[Japan|GPE]]."
    )
    doc = parse_inline(body)
    first, second = doc.paragraphs
    assert first.text == "Kim Jong Un \U0001f91d Putin met at the Vostochny Cosmodrome."
    assert [(first.text[s:e], label) for s, e, label in first.entities] == [
        ("Kim Jong Un", "PERSON"),
        ("Putin", "PERSON"),
        ("Vostochny Cosmodrome", "FAC"),
    ]
    assert first.stance == [("alliance", "FAVOR"), ("sanctions", "NONE")]
    assert second.stance == [] and [second.text[s:e] for s, e, _ in second.entities] == ["Japan"]
    assert doc.text == first.text + "\n\n" + second.text


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("ok\n\n[[Broken|GPE] text", "unbalanced markup", 3),
        ("[[ Seoul|GPE]] x", "leading or trailing whitespace", 1),
        ("x {{alliance}}", "bad stance item 'alliance'", 1),
    ],
)
def test_malformed_markup_names_line(body, message, line):
    with pytest.raises(MarkupError, match=message) as info:
        parse_inline(body)
    assert info.value.line == line
