"""Corpus statistics. Pure: takes articles, returns numbers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from geostance.corpus.model import Article
from geostance.corpus.units import UnitMode, split_units


@dataclass
class CorpusStats:
    articles: int
    synthetic: int
    words: int
    units: int
    genres: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def corpus_stats(articles: list[Article]) -> CorpusStats:
    return CorpusStats(
        articles=len(articles),
        synthetic=sum(a.synthetic for a in articles),
        words=sum(a.word_count for a in articles),
        units=sum(len(split_units(a, UnitMode.paragraph)) for a in articles),
        genres=dict(Counter(a.genre or "unknown" for a in articles).most_common()),
        languages=dict(Counter(a.language for a in articles).most_common()),
    )
