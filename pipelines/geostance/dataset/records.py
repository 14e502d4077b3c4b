"""The records every reader yields and the build consumes: one unit's text with character-offset spans
(NER) or one unit-and-target stance label. `origin` is "file:line" so every report can point back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple


class RawSpan(NamedTuple):
    """A span as the input gave it; not yet checked against text, tokens or labels."""

    start: Any
    end: Any
    label: Any


@dataclass(slots=True)
class NerRecord:
    id: str
    article_id: str
    unit_id: str
    text: str
    spans: list[RawSpan]
    origin: str
    tokens: list[str] | None = None  # given tokens (CoNLL): text is " ".join(tokens), no re-tokenising
    split: str | None = None  # fixed by the input (split files); None: decided by the article hash


@dataclass(slots=True)
class StanceRecord:
    id: str
    article_id: str
    unit_id: str
    text: str
    target: str
    proposition: str
    label: str
    origin: str
    split: str | None = None
