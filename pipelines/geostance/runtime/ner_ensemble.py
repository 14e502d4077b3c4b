"""A majority vote over several NER models in one spaCy pipeline: components with no weights of their own.

Members are `ner` components trained from the same config with different seeds, each with its own tok2vec. After
each member, `geostance_ner_stash` moves the member's entities into `doc.spans[<member>]` and clears `doc.ents`
(as missing, not as "outside", so the next member predicts freely). `geostance_ner_vote` then keeps the spans that
more than half of the members predicted with the same start, end and label. Averaging out the seed-to-seed
variance of single models bought +0.85 F1 on CoNLL-2003 testa with three members (models/BENCHMARKS.md).

Self-contained (spaCy only): `geostance package` copies this module into the model wheel.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

STASH_FACTORY = "geostance_ner_stash"
VOTE_FACTORY = "geostance_ner_vote"

Mention = tuple[int, int, str]  # token start, token end (exclusive), label


def vote_spans(members: Sequence[Sequence[Mention]]) -> list[Mention]:
    """The spans predicted by more than half of `members` (exact start, end and label), sorted.

    Two spans with a strict majority each cannot overlap: some member would have predicted both."""
    votes = Counter(span for spans in members for span in set(spans))
    return sorted(span for span, n in votes.items() if 2 * n > len(members))


class NerStash:
    def __init__(self, nlp: Any, name: str, key: str) -> None:
        self.name = name
        self.key = key

    def __call__(self, doc: Any) -> Any:
        doc.spans[self.key] = list(doc.ents)
        doc.set_ents([], default="missing")
        return doc


class NerVote:
    def __init__(self, nlp: Any, name: str, keys: list[str]) -> None:
        self.name = name
        self.keys = list(keys)

    def __call__(self, doc: Any) -> Any:
        from spacy.tokens import Span

        members = [[(s.start, s.end, s.label_) for s in doc.spans.get(key, [])] for key in self.keys]
        doc.set_ents(
            [Span(doc, start, end, label=label) for start, end, label in vote_spans(members)], default="outside"
        )
        return doc


def make_ner_stash(nlp: Any, name: str, key: str) -> NerStash:
    return NerStash(nlp, name, key)


def make_ner_vote(nlp: Any, name: str, keys: list[str]) -> NerVote:
    return NerVote(nlp, name, keys)


def _register() -> None:
    from spacy.language import Language

    for factory, make, config, assigns in (
        (STASH_FACTORY, make_ner_stash, {"key": "ner"}, ["doc.spans", "doc.ents"]),
        (VOTE_FACTORY, make_ner_vote, {"keys": []}, ["doc.ents"]),
    ):
        try:
            Language.factory(factory, default_config=config, assigns=assigns)(make)
        except ValueError:
            # Already registered by the other copy of this module (geostance's own and the wheel's may both be
            # imported in one process); they are the same code, so the first registration serves both.
            pass


_register()
