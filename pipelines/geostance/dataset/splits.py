"""Leakage-safe, stable splits: an article's split is decided by a seeded hash of its id alone.

- Grouped: every unit of an article goes where the article goes, so no article has units in two splits.
- Stable under growth: the hash of an old article does not change when articles are added, so it never moves.
- Stratified by stance as far as the groups allow: the hash is independent of the labels, so each stance stratum
  is spread over the splits in the configured ratios (in expectation; exactly equal shares would need moving old
  articles when new ones arrive, which stability forbids). `stratification()` measures how close it came, and the
  dataset card shows it.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from geostance.errors import GeostanceError

DEFAULT_SEED = "geostance"
# A quarter of the articles for test: with ~150 articles that is ~40, the fewest that give per-target stance
# intervals near 15 points (annotations/README.md, "Why a quarter of the corpus is test"); dev stays at 15%.
DEFAULT_SPLIT_RATIOS = "0.6,0.15,0.25"
SPLITS = ("train", "dev", "test")


def parse_ratios(spec: str | None) -> dict[str, float]:
    """`0.8,0.1,0.1` → {"train": 0.8, "dev": 0.1, "test": 0.1}; a 0 leaves that split out."""
    spec = spec or DEFAULT_SPLIT_RATIOS
    try:
        values = [float(x) for x in spec.split(",")]
    except ValueError:
        raise GeostanceError(f"--split-ratios {spec!r}: expected numbers like 0.8,0.1,0.1") from None
    if len(values) != 3 or any(v < 0 for v in values) or sum(values) <= 0:
        raise GeostanceError(f"--split-ratios {spec!r}: expected three non-negative numbers (train,dev,test)")
    total = sum(values)
    return {name: v / total for name, v in zip(SPLITS, values, strict=True)}


def article_hash(article_id: str, seed: str = DEFAULT_SEED) -> float:
    """A number in [0, 1) that depends only on the seed and the article id."""
    digest = hashlib.sha256(f"{seed}\x00{article_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_split(article_id: str, ratios: Mapping[str, float], seed: str = DEFAULT_SEED) -> str:
    u = article_hash(article_id, seed)
    edge = 0.0
    last = None
    for name in SPLITS:
        share = ratios.get(name, 0.0)
        if share <= 0:
            continue
        edge += share
        last = name
        if u < edge:
            return name
    assert last is not None
    return last


class SplitAssigner:
    """Caches the article → split decision (the same article is asked about once per unit)."""

    def __init__(self, ratios: Mapping[str, float], seed: str = DEFAULT_SEED) -> None:
        self.ratios = dict(ratios)
        self.seed = seed
        self._cache: dict[str, str] = {}

    def __call__(self, article_id: str) -> str:
        split = self._cache.get(article_id)
        if split is None:
            split = self._cache[article_id] = assign_split(article_id, self.ratios, self.seed)
        return split


def stratification(rows: Iterable[tuple[str, str, str]]) -> dict[str, dict[str, int]]:
    """(split, article_id, label) rows → label counts per split (for the card and the tests)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for split, _article, label in rows:
        counts[split][label] += 1
    return {split: dict(sorted(c.items())) for split, c in sorted(counts.items())}
