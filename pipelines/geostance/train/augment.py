"""Training-time data augmentation for the NER, as spaCy augmenters (`[corpora.train.augmenter]` in a config).

One augmenter, `geostance.ner_augmenter.v1`, does two things; both push the model off memorised names and onto shape, affixes and context, which is what unseen names at test
time offer:
- NORM dropout hides a token's NORM (the word-identity feature) behind one shared unknown-word
  value with probability `rate`, as word dropout does in Lample et al. (2016); ORTH, affixes and shape stay.
- entity swap replaces, in a fraction `level` of examples, every entity by another entity of the
  same label seen earlier in training (mention replacement, Dai & Adel 2020). The pool fills as examples stream
  past, so it needs no second pass over the corpus.

It is found through the `spacy_augmenters` entry point (pyproject.toml), so a config names them without
`--code`, and importing this module registers nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

UNKNOWN_NORM = "<geostance-unk>"
POOL_PER_LABEL = 5000

Augmenter = Callable[[Any, Any], Iterator[Any]]


def hide_norms(doc: Any, rate: float, rng: random.Random) -> Any:
    """A copy of `doc` with each token's NORM replaced by UNKNOWN_NORM with probability `rate`."""
    hidden = doc.copy()
    for token in hidden:
        if rng.random() < rate:
            token.norm_ = UNKNOWN_NORM
    return hidden


class MentionPool:
    """Entity token sequences by label, kept to at most `size` per label (reservoir sampling)."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size = size
        self.rng = rng
        self.mentions: dict[str, list[tuple[tuple[str, ...], tuple[bool, ...]]]] = {}
        self.seen: dict[str, int] = {}

    def add(self, label: str, words: tuple[str, ...], spaces: tuple[bool, ...]) -> None:
        bucket = self.mentions.setdefault(label, [])
        self.seen[label] = self.seen.get(label, 0) + 1
        if len(bucket) < self.size:
            bucket.append((words, spaces))
        else:
            slot = self.rng.randrange(self.seen[label])
            if slot < self.size:
                bucket[slot] = (words, spaces)

    def draw(self, label: str) -> tuple[tuple[str, ...], tuple[bool, ...]] | None:
        bucket = self.mentions.get(label)
        return self.rng.choice(bucket) if bucket else None


def swap_mentions(reference: Any, pool: MentionPool) -> tuple[list[str], list[bool], list[str]]:
    """Words, spaces and IOB tags of `reference` with each entity replaced by a pooled one of its label."""
    words: list[str] = []
    spaces: list[bool] = []
    tags: list[str] = []
    position = 0
    for ent in reference.ents:
        for token in reference[position:ent.start]:
            words.append(token.text)
            spaces.append(bool(token.whitespace_))
            tags.append("O")
        drawn = pool.draw(ent.label_)
        new_words, new_spaces = drawn if drawn else (tuple(t.text for t in ent), tuple(bool(t.whitespace_) for t in ent))
        words.extend(new_words)
        # Inner spacing from the pooled mention; the last token keeps the spacing of the entity it replaces.
        spaces.extend(list(new_spaces[:-1]) + [bool(ent[-1].whitespace_)])
        tags.extend([f"B-{ent.label_}"] + [f"I-{ent.label_}"] * (len(new_words) - 1))
        position = ent.end
    for token in reference[position:]:
        words.append(token.text)
        spaces.append(bool(token.whitespace_))
        tags.append("O")
    return words, spaces, tags


def create_ner_augmenter(norm_dropout: float = 0.0, entity_swap: float = 0.0, seed: int = 0) -> Augmenter:
    """`geostance.ner_augmenter.v1`: entity swap on a fraction `entity_swap` of examples, then NORM dropout at
    rate `norm_dropout` on every example. Both 0 leaves the examples as they are."""
    if not 0 <= norm_dropout < 1:
        raise ValueError(f"geostance.ner_augmenter.v1: norm_dropout must be in [0, 1), got {norm_dropout}")
    if not 0 <= entity_swap <= 1:
        raise ValueError(f"geostance.ner_augmenter.v1: entity_swap must be in [0, 1], got {entity_swap}")
    rng = random.Random(seed)
    pool = MentionPool(POOL_PER_LABEL, rng)

    def augment(nlp: Any, example: Any) -> Iterator[Any]:
        from spacy.tokens import Doc
        from spacy.training import Example

        reference = example.reference
        if entity_swap:
            for ent in reference.ents:
                pool.add(ent.label_, tuple(t.text for t in ent), tuple(bool(t.whitespace_) for t in ent))
            if reference.ents and rng.random() < entity_swap:
                words, spaces, tags = swap_mentions(reference, pool)
                example = Example(Doc(nlp.vocab, words=words, spaces=spaces),
                                  Doc(nlp.vocab, words=words, spaces=spaces, ents=tags))
        if norm_dropout:
            example = Example(hide_norms(example.predicted, norm_dropout, rng), example.reference)
        yield example

    return augment
