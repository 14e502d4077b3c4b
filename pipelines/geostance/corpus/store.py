"""The corpus on disk: `corpus/raw/` (inputs, never edited), `corpus/articles/<id>.md` (normalised articles with
YAML front matter) and `corpus/manifest.json` (id → sha256 of the normalised text, paths, counts)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from geostance.corpus.model import Article
from geostance.corpus.readers import (
    SIDECAR_SUFFIX,
    ReadArticle,
    build_article,
    read_source,
    read_text_file,
    split_front_matter,
)
from geostance.corpus.units import UnitMode, split_units
from geostance.errors import InputError
from geostance.fileio import atomic_write_bytes, atomic_write_json, atomic_write_text

MANIFEST_VERSION = 1


def render_article(article: Article) -> str:
    front = yaml.safe_dump(article.metadata(), sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n{article.text}\n"


def parse_article_file(path: Path) -> Article:
    meta, body, line = split_front_matter(read_text_file(path), path)
    if not meta:
        raise InputError(path, "article file has no front matter", 1)
    text = body[:-1] if body.endswith("\n") else body
    read = build_article(
        meta,
        text,
        fallback_id=path.stem,
        origin=str(path),
        path=path,
        line=line,
        title_from_text=False,
        source=meta.get("source"),
    )
    return read.article


@dataclass
class Corpus:
    root: Path

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def articles_dir(self) -> Path:
        return self.root / "articles"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def article_path(self, article_id: str) -> Path:
        return self.articles_dir / f"{article_id}.md"

    def manifest(self) -> dict[str, dict[str, Any]]:
        if not self.manifest_path.is_file():
            return {}
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(self.manifest_path, f"bad JSON: {exc.msg}", exc.lineno) from None
        return data.get("articles", {})

    def write_manifest(self, entries: dict[str, dict[str, Any]]) -> None:
        atomic_write_json(self.manifest_path, {"version": MANIFEST_VERSION, "articles": dict(sorted(entries.items()))})

    def load(self, article_id: str) -> Article:
        return parse_article_file(self.article_path(article_id))

    def articles(self) -> list[Article]:
        return [self.load(article_id) for article_id in sorted(self.manifest())]


def manifest_entry(article: Article, corpus: Corpus) -> dict[str, Any]:
    return {
        "sha256": article.sha256,
        "path": str(corpus.article_path(article.id).relative_to(corpus.root)),
        "source": article.source,
        "title": article.title,
        "words": article.word_count,
        "units": len(split_units(article, UnitMode.paragraph)),
    }


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)  # origin, id, duplicate_of
    removals: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def _raw_source(path: Path, corpus: Corpus) -> str:
    """Where the raw input lives (or will be copied, by `import_sources`) relative to corpus/; refuses a name
    already taken in corpus/raw/ by a different file."""
    path = path.resolve()
    raw_dir = corpus.raw_dir.resolve()
    if raw_dir in path.parents:
        return str(path.relative_to(corpus.root.resolve()))
    target = corpus.raw_dir / path.name
    if target.exists() and target.read_bytes() != path.read_bytes():
        raise InputError(path, f"a different raw file named {path.name!r} is already in {corpus.raw_dir}")
    return str(target.relative_to(corpus.root))


def _check_same_text(first: ReadArticle, again: ReadArticle) -> None:
    """Two inputs of one import with the same id must be the same article: otherwise the second would silently
    replace the first."""
    if again.article.sha256 != first.article.sha256:
        raise InputError(
            again.origin,
            f"article id {again.article.id!r} is also the id of {first.origin}, whose "
            "text differs; give each article its own id",
        )


def import_sources(paths: list[Path], corpus: Corpus) -> ImportReport:
    """Import raw files into the corpus. Everything is read and checked before anything is written."""
    read: list[tuple[Path, ReadArticle]] = []
    for path in paths:
        if path.is_dir():
            raise InputError(path, "is a directory; pass the files (e.g. corpus/raw/*)")
        source = _raw_source(path, corpus) if path.exists() else None
        read.extend((path, r) for r in read_source(path, source))

    manifest = corpus.manifest()
    by_hash = {entry["sha256"]: article_id for article_id, entry in manifest.items()}
    report = ImportReport()
    to_write: list[tuple[Path, Article]] = []
    first_with_id: dict[str, ReadArticle] = {}
    for path, item in read:
        article = item.article
        first = first_with_id.setdefault(article.id, item)
        if first is not item:
            _check_same_text(first, item)
            report.duplicates.append({"origin": item.origin, "id": article.id, "duplicate_of": article.id})
            continue
        h = article.sha256
        owner = by_hash.get(h)
        if item.removals:
            report.removals[article.id] = [{"kind": r.kind, "text": r.text} for r in item.removals]
        if owner == article.id and corpus.article_path(article.id).is_file() and corpus.load(article.id) == article:
            report.unchanged.append(article.id)
            continue
        if owner is not None and owner != article.id:
            report.duplicates.append({"origin": item.origin, "id": article.id, "duplicate_of": owner})
            continue
        (report.updated if article.id in manifest else report.added).append(article.id)
        by_hash[h] = article.id
        manifest[article.id] = manifest_entry(article, corpus)
        to_write.append((path, article))

    for path, article in to_write:
        if article.source and not (corpus.root / article.source).exists():
            raw_target = corpus.root / article.source
            atomic_write_bytes(raw_target, path.read_bytes())
            sidecar = path.with_name(path.name[: -len(path.suffix)] + SIDECAR_SUFFIX)
            if sidecar.is_file():
                atomic_write_bytes(raw_target.with_name(sidecar.name), sidecar.read_bytes())
        atomic_write_text(corpus.article_path(article.id), render_article(article))
    if to_write:
        corpus.write_manifest(manifest)
    return report


@dataclass
class ValidationProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def validate_corpus(corpus: Corpus) -> list[ValidationProblem]:
    """Every manifest entry has its article file, the hash matches, text is normalised, units round-trip."""
    from geostance.corpus.normalize import normalize_text

    problems: list[ValidationProblem] = []
    manifest = corpus.manifest()
    if not manifest:
        problems.append(ValidationProblem(str(corpus.manifest_path), "manifest missing or empty"))
    for article_id, entry in manifest.items():
        path = corpus.article_path(article_id)
        if not path.is_file():
            problems.append(ValidationProblem(str(path), "listed in the manifest but missing"))
            continue
        try:
            article = parse_article_file(path)
        except InputError as exc:
            problems.append(ValidationProblem(str(path), exc.message))
            continue
        if article.id != article_id:
            problems.append(ValidationProblem(str(path), f"id {article.id!r} differs from manifest key {article_id!r}"))
        if article.sha256 != entry.get("sha256"):
            problems.append(ValidationProblem(str(path), "text sha256 differs from the manifest"))
        if normalize_text(article.text) != article.text:
            problems.append(ValidationProblem(str(path), "text is not normalised (NFC, \\n newlines, no outer blanks)"))
        if article.source and not (corpus.root / article.source).is_file():
            problems.append(ValidationProblem(str(path), f"raw source {article.source!r} is missing"))
        # Sentence units need a spaCy pipeline per article; paragraphs and whole articles cover the offsets logic.
        for mode in (UnitMode.paragraph, UnitMode.article):
            for unit in split_units(article, mode):
                if article.text[unit.start : unit.end] != unit.text:
                    problems.append(ValidationProblem(str(path), f"unit {unit.unit_id} does not round-trip"))
    if corpus.articles_dir.is_dir():
        for path in sorted(corpus.articles_dir.glob("*.md")):
            if path.stem not in manifest:
                problems.append(ValidationProblem(str(path), "article file not in the manifest"))
    return problems
