"""Splitting an article into annotation units with offsets into its text. Pure functions: no I/O."""

from __future__ import annotations

import re
from enum import Enum

from geostance.corpus.model import Article, Unit

_PARAGRAPH = re.compile(r"[^\n]+(?:\n[^\n]+)*")


class UnitMode(str, Enum):
    paragraph = "paragraph"
    sentence = "sentence"
    article = "article"


_PREFIX = {UnitMode.paragraph: "p", UnitMode.sentence: "s", UnitMode.article: "a"}


def unit_id(article_id: str, mode: UnitMode, index: int) -> str:
    return f"{article_id}:{_PREFIX[mode]}{index:03d}"


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _PARAGRAPH.finditer(text):
        start, end = m.start(), m.end()
        chunk = m.group()
        # Trim whitespace so that units never begin or end with blanks.
        start += len(chunk) - len(chunk.lstrip())
        end -= len(chunk) - len(chunk.rstrip())
        if end > start:
            spans.append((start, end))
    return spans


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    spans = []
    for p_start, p_end in _paragraph_spans(text):
        doc = nlp(text[p_start:p_end])
        for sent in doc.sents:
            s = sent.text
            if s.strip():
                lead = len(s) - len(s.lstrip())
                spans.append((p_start + sent.start_char + lead, p_start + sent.start_char + len(s.rstrip())))
    return spans


def split_units(article: Article, mode: UnitMode = UnitMode.paragraph) -> list[Unit]:
    text = article.text
    if mode is UnitMode.paragraph:
        spans = _paragraph_spans(text)
    elif mode is UnitMode.sentence:
        spans = _sentence_spans(text)
    else:
        spans = [(0, len(text))] if text.strip() else []
    return [
        Unit(article.id, unit_id(article.id, mode, i), i, start, end, text[start:end])
        for i, (start, end) in enumerate(spans)
    ]
