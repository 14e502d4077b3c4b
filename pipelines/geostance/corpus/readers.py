"""Readers for raw article files: plain text (with optional `.meta.yaml` sidecar), Markdown with YAML front
matter, HTML (main text by trafilatura) and JSONL. Each returns normalised articles or raises InputError
naming the file and line."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from geostance.corpus.model import METADATA_KEYS, Article
from geostance.corpus.normalize import Removal, normalize_text, strip_boilerplate
from geostance.errors import InputError
from geostance.fields import check_id, check_scalar, check_text
from geostance.jsonl import MAX_DEPTH, iter_json_objects, strings_and_depth

SUPPORTED_SUFFIXES = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
}
SIDECAR_SUFFIX = ".meta.yaml"
_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class ReadArticle:
    """An article as read from a raw file, with where it came from and what normalisation removed."""

    article: Article
    origin: str  # "path" or "path:line"
    removals: list[Removal] = field(default_factory=list)


def slugify(value: str) -> str:
    slug = _SLUG_STRIP.sub("-", value.lower()).strip("-")
    return slug[:80].rstrip("-") or "article"


def read_text_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, f"not valid UTF-8 (byte {exc.start}: {data[exc.start]:#04x})", line) from None
    # A byte-order mark says "UTF-8", nothing more; left in, it would hide a front matter's opening '---'.
    return text.removeprefix("\ufeff")


def _plain(value: Any) -> Any:
    """YAML gives dates as date objects; the corpus keeps ISO strings."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class FrontMatterLoader(yaml.SafeLoader):
    """yaml.safe_load's loader, with two refusals that give a line instead of a traceback or a blow-up:

    - aliases (`*name`): front matter has no use for them, and a few lines of nested aliases expand a small file
      into gigabytes;
    - a value that cannot be built (an impossible date such as 2024-13-45, a number of thousands of digits)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", self.peek_event().start_mark
            )
        return super().compose_node(parent, index)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as exc:
            reason = "too many digits" if "digits" in str(exc) else str(exc)
            shown = node.value if isinstance(node, yaml.ScalarNode) else node.tag
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {str(shown)[:40]!r}: {reason}", node.start_mark
            ) from None


def parse_yaml_mapping(text: str, path: Path, first_line: int) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=FrontMatterLoader) if text.strip() else {}
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character, ...)
        line = first_line + text[: exc.position].count("\n")
        raise InputError(
            path, f"bad front matter: character U+{exc.character:04X} is not allowed in YAML", line
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line
        raise InputError(path, f"bad front matter: {problem}", line) from None
    except RecursionError:
        raise InputError(path, "bad front matter: nested too deep", first_line) from None
    if not isinstance(data, dict):
        raise InputError(path, f"bad front matter: expected a mapping of keys, got {type(data).__name__}", first_line)
    strings, depth = strings_and_depth(data)
    if depth > MAX_DEPTH:
        raise InputError(path, f"bad front matter: nested {depth} levels deep (at most {MAX_DEPTH})", first_line)
    for value in strings:
        check_text(value, path, first_line, "front matter")
    return {str(k): _plain(v) for k, v in data.items()}


def split_front_matter(raw: str, path: Path) -> tuple[dict[str, Any], str, int]:
    """Return (metadata, body, line number where the body starts). No front matter: empty metadata."""
    lines = raw.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, raw, 1
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            meta = parse_yaml_mapping("\n".join(lines[1:i]), path, first_line=2)
            return meta, "\n".join(lines[i + 1 :]), i + 2
    raise InputError(path, "front matter opened with '---' but never closed", 1)


def build_article(
    meta: dict[str, Any],
    body: str,
    *,
    fallback_id: str,
    origin: str,
    path: Path,
    line: int | None,
    title_from_text: bool,
    source: str | None,
) -> ReadArticle:
    text, removals = strip_boilerplate(normalize_text(body))
    title = check_scalar(meta.get("title"), path, line, "title")
    if not title and title_from_text and text:
        first, _, rest = text.partition("\n\n")
        if len(first) <= 200 and "\n" not in first:
            title, text = first, rest
    if not text.strip():
        raise InputError(path, "no text: the article body is empty after normalisation", line)
    if not title:
        raise InputError(path, "no title: give a 'title' in the metadata", line)
    topics = meta.get("topics") or ()
    if isinstance(topics, str):
        topics = (topics,)
    if not isinstance(topics, list | tuple):
        raise InputError(path, "'topics' must be a list of strings", line)
    topics = tuple(check_scalar(t, path, line, "topics") for t in topics)
    article_id = check_id(meta.get("id"), path, line) or slugify(fallback_id)
    if slugify(article_id) != article_id:
        raise InputError(path, f"id {article_id!r} is not a slug (lower-case letters, digits and hyphens)", line)
    synthetic = meta.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise InputError(path, f"'synthetic' must be true or false, got {synthetic!r}", line)
    known = {
        k: check_scalar(meta.get(k), path, line, k)
        for k in METADATA_KEYS
        if k not in ("id", "title", "topics", "synthetic", "source")
    }
    extra = {k: v for k, v in meta.items() if k not in METADATA_KEYS}
    article = Article(
        id=article_id,
        title=normalize_text(title),
        text=text,
        outlet=known["outlet"],
        url=known["url"],
        author=known["author"],
        published=known["published"],
        language=known["language"] or "en",
        rights=known["rights"],
        synthetic=synthetic,
        genre=known["genre"],
        topics=topics,
        source=source,
        notes=known["notes"],
        extra=extra,
    )
    return ReadArticle(article, origin, removals)


def read_plain_text(path: Path, source: str | None) -> list[ReadArticle]:
    sidecar = path.with_name(path.name[: -len(path.suffix)] + SIDECAR_SUFFIX)
    meta = parse_yaml_mapping(read_text_file(sidecar), sidecar, 1) if sidecar.is_file() else {}
    body = read_text_file(path)
    return [
        build_article(
            meta,
            body,
            fallback_id=path.stem,
            origin=str(path),
            path=path,
            line=None,
            title_from_text=True,
            source=source,
        )
    ]


def read_markdown(path: Path, source: str | None) -> list[ReadArticle]:
    meta, body, _ = split_front_matter(read_text_file(path), path)
    return [
        build_article(
            meta,
            body,
            fallback_id=path.stem,
            origin=str(path),
            path=path,
            line=None,
            title_from_text=True,
            source=source,
        )
    ]


def read_html(path: Path, source: str | None) -> list[ReadArticle]:
    import trafilatura

    html = read_text_file(path)
    text = trafilatura.extract(
        html, output_format="txt", include_comments=False, include_tables=False, favor_precision=True
    )
    if not text or not text.strip():
        raise InputError(path, "no main text found in the HTML")
    doc = trafilatura.extract_metadata(html)
    meta: dict[str, Any] = {}
    if doc is not None:
        meta = {"title": doc.title, "author": doc.author, "published": doc.date, "outlet": doc.sitename, "url": doc.url}
        meta = {k: v for k, v in meta.items() if v}
    return [
        build_article(
            meta,
            text,
            fallback_id=meta.get("title") or path.stem,
            origin=str(path),
            path=path,
            line=None,
            title_from_text=False,
            source=source,
        )
    ]


def read_jsonl(path: Path, source: str | None) -> list[ReadArticle]:
    out = []
    for lineno, row in iter_json_objects(read_text_file(path).split("\n"), path):
        text = row.pop("text", None)
        if not isinstance(text, str) or not text.strip():
            raise InputError(path, "no text: each line needs a non-empty string field 'text'", lineno)
        fallback = str(row.get("title") or f"{path.stem}-{lineno}")
        out.append(
            build_article(
                row,
                text,
                fallback_id=fallback,
                origin=f"{path}:{lineno}",
                path=path,
                line=lineno,
                title_from_text=False,
                source=source,
            )
        )
    if not out:
        raise InputError(path, "no articles: the file holds no JSON lines")
    return out


READERS = {"text": read_plain_text, "markdown": read_markdown, "html": read_html, "jsonl": read_jsonl}


def read_source(path: Path, source: str | None = None) -> list[ReadArticle]:
    """Read one raw file into articles. `source` is how the corpus will refer to the raw file."""
    if path.name.endswith(SIDECAR_SUFFIX):
        return []
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            path, f"unsupported file type {path.suffix or '(none)'!r}; expected one of {sorted(SUPPORTED_SUFFIXES)}"
        )
    if not path.exists():
        raise InputError(path, "file not found")
    return READERS[kind](path, source)
