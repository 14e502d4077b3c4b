"""Span → token alignment, done once, at build time, with spaCy's tokenizer and `Doc.char_span` semantics.

spaCy drops a span that does not sit on token boundaries with only a warning (W030). Here every span is accounted
for: a few rules of ours run around `Doc.char_span(start, end, alignment_mode=...)`, and each span ends up taken as
given, adjusted or dropped, counted and (unless taken as given) listed with its text and reason in the
`AlignmentReport`:

1. dropped before alignment: an unknown label, offsets that are not integers inside the text, an empty or
   whitespace-only span;
2. leading or trailing whitespace is trimmed (dropped under the `drop` policy);
3. `Doc.char_span` with the policy's alignment mode: `expand` grows the span to every token it touches,
   `contract` shrinks it to the tokens wholly inside it, `drop` (spaCy's `strict`) keeps only spans already on
   token boundaries;
4. an entity neither starts nor ends with a whitespace token (spaCy makes one of extra whitespace, "a  b"):
   contracting can leave one at an edge, which is trimmed;
5. overlaps and duplicates are resolved in token space: the longer span wins, then the earlier one, then the one
   given first.

The kept spans become BIO tags (ids into `bio_tag_names`) and character spans on token boundaries; the NER
trainer builds its Docs from these tokens and tags and aligns nothing itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from geostance.dataset.records import NerRecord, RawSpan
from geostance.errors import InputError


class AlignPolicy(StrEnum):
    """What happens to a span whose edges fall inside tokens."""

    expand = "expand"  # grow to the smallest token run that covers it
    contract = "contract"  # shrink to the largest token run inside it (dropped when none)
    drop = "drop"  # drop it

    @property
    def alignment_mode(self) -> str:
        """The `Doc.char_span` alignment mode with this behaviour."""
        return "strict" if self is AlignPolicy.drop else self.value


@dataclass
class AlignmentReport:
    """Counts of every span and one item per span not taken exactly as given."""

    policy: str
    units: int = 0
    tokens: int = 0
    spans_in: int = 0
    spans_exact: int = 0
    spans_kept: int = 0
    counts: Counter = field(default_factory=Counter)  # (kind, action) → n
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, kind: str, action: str, record: NerRecord, span: RawSpan, reason: str, new: tuple[int, int] | None = None
    ) -> None:
        self.counts[(kind, action)] += 1
        text = record.text
        start, end = span.start, span.end
        item: dict[str, Any] = {
            "kind": kind,
            "action": action,
            "id": record.id,
            "unit_id": record.unit_id,
            "origin": record.origin,
            "start": start,
            "end": end,
            "label": span.label,
            "reason": reason,
        }
        if _is_offset(start) and _is_offset(end) and 0 <= start <= end <= len(text):
            item["text"] = text[start:end]
        if new is not None:
            item["new_start"], item["new_end"] = new
            item["new_text"] = text[new[0] : new[1]]
        self.items.append(item)

    @property
    def problems(self) -> int:
        """Spans not taken exactly as given (adjusted or dropped)."""
        return sum(self.counts.values())

    def summary(self) -> dict[str, Any]:
        by_kind: dict[str, dict[str, int]] = {}
        for (kind, action), n in sorted(self.counts.items()):
            by_kind.setdefault(kind, {})[action] = n
        return {
            "policy": self.policy,
            "units": self.units,
            "tokens": self.tokens,
            "spans_in": self.spans_in,
            "spans_exact": self.spans_exact,
            "spans_kept": self.spans_kept,
            "spans_adjusted": sum(n for (_, a), n in self.counts.items() if a != "dropped"),
            "spans_dropped": sum(n for (_, a), n in self.counts.items() if a == "dropped"),
            "issues": by_kind,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary(), "items": self.items}


@dataclass
class AlignedUnit:
    """One unit on tokens: the token texts, a BIO tag id per token and the kept spans, sorted, as
    (start char, end char, label id) on token boundaries."""

    tokens: list[str]
    tags: list[int]
    spans: list[tuple[int, int, int]]


@dataclass(slots=True)
class _Candidate:
    """A span that passed the checks, on tokens `first..last`; `adjustment` is None when it is exact, else the
    report entry it gets if it survives the overlap check (a span is counted once: kept or dropped)."""

    first: int
    last: int
    label_id: int
    order: int
    span: RawSpan
    adjustment: tuple[str, str, str, tuple[int, int]] | None


@dataclass
class _Tokens:
    """A Doc's token character offsets and which tokens are whitespace, as plain lists."""

    starts: list[int]
    ends: list[int]
    spaces: list[int]


def _is_offset(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Aligner:
    """Aligns batches of `NerRecord`s (tokenised together by `tokenizer.pipe`) and counts into `report`."""

    def __init__(
        self, tokenizer: Any, entity_labels: Sequence[str], policy: AlignPolicy, report: AlignmentReport
    ) -> None:
        self.tokenizer = tokenizer
        self.label_ids = {name: i for i, name in enumerate(entity_labels)}
        self.labels = list(entity_labels)
        self.policy = AlignPolicy(policy)
        self._mode = self.policy.alignment_mode
        self.report = report

    def align(self, records: Sequence[NerRecord]) -> list[AlignedUnit]:
        return [self.align_doc(record, doc) for record, doc in zip(records, self._docs(records), strict=True)]

    def _docs(self, records: Sequence[NerRecord]) -> Iterator[Any]:
        """A Doc per record: tokenised, or built from the record's own tokens (CoNLL keeps what it was given)."""
        from spacy.tokens import Doc

        raw = self.tokenizer.pipe(r.text for r in records if r.tokens is None)
        for record in records:
            if record.tokens is None:
                yield next(raw)
                continue
            n = len(record.tokens)
            doc = Doc(self.tokenizer.vocab, words=record.tokens, spaces=[True] * (n - 1) + [False] * (n > 0))
            if doc.text != record.text:
                raise InputError(record.origin, "the given tokens joined by spaces are not the text")
            yield doc

    def align_doc(self, record: NerRecord, doc: Any) -> AlignedUnit:
        from spacy.attrs import IDX, IS_SPACE, LENGTH

        # Token offsets as plain ints, read in one call: cheaper than a Token object per token.
        columns = doc.to_array([IDX, LENGTH, IS_SPACE]).reshape(-1, 3)
        starts = columns[:, 0]
        tokens = _Tokens(starts.tolist(), (starts + columns[:, 1]).tolist(), columns[:, 2].tolist())
        candidates = []
        for order, span in enumerate(record.spans):
            self.report.spans_in += 1
            candidate = self._candidate(record, doc, tokens, span, order)
            if candidate is not None:
                candidates.append(candidate)
        kept = self._resolve_overlaps(record, tokens, candidates)
        tags = [0] * len(doc)
        spans = []
        for first, last, label_id in kept:
            tags[first] = 1 + 2 * label_id
            tags[first + 1 : last + 1] = [2 + 2 * label_id] * (last - first)
            spans.append((tokens.starts[first], tokens.ends[last], label_id))
        self.report.units += 1
        self.report.tokens += len(doc)
        self.report.spans_kept += len(kept)
        text = record.text
        return AlignedUnit([text[s:e] for s, e in zip(tokens.starts, tokens.ends, strict=True)], tags, spans)

    def _candidate(self, record: NerRecord, doc: Any, tokens: _Tokens, span: RawSpan, order: int) -> _Candidate | None:
        """Rules 1-4 of the module docstring for one span: its token run, or None when dropped (and reported)."""
        report, text = self.report, record.text
        start, end, label = span.start, span.end, span.label
        if label not in self.label_ids:
            report.add("unknown_label", "dropped", record, span, f"label {label!r} is not one of {sorted(self.labels)}")
            return None
        if not (_is_offset(start) and _is_offset(end)) or start < 0 or end > len(text):
            report.add("out_of_range", "dropped", record, span, f"offsets must be integers within 0..{len(text)}")
            return None
        surface = text[start:end]
        stripped = surface.strip()
        if not stripped:
            report.add("empty", "dropped", record, span, "span is empty or only whitespace")
            return None
        trimmed = surface != stripped
        if trimmed:
            if self.policy is AlignPolicy.drop:
                report.add(
                    "whitespace", "dropped", record, span, "span has leading or trailing whitespace (policy drop)"
                )
                return None
            start += len(surface) - len(surface.lstrip())
            end = start + len(stripped)
        on_tokens = doc.char_span(start, end, alignment_mode=self._mode)
        inside = " (after trimming whitespace)" if trimmed else ""
        if on_tokens is None and self.policy is AlignPolicy.drop:
            report.add("misaligned", "dropped", record, span, f"span edge falls inside a token{inside} (policy drop)")
            return None
        first, last = (on_tokens.start, on_tokens.end - 1) if on_tokens is not None else (0, -1)
        while first <= last and tokens.spaces[first]:
            first += 1
        while last >= first and tokens.spaces[last]:
            last -= 1
        if first > last:
            report.add(
                "no_token", "dropped", record, span, f"no whole token inside the span (policy {self.policy.value})"
            )
            return None
        new = (tokens.starts[first], tokens.ends[last])
        adjustment: tuple[str, str, str, tuple[int, int]] | None = None
        if new != (start, end):
            action = "expanded" if self.policy is AlignPolicy.expand else "contracted"
            adjustment = ("misaligned", action, f"span edge falls inside a token{inside}", new)
        elif trimmed:
            adjustment = ("whitespace", "trimmed", "span has leading or trailing whitespace", new)
        return _Candidate(first, last, self.label_ids[label], order, span, adjustment)

    def _resolve_overlaps(
        self, record: NerRecord, tokens: _Tokens, candidates: list[_Candidate]
    ) -> list[tuple[int, int, int]]:
        """Rule 5: (first token, last token, label id) of the kept spans, sorted; the others are reported."""
        kept: list[tuple[int, int, int]] = []
        seen: set[tuple[int, int, int]] = set()
        taken = [False] * len(tokens.starts)
        for c in sorted(candidates, key=lambda c: (c.first - c.last, c.first, c.order)):
            key = (c.first, c.last, c.label_id)
            if key in seen:
                self.report.add("duplicate", "dropped", record, c.span, "the same span twice")
                continue
            seen.add(key)
            if any(taken[c.first : c.last + 1]):
                other = next(k for k in kept if k[0] <= c.last and c.first <= k[1])
                winner = record.text[tokens.starts[other[0]] : tokens.ends[other[1]]]
                self.report.add(
                    "overlap",
                    "dropped",
                    record,
                    c.span,
                    f"overlaps a longer or earlier span {winner!r} ({self.labels[other[2]]})",
                )
                continue
            taken[c.first : c.last + 1] = [True] * (c.last - c.first + 1)
            kept.append((c.first, c.last, c.label_id))
            if c.adjustment is None:
                self.report.spans_exact += 1
            else:
                kind, action, reason, new = c.adjustment
                self.report.add(kind, action, record, c.span, reason, new=new)
        return sorted(kept)
