"""Import articles written with inline annotation markup (see `inline.py`).

The clean text goes into `corpus/raw/` and through the ordinary importer; the annotations come back as one
decision record per unit ({unit_id, entities in unit code points, cats}), ready to be posted to Doccano as an
annotator's work with `geostance doccano annotate --from FILE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.corpus.inline import InlineDocument, MarkupError, parse_inline
from geostance.corpus.normalize import normalize_text
from geostance.corpus.readers import read_text_file, split_front_matter
from geostance.corpus.store import Corpus, ImportReport, import_sources
from geostance.corpus.units import split_units
from geostance.errors import InputError
from geostance.fileio import atomic_write_text
from geostance.schema import Schema, category_name


@dataclass
class AnnotatedImport:
    report: ImportReport
    decisions: list[dict[str, Any]]


def _read_draft(path: Path, schema: Schema) -> tuple[dict[str, Any], str, InlineDocument]:
    raw = read_text_file(path)
    meta, body, body_line = split_front_matter(raw, path)
    if not meta.get("id"):
        raise InputError(path, "annotated drafts need an 'id' in the front matter", 1)
    front = raw.split("\n")[: body_line - 1]
    try:
        doc = parse_inline(normalize_text(body))
    except MarkupError as exc:
        raise InputError(path, str(exc), body_line + exc.line - 1) from None
    line = body_line
    for para in doc.paragraphs:
        for _, _, label in para.entities:
            if label not in schema.entity_names:
                raise InputError(path, f"unknown entity label {label!r}; schema has {list(schema.entity_names)}", line)
        targets = [t for t, _ in para.stance]
        if len(set(targets)) != len(targets):
            raise InputError(path, f"more than one stance for a target in one paragraph: {targets}", line)
        for target, label in para.stance:
            try:
                schema.parse_category(category_name(target, label))
            except ValueError as exc:
                raise InputError(path, str(exc), line) from None
        line += para.text.count("\n") + 2
    return meta, "\n".join(front) + "\n" + doc.text + "\n", doc


def import_annotated(drafts: list[Path], corpus: Corpus, schema: Schema) -> AnnotatedImport:
    """Strip markup into raw files, import them, and map the annotations onto the imported units.

    A draft whose front matter says `annotates: <article id>` annotates an article already in the corpus (such
    as one imported from a web capture): it is not imported, and its clean text must equal that article's text.
    """
    parsed = [(path, *_read_draft(path, schema)) for path in drafts]
    raw_paths = []
    for path, meta, clean_source, _ in parsed:
        if meta.get("annotates"):
            continue
        target = corpus.raw_dir / path.name
        if not target.exists() or target.read_text(encoding="utf-8") != clean_source:
            atomic_write_text(target, clean_source)
        raw_paths.append(target)
    report = import_sources(raw_paths, corpus)

    decisions: list[dict[str, Any]] = []
    for path, meta, _, doc in parsed:
        article_id = str(meta.get("annotates") or meta["id"])
        if article_id not in corpus.manifest():
            raise InputError(path, f"annotates article {article_id!r}, which is not in the corpus")
        article = corpus.load(article_id)
        units = split_units(article)
        if [u.text for u in units] != [p.text for p in doc.paragraphs]:
            raise InputError(
                path,
                f"the text without markup differs from article {article_id!r}'s paragraphs, "
                "so the annotations cannot be mapped onto its units",
            )
        for unit, para in zip(units, doc.paragraphs, strict=True):
            decisions.append(
                {
                    "unit_id": unit.unit_id,
                    "article_id": article.id,
                    "entities": [[s, e, label] for s, e, label in para.entities],
                    "cats": [category_name(t, label) for t, label in para.stance],
                }
            )
    return AnnotatedImport(report, decisions)
