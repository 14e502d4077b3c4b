"""Article and unit records. An article's text is normalised; units point into it by character offsets."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

# Metadata keys an article file carries, in the order they are written.
METADATA_KEYS = (
    "id",
    "title",
    "outlet",
    "url",
    "author",
    "published",
    "language",
    "rights",
    "synthetic",
    "genre",
    "topics",
    "source",
    "notes",
)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    text: str
    outlet: str | None = None
    url: str | None = None
    author: str | None = None
    published: str | None = None
    language: str = "en"
    rights: str | None = None
    synthetic: bool = False
    genre: str | None = None
    topics: tuple[str, ...] = ()
    source: str | None = None  # the raw file it was imported from, relative to corpus/
    notes: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def metadata(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("text")
        extra = data.pop("extra")
        data["topics"] = list(self.topics)
        ordered = {k: data[k] for k in METADATA_KEYS}
        ordered.update(extra)
        return ordered


@dataclass(frozen=True)
class Unit:
    """An annotation unit: `article.text[start:end] == text` always holds."""

    article_id: str
    unit_id: str
    index: int
    start: int
    end: int
    text: str

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)
