from pathlib import Path

import pytest

from geostance.corpus.readers import read_source
from geostance.errors import InputError

HTML = """<html><head><title>Kim visits Vostochny</title>
<meta property="og:site_name" content="Example News"></head><body>
<div class="banner">IE 11 is not supported. For an optimal experience visit our site on another browser.</div>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/politics">Politics</a></nav>
<article><h1>Kim visits Vostochny</h1>
<p>North Korean leader Kim Jong Un met Russian President Vladimir Putin at the Vostochny Cosmodrome in Russia's
Far East on Wednesday, in talks that Western governments watched closely for signs of an arms deal.</p>
<p>The meeting was the first between the two leaders since April 2019, when they met in Vladivostok. Analysts
said both sides had urgent needs: Moscow wants artillery shells for its war in Ukraine, Pyongyang wants food,
fuel and technology.</p>
<p>Officials in Seoul and Tokyo said they would coordinate their response with Washington.</p>
</article>
<footer>Copyright Example News. All rights reserved. Privacy policy. Terms of use.</footer>
</body></html>"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_plain_text_takes_title_from_first_line_and_sidecar_metadata(tmp_path):
    path = write(
        tmp_path,
        "x.txt",
        "IE 11 is not supported. For an optimal experience visit our site on another "
        "browser.\r\n\r\nA Title\r\n\r\nBody one.\r\n\r\nBody two.",
    )
    write(tmp_path, "x.meta.yaml", "id: my-article\noutlet: Somewhere\npublished: 2023-09-14\n")
    [read] = read_source(path)
    assert read.article.id == "my-article"
    assert read.article.title == "A Title"
    assert read.article.text == "Body one.\n\nBody two."
    assert read.article.published == "2023-09-14"
    assert [r.kind for r in read.removals] == ["boilerplate"]


def test_markdown_front_matter(tmp_path):
    path = write(tmp_path, "m.md", "---\nid: m-1\ntitle: Hello\nsynthetic: true\ntopics: [a, b]\n---\nText here.\n")
    [read] = read_source(path)
    assert (read.article.id, read.article.title, read.article.synthetic, read.article.topics) == (
        "m-1",
        "Hello",
        True,
        ("a", "b"),
    )
    assert read.article.text == "Text here."


def test_html_main_text_extracted_without_boilerplate(tmp_path):
    [read] = read_source(write(tmp_path, "page.html", HTML))
    art = read.article
    assert "IE 11" not in art.text
    assert "Vostochny Cosmodrome" in art.text
    assert "Privacy policy" not in art.text
    assert art.title == "Kim visits Vostochny"


def test_jsonl_articles(tmp_path):
    path = write(
        tmp_path, "a.jsonl", '{"id": "j-1", "title": "One", "text": "First."}\n\n{"title": "Two", "text": "Second."}\n'
    )
    reads = read_source(path)
    assert [r.article.id for r in reads] == ["j-1", "two"]
    assert reads[1].origin.endswith("a.jsonl:3")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.jsonl", '{"title": "ok", "text": "fine"}\n{"title": "broken", "text": \n', r"bad\.jsonl:2: bad JSON"),
        ("notext.jsonl", '{"title": "x", "text": "   "}\n', r"notext\.jsonl:1: no text"),
        ("list.jsonl", "[1, 2]\n", r"list\.jsonl:1: expected a JSON object, got list"),
        ("fm.md", "---\ntitle: [unclosed\n---\nBody\n", r"fm\.md:\d+: bad front matter"),
        ("open.md", "---\ntitle: x\nBody without closing\n", r"open\.md:1: front matter opened .* never closed"),
        ("scalar.md", "---\njust a string\n---\nBody\n", r"scalar\.md:2: bad front matter: expected a mapping"),
        (
            "empty.txt",
            "IE 11 is not supported. For an optimal experience visit our site on another browser.\n\nTitle\n",
            r"empty\.txt: no text",
        ),
        ("latin1.txt", "Caf\xe9 line one\n".encode("latin-1"), r"latin1\.txt:1: not valid UTF-8"),
        ("doc.pdf", "x", r"doc\.pdf: unsupported file type '\.pdf'"),
        ("badid.md", "---\nid: Not A Slug\ntitle: x\n---\nBody\n", r"badid\.md: id 'Not A Slug' is not a slug"),
        (
            "nohtml.html",
            "<html><head><title>x</title></head><body><script>var a;</script></body></html>",
            r"nohtml\.html: no main text found",
        ),
    ],
)
def test_bad_input_names_file_line_and_problem(tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    with pytest.raises(InputError, match=message):
        read_source(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.txt: file not found"):
        read_source(tmp_path / "nope.txt")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "date.md",
            "---\ntitle: x\npublished: 2024-13-45\n---\nBody\n",
            r"date\.md:3: bad front matter: cannot read '2024-13-45': month must be in 1\.\.12",
        ),
        (
            "digits.md",
            "---\ntitle: x\nwords: " + "9" * 5000 + "\n---\nBody\n",
            r"digits\.md:3: bad front matter: cannot read '9999.*': too many digits",
        ),
        (
            "alias.md",
            "---\na: &a [x, x, x]\nb: [*a, *a, *a]\ntitle: t\n---\nBody\n",
            r"alias\.md:3: bad front matter: aliases \(\*name\) are not allowed",
        ),
        (
            "deep.md",
            "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nBody\n",
            r"deep\.md:2: bad front matter: nested",
        ),
        (
            "surrogate.md",
            '---\ntitle: "\\ud800"\n---\nBody\n',
            r"surrogate\.md:2: 'front matter' holds the lone surrogate",
        ),
        (
            "listtitle.md",
            "---\ntitle: [a, b]\n---\nBody\n",
            r"listtitle\.md: 'title' must be a single value, got a list",
        ),
        (
            "dictid.jsonl",
            '{"id": {"a": 1}, "title": "t", "text": "x"}\n',
            r"dictid\.jsonl:1: 'id' must be a non-empty string or an integer, got an object",
        ),
        (
            "listauthor.jsonl",
            '{"author": ["a", "b"], "title": "t", "text": "x"}\n',
            r"listauthor\.jsonl:1: 'author' must be a single value, got a list",
        ),
        ("listtext.jsonl", '{"title": "t", "text": ["a"]}\n', r"listtext\.jsonl:1: no text"),
        (
            "jsurrogate.jsonl",
            '{"title": "t", "text": "a\\ud800b"}\n',
            r"jsurrogate\.jsonl:1: bad JSON: a string holds the lone surrogate \\ud800",
        ),
        (
            "jdeep.jsonl",
            '{"title": "t", "text": "x", "n": ' + "[" * 3000 + "]" * 3000 + "}\n",
            r"jdeep\.jsonl:1: bad JSON: nested",
        ),
        (
            "jdigits.jsonl",
            '{"title": "t", "text": "x", "n": ' + "7" * 5000 + "}\n",
            r"jdigits\.jsonl:1: bad JSON: a number has too many digits",
        ),
    ],
)
def test_malformed_values_are_one_line_errors(tmp_path, name, content, message):
    with pytest.raises(InputError, match=message):
        read_source(write(tmp_path, name, content))


def test_a_byte_order_mark_before_the_front_matter_is_read_as_utf8(tmp_path):
    [read] = read_source(write(tmp_path, "bom.md", b"\xef\xbb\xbf---\nid: bom\ntitle: With BOM\n---\nBody.\n"))
    assert (read.article.id, read.article.title, read.article.text) == ("bom", "With BOM", "Body.")
