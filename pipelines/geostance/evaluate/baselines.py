"""The baselines every model is reported against: a train-lexicon lookup for entities and the majority class
per target for stance. Deterministic; ties are broken by name."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from geostance.metrics import Span


def _most_frequent(counts: Counter[str]) -> str:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


class LookupNer:
    """Every entity string seen in train, tagged with its most frequent train label wherever it occurs
    (longest match first, at word boundaries, case-sensitive)."""

    def __init__(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> None:
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        for text, doc_spans in zip(texts, spans, strict=True):
            for start, end, label in doc_spans:
                surface = text[start:end]
                if surface.strip():
                    votes[surface][label] += 1
        self.lexicon = {surface: _most_frequent(c) for surface, c in votes.items()}
        alternatives = "|".join(re.escape(s) for s in sorted(self.lexicon, key=lambda s: (-len(s), s)))
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if self.lexicon else None

    def __call__(self, text: str) -> list[Span]:
        if self.pattern is None:
            return []
        return [(m.start(), m.end(), self.lexicon[m.group(0)]) for m in self.pattern.finditer(text)]


def majority_per_target(train_targets: Sequence[str], train_labels: Sequence[str]) -> dict[str, str]:
    """Each target's most frequent train label; key "" holds the overall majority (for unseen targets)."""
    by_target: dict[str, Counter[str]] = defaultdict(Counter)
    for target, label in zip(train_targets, train_labels, strict=True):
        by_target[target][label] += 1
    majority = {target: _most_frequent(c) for target, c in by_target.items()}
    majority[""] = _most_frequent(Counter(train_labels))
    return majority
