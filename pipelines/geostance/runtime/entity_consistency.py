"""Document-level label consistency for predicted entities: a spaCy component with no weights.

A name is usually the same kind of thing everywhere in one article, and later mentions are often short forms of
earlier ones ("Peter Blackburn" … "Blackburn"). The statistical NER decides each mention from a few tokens of
context, so it sometimes tags one mention ORG and the next PER, or misses a repeat. Harmonising over the article
(Chieu & Ng 2003 and Florian et al. 2003 used the same evidence as features) fixes three things:

- **majority**: a mention whose text is tagged with another label more often in the article takes that label;
- **repeat**: an untagged, capitalised repeat of a tagged text gets the text's label;
- **surname**: the last word of a multi-word person name, repeated alone, is tagged as a person (labels in
  `person_labels`: CoNLL's PER, OntoNotes' PERSON).

The group is one Doc when the component runs in a pipeline; `harmonise` takes several Docs (the sentences of an
article) for callers that hold them separately. Every change is returned as an `EntityChange`, and also kept on
the Doc's `user_data[CHANGES_KEY]`, so nothing is altered silently.

Self-contained (spaCy only): `geostance package` copies this module into the model wheel. No `from __future__ import
annotations` here: spaCy imports a wheel's code files outside `sys.modules`, where dataclasses cannot resolve string
annotations.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

FACTORY_NAME = "geostance_entity_consistency"
CHANGES_KEY = "geostance_entity_changes"

Mention = tuple[int, int, str]  # token start, token end (exclusive), label


@dataclass(frozen=True)
class EntityChange:
    doc: int  # index of the Doc in the group
    start: int  # token offsets
    end: int
    text: str
    before: str | None  # None: the span was not an entity
    after: str
    reason: str  # "majority" | "repeat" | "surname"


def _is_name_like(words: tuple[str, ...]) -> bool:
    """Only capitalised texts of two or more characters are propagated: repeats of 'a' or 'the' are not names."""
    return words[0][:1].isupper() and sum(len(w) for w in words) >= 2


def harmonise_entities(
    words: Sequence[Sequence[str]],
    ents: Sequence[Sequence[Mention]],
    *,
    propagate: bool = True,
    surnames: bool = True,
    person_labels: Sequence[str] = ("PER", "PERSON"),
) -> tuple[list[list[Mention]], list[EntityChange]]:
    """Entities of a group of documents (one article) made consistent; returns the new entities and the changes.

    `words[i]` are the token texts of document i, `ents[i]` its entities as (start, end, label) token offsets."""
    counts: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for doc_words, doc_ents in zip(words, ents, strict=True):
        for start, end, label in doc_ents:
            counts[tuple(doc_words[start:end])][label] += 1

    def majority(key: tuple[str, ...]) -> str:
        # most_common keeps first-seen order on ties, so a tie never changes a label
        return counts[key].most_common(1)[0][0]

    out: list[list[Mention]] = []
    changes: list[EntityChange] = []
    for i, (doc_words, doc_ents) in enumerate(zip(words, ents, strict=True)):
        kept = []
        for start, end, label in doc_ents:
            key = tuple(doc_words[start:end])
            best = majority(key)
            if counts[key][best] > counts[key][label]:
                changes.append(EntityChange(i, start, end, " ".join(key), label, best, "majority"))
                label = best
            kept.append((start, end, label))
        out.append(kept)
    if not propagate:
        return out, changes

    # texts to look for: every tagged text, plus the surnames of multi-word person names
    wanted: dict[tuple[str, ...], tuple[str, str]] = {key: (majority(key), "repeat") for key in counts}
    if surnames:
        for key in list(counts):
            if len(key) > 1 and majority(key) in person_labels and (key[-1],) not in wanted:
                wanted[(key[-1],)] = (majority(key), "surname")
    ordered = sorted((k for k in wanted if _is_name_like(k)), key=lambda k: (-len(k), k))  # longest first
    for i, doc_words in enumerate(words):
        taken = [False] * len(doc_words)
        for start, end, _ in out[i]:
            taken[start:end] = [True] * (end - start)
        for key in ordered:
            n = len(key)
            for start in range(len(doc_words) - n + 1):
                if tuple(doc_words[start : start + n]) == key and not any(taken[start : start + n]):
                    label, reason = wanted[key]
                    out[i].append((start, start + n, label))
                    changes.append(EntityChange(i, start, start + n, " ".join(key), None, label, reason))
                    taken[start : start + n] = [True] * n
        out[i].sort()
    return out, changes


class EntityConsistency:
    """Pipeline component: harmonises the entities within each Doc (see the module docstring)."""

    def __init__(self, nlp: Any, name: str, propagate: bool, surnames: bool, person_labels: list[str]) -> None:
        self.name = name
        self.propagate = propagate
        self.surnames = surnames
        self.person_labels = list(person_labels)

    def __call__(self, doc: Any) -> Any:
        self.harmonise([doc])
        return doc

    def harmonise(self, docs: Sequence[Any]) -> list[EntityChange]:
        """Harmonise the entities of several Docs as one group (e.g. the sentences of one article), in place."""
        from spacy.tokens import Span

        words = [[t.text for t in doc] for doc in docs]
        ents = [[(e.start, e.end, e.label_) for e in doc.ents] for doc in docs]
        new_ents, changes = harmonise_entities(
            words, ents, propagate=self.propagate, surnames=self.surnames, person_labels=self.person_labels
        )
        for i, doc in enumerate(docs):
            mine = [asdict(c) for c in changes if c.doc == i]
            if mine:
                doc.ents = [Span(doc, start, end, label=label) for start, end, label in new_ents[i]]
                doc.user_data.setdefault(CHANGES_KEY, []).extend(mine)
        return changes


def make_entity_consistency(
    nlp: Any, name: str, propagate: bool, surnames: bool, person_labels: list[str]
) -> EntityConsistency:
    return EntityConsistency(nlp, name, propagate, surnames, person_labels)


def _register() -> None:
    from spacy.language import Language

    try:
        Language.factory(
            FACTORY_NAME,
            default_config={"propagate": True, "surnames": True, "person_labels": ["PER", "PERSON"]},
            assigns=["doc.ents"],
            requires=["doc.ents"],
        )(make_entity_consistency)
    except ValueError:
        # Already registered by the other copy of this module (geostance's own and the wheel's may both be
        # imported in one process); they are the same code, so the first registration serves both.
        pass


_register()
