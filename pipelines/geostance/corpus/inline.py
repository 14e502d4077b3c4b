"""Inline annotation markup for authoring pre-annotated articles. Pure functions: no I/O.

An author marks an entity as `[[surface text|LABEL]]` and ends a paragraph with `{{target=LABEL; ...}}` for its
stance. `parse_inline` returns the clean text and the annotations with offsets into it, so the clean text can be
imported as an ordinary article and the annotations replayed through Doccano as an annotator's decisions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ENTITY_MARKUP = re.compile(r"\[\[([^\[\]|]+)\|([A-Za-z_]+)\]\]")
STANCE_MARKUP = re.compile(r"[ \t]*\{\{([^{}]*)\}\}[ \t]*$")
_LEFTOVER = re.compile(r"\[\[|\]\]|\{\{|\}\}")


class MarkupError(ValueError):
    """Malformed markup; `line` is 1-based within the text given to `parse_inline`."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class InlineParagraph:
    text: str
    entities: list[tuple[int, int, str]] = field(default_factory=list)  # offsets into `text`
    stance: list[tuple[str, str]] = field(default_factory=list)  # (target, label)


@dataclass
class InlineDocument:
    paragraphs: list[InlineParagraph]

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)


def _parse_paragraph(raw: str, line: int) -> InlineParagraph:
    stance: list[tuple[str, str]] = []
    m = STANCE_MARKUP.search(raw)
    if m:
        raw = raw[: m.start()]
        for item in (x.strip() for x in m.group(1).split(";")):
            if not item:
                continue
            target, sep, label = item.partition("=")
            if not sep or not target.strip() or not label.strip():
                raise MarkupError(f"bad stance item {item!r}: expected target=LABEL", line)
            stance.append((target.strip(), label.strip()))
    out: list[str] = []
    entities: list[tuple[int, int, str]] = []
    pos = 0
    length = 0
    for em in ENTITY_MARKUP.finditer(raw):
        before = raw[pos : em.start()]
        out.append(before)
        length += len(before)
        surface = em.group(1)
        if surface != surface.strip():
            raise MarkupError(
                f"entity {surface!r} has leading or trailing whitespace", line + raw[: em.start()].count("\n")
            )
        entities.append((length, length + len(surface), em.group(2)))
        out.append(surface)
        length += len(surface)
        pos = em.end()
    out.append(raw[pos:])
    text = "".join(out)
    leftover = _LEFTOVER.search(text)
    if leftover:
        raise MarkupError(f"unbalanced markup {leftover.group()!r}", line + text[: leftover.start()].count("\n"))
    return InlineParagraph(text.rstrip(), entities, stance)


def parse_inline(body: str) -> InlineDocument:
    """Parse normalised text (paragraphs separated by one blank line) with inline markup."""
    paragraphs = []
    line = 1
    for raw in body.split("\n\n"):
        if raw.strip():
            paragraphs.append(_parse_paragraph(raw.strip("\n"), line))
        line += raw.count("\n") + 2
    return InlineDocument(paragraphs)
