"""Span → token alignment that can be audited, done a batch at a time with array operations.

spaCy drops a span that does not sit on token boundaries with only a warning (W030). Here every span is checked:
out-of-range, empty, unknown-label, misaligned, overlapping and duplicate spans are each resolved by a declared
rule, counted, and listed with their text and reason in the `AlignmentReport`. Nothing disappears silently.

Speed: tokens are never turned into Python objects. Token offsets come from `Doc.to_array([IDX, LENGTH])`, the
token strings are cut out of the batch's UTF-8 buffer with numpy and handed to Arrow as buffers, and the BIO tags
are written into one integer array per batch. Only spans (a few per unit) are visited in Python.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import pyarrow as pa

from geostance.dataset.records import NerRecord


class AlignPolicy(str, Enum):
    """What to do with a span whose edges fall inside tokens."""

    expand = "expand"      # grow to the smallest token run that covers it
    contract = "contract"  # shrink to the largest token run inside it (dropped when none)
    strict = "strict"      # drop it


# Issue kinds, in report order. `adjusted` spans stay in the data with new offsets; the others are dropped.
ISSUE_KINDS = ("misaligned", "whitespace", "overlap", "duplicate", "empty", "out_of_range", "unknown_label",
               "no_token")


@dataclass
class AlignmentReport:
    policy: str
    units: int = 0
    tokens: int = 0
    spans_in: int = 0
    spans_exact: int = 0
    spans_kept: int = 0
    counts: Counter = field(default_factory=Counter)            # (kind, action) → n
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, action: str, record: NerRecord, start: Any, end: Any, label: Any, reason: str,
            new: tuple[int, int] | None = None) -> None:
        self.counts[(kind, action)] += 1
        text = record.text
        item: dict[str, Any] = {
            "kind": kind, "action": action, "id": record.id, "unit_id": record.unit_id, "origin": record.origin,
            "start": start, "end": end, "label": label, "reason": reason,
        }
        if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text):
            item["text"] = text[start:end]
        if new is not None:
            item["new_start"], item["new_end"] = new
            item["new_text"] = text[new[0]:new[1]]
        self.items.append(item)

    @property
    def problems(self) -> int:
        """Spans not taken exactly as given (adjusted or dropped)."""
        return sum(self.counts.values())

    def summary(self) -> dict[str, Any]:
        by_kind: dict[str, dict[str, int]] = {}
        for (kind, action), n in sorted(self.counts.items()):
            by_kind.setdefault(kind, {})[action] = n
        return {"policy": self.policy, "units": self.units, "tokens": self.tokens, "spans_in": self.spans_in,
                "spans_exact": self.spans_exact, "spans_kept": self.spans_kept,
                "spans_adjusted": sum(n for (k, a), n in self.counts.items() if a != "dropped"),
                "spans_dropped": sum(n for (k, a), n in self.counts.items() if a == "dropped"),
                "issues": by_kind}

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary(), "items": self.items}


def _char_to_byte(joined: str, data: bytes) -> np.ndarray | None:
    """Byte offset of every code point (plus the end), or None when the text is ASCII (offsets are equal)."""
    if len(data) == len(joined):
        return None
    arr = np.frombuffer(data, dtype=np.uint8)
    starts = np.flatnonzero((arr & 0xC0) != 0x80)
    return np.append(starts, len(data))


def _token_strings(data: bytes, byte_starts: np.ndarray, byte_ends: np.ndarray) -> pa.Array:
    """Arrow string array of data[s:e] for every token, built from buffers (no Python string per token)."""
    lengths = byte_ends - byte_starts
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    if total:
        gather = np.repeat(byte_starts - offsets[:-1], lengths) + np.arange(total, dtype=np.int64)
        buf = np.frombuffer(data, dtype=np.uint8)[gather].tobytes()
    else:
        buf = b""
    if total >= 2**31:
        raise ValueError("a batch's tokens exceed 2 GiB; use a smaller batch size")
    return pa.StringArray.from_buffers(len(lengths), pa.py_buffer(offsets.astype(np.int32).tobytes()),
                                       pa.py_buffer(buf))


class Aligner:
    """Turns batches of `NerRecord`s into Arrow record batches with the `ner` features' layout."""

    def __init__(self, tokenizer: Any, entity_labels: Sequence[str], policy: AlignPolicy,
                 report: AlignmentReport, schema: pa.Schema) -> None:
        self.tokenizer = tokenizer
        self.label_ids = {name: i for i, name in enumerate(entity_labels)}
        self.policy = AlignPolicy(policy)
        self.report = report
        self.schema = schema

    def _offsets(self, records: list[NerRecord]) -> list[np.ndarray]:
        """Per record an (n, 2) array of token (start, length) in characters."""
        from spacy.attrs import IDX, LENGTH

        out: list[np.ndarray | None] = [None] * len(records)
        raw = [i for i, r in enumerate(records) if r.tokens is None]
        if raw:
            for i, doc in zip(raw, self.tokenizer.pipe(records[i].text for i in raw)):
                arr = doc.to_array([IDX, LENGTH])
                out[i] = arr.reshape(-1, 2).astype(np.int64, copy=False)
        for i, r in enumerate(records):
            if r.tokens is not None:
                lengths = np.fromiter(map(len, r.tokens), dtype=np.int64, count=len(r.tokens))
                starts = np.zeros(len(lengths), dtype=np.int64)
                if len(lengths) > 1:
                    np.cumsum(lengths[:-1] + 1, out=starts[1:])
                out[i] = np.stack([starts, lengths], axis=1)
        return out  # type: ignore[return-value]

    def _align_span(self, record: NerRecord, starts: list[int], ends: list[int], span: Any
                    ) -> tuple[int, int, int, tuple | None] | None:
        """(first token, last token, label id, adjustment) of a span after the policy, or None when it is dropped
        (and reported). `adjustment` is None for a span taken exactly as given, else the report entry for it,
        reported only if the span survives the overlap check (a span is counted once: kept or dropped)."""
        report = self.report
        start, end, label = getattr(span, "start", None), getattr(span, "end", None), getattr(span, "label", None)
        text = record.text
        if label not in self.label_ids:
            report.add("unknown_label", "dropped", record, start, end, label,
                       f"label {label!r} is not one of {sorted(self.label_ids)}")
            return None
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) \
                or isinstance(end, bool) or start < 0 or end > len(text):
            report.add("out_of_range", "dropped", record, start, end, label,
                       f"offsets must be integers within 0..{len(text)}")
            return None
        if end <= start or not text[start:end].strip():
            report.add("empty", "dropped", record, start, end, label, "span is empty or only whitespace")
            return None
        given = (start, end)
        surface = text[start:end]
        trimmed = surface != surface.strip()
        if trimmed:
            if self.policy is AlignPolicy.strict:
                report.add("whitespace", "dropped", record, start, end, label,
                           "span has leading or trailing whitespace (policy strict)")
                return None
            start += len(surface) - len(surface.lstrip())
            end -= len(surface) - len(surface.rstrip())
        i = bisect_left(starts, start)
        j = bisect_right(ends, end) - 1
        if i < len(starts) and starts[i] == start and 0 <= j and ends[j] == end and i <= j:
            adjustment = None if not trimmed else (
                "whitespace", "trimmed", record, *given, label, "span has leading or trailing whitespace",
                (start, end))
            return i, j, self.label_ids[label], adjustment
        kind = "misaligned"
        reason = "span edge falls inside a token" + (" (after trimming whitespace)" if trimmed else "")
        if self.policy is AlignPolicy.strict:
            report.add(kind, "dropped", record, *given, label, reason + " (policy strict)")
            return None
        if self.policy is AlignPolicy.expand:
            i = bisect_right(ends, start)          # first token ending after the span start
            j = bisect_left(starts, end) - 1       # last token starting before the span end
        else:
            i = bisect_left(starts, start)         # first token starting at or after the span start
            j = bisect_right(ends, end) - 1        # last token ending at or before the span end
        # spaCy makes a token of extra whitespace ("a  b"): an entity neither starts nor ends with one.
        while i <= j and i < len(starts) and text[starts[i]:ends[i]].isspace():
            i += 1
        while j >= i and j >= 0 and text[starts[j]:ends[j]].isspace():
            j -= 1
        if i > j or i >= len(starts) or j < 0:
            report.add("no_token", "dropped", record, *given, label,
                       f"no whole token inside the span (policy {self.policy.value})")
            return None
        action = "expanded" if self.policy is AlignPolicy.expand else "contracted"
        return i, j, self.label_ids[label], (kind, action, record, *given, label, reason, (starts[i], ends[j]))

    def _account(self, adjustment: tuple | None) -> None:
        """Count a kept span: exact as given, or adjusted (listed)."""
        if adjustment is None:
            self.report.spans_exact += 1
        else:
            *args, new = adjustment
            self.report.add(*args, new=new)

    def _record_spans(self, record: NerRecord, starts: list[int], ends: list[int]) -> list[tuple[int, int, int]]:
        aligned = []
        for span in record.spans:
            self.report.spans_in += 1
            got = self._align_span(record, starts, ends, span)
            if got is not None:
                aligned.append((*got[:3], len(aligned), span, got[3]))
        # Overlaps are resolved in token space: the longer span wins, then the earlier one, then the one given first.
        kept: list[tuple[int, int, int]] = []
        taken = np.zeros(len(starts), dtype=bool)
        names = {v: k for k, v in self.label_ids.items()}
        seen: set[tuple[int, int, int]] = set()
        for i, j, lab, _, span, adjustment in sorted(aligned, key=lambda t: (-(t[1] - t[0]), t[0], t[3])):
            if (i, j, lab) in seen:
                self.report.add("duplicate", "dropped", record, span.start, span.end, names[lab],
                                "the same span twice")
                continue
            seen.add((i, j, lab))
            if taken[i:j + 1].any():
                other = next((k for k in kept if k[0] <= j and i <= k[1]), None)
                why = "overlaps a longer or earlier span"
                if other is not None:
                    why += f" {record.text[starts[other[0]]:ends[other[1]]]!r} ({names[other[2]]})"
                self.report.add("overlap", "dropped", record, span.start, span.end, names[lab], why)
                continue
            taken[i:j + 1] = True
            kept.append((i, j, lab))
            self._account(adjustment)
        kept.sort()
        return kept

    def batch(self, records: list[NerRecord]) -> pa.RecordBatch:
        offsets = self._offsets(records)
        n_tok = np.fromiter((len(a) for a in offsets), dtype=np.int64, count=len(records))
        tok_offsets = np.zeros(len(records) + 1, dtype=np.int64)
        np.cumsum(n_tok, out=tok_offsets[1:])
        texts = [r.text for r in records]
        char_base = np.zeros(len(records), dtype=np.int64)
        if len(records) > 1:
            np.cumsum(np.fromiter(map(len, texts[:-1]), dtype=np.int64, count=len(records) - 1), out=char_base[1:])
        all_offsets = np.concatenate(offsets) if len(records) else np.zeros((0, 2), dtype=np.int64)
        g_start = all_offsets[:, 0] + np.repeat(char_base, n_tok)
        g_end = g_start + all_offsets[:, 1]
        joined = "".join(texts)
        data = joined.encode("utf-8", "surrogatepass")
        c2b = _char_to_byte(joined, data)
        if c2b is not None:
            b_start, b_end = c2b[g_start], c2b[g_end]
        else:
            b_start, b_end = g_start, g_end
        tokens = _token_strings(data, b_start, b_end)

        n_rec = len(records)
        # Fast path, all in numpy: records whose spans all sit exactly on token edges, with known labels, inside
        # the text, without whitespace edges and without overlaps. Every other record goes through `_record_spans`,
        # which checks span by span and reports each case.
        label_ids = self.label_ids
        rec_of: list[int] = []
        sp_s: list[Any] = []
        sp_e: list[Any] = []
        sp_l: list[int] = []
        slow = np.zeros(n_rec, dtype=bool)
        for k, record in enumerate(records):
            spans = record.spans
            if not spans:
                continue
            text = record.text
            for span in spans:
                start, end, label = span[0], span[1], span[2]
                lab = label_ids.get(label, -1) if isinstance(label, str) else -1
                if (lab < 0 or type(start) is not int or type(end) is not int or not 0 <= start < end <= len(text)
                        or text[start].isspace() or text[end - 1].isspace()):
                    slow[k] = True
                    break
                rec_of.append(k)
                sp_s.append(start)
                sp_e.append(end)
                sp_l.append(lab)
        rec_arr = np.array(rec_of, dtype=np.int64)
        fast_ok = ~slow[rec_arr] if len(rec_arr) else np.zeros(0, dtype=bool)
        rec_arr = rec_arr[fast_ok]
        gs = np.array(sp_s, dtype=np.int64)[fast_ok] + char_base[rec_arr]
        ge = np.array(sp_e, dtype=np.int64)[fast_ok] + char_base[rec_arr]
        lab_arr = np.array(sp_l, dtype=np.int64)[fast_ok]
        ti = np.searchsorted(g_start, gs, side="left")
        tj = np.searchsorted(g_end, ge, side="right") - 1
        n_all = len(g_start)
        ok = (ti < n_all) & (tj >= 0) & (ti <= tj)
        ok &= g_start[np.minimum(ti, n_all - 1)] == gs if n_all else ok
        ok &= g_end[np.clip(tj, 0, max(n_all - 1, 0))] == ge if n_all else ok
        ok &= (ti >= tok_offsets[rec_arr]) & (tj < tok_offsets[rec_arr + 1])
        slow[rec_arr[~ok]] = True
        order = np.lexsort((ti, rec_arr))
        rec_arr, ti, tj, lab_arr = rec_arr[order], ti[order], tj[order], lab_arr[order]
        if len(rec_arr) > 1:     # overlaps and duplicates: some consecutive pair (by start) overlaps
            clash = (rec_arr[1:] == rec_arr[:-1]) & (ti[1:] <= tj[:-1])
            slow[rec_arr[1:][clash]] = True
        keep = ~slow[rec_arr] if len(rec_arr) else np.zeros(0, dtype=bool)
        rec_arr, ti, tj, lab_arr = rec_arr[keep], ti[keep], tj[keep], lab_arr[keep]
        self.report.spans_exact += len(rec_arr)
        self.report.spans_in += len(rec_arr)

        slow_rec: list[int] = []
        slow_i: list[int] = []
        slow_j: list[int] = []
        slow_l: list[int] = []
        for k in np.flatnonzero(slow).tolist():
            local = offsets[k]
            starts = local[:, 0].tolist()
            ends = (local[:, 0] + local[:, 1]).tolist()
            base = int(tok_offsets[k])
            for i, j, lab in self._record_spans(records[k], starts, ends):
                slow_rec.append(k)
                slow_i.append(base + i)
                slow_j.append(base + j)
                slow_l.append(lab)
        if slow_rec:
            rec_arr = np.concatenate([rec_arr, np.array(slow_rec, dtype=np.int64)])
            ti = np.concatenate([ti, np.array(slow_i, dtype=np.int64)])
            tj = np.concatenate([tj, np.array(slow_j, dtype=np.int64)])
            lab_arr = np.concatenate([lab_arr, np.array(slow_l, dtype=np.int64)])
            order = np.lexsort((ti, rec_arr))
            rec_arr, ti, tj, lab_arr = rec_arr[order], ti[order], tj[order], lab_arr[order]

        tags = np.zeros(n_all, dtype=np.int64)
        tags[ti] = 1 + 2 * lab_arr
        inner = tj - ti
        if inner.any():
            total = int(inner.sum())
            pos = np.repeat(ti + 1 - np.concatenate([[0], np.cumsum(inner)[:-1]]), inner) + np.arange(total)
            tags[pos] = np.repeat(2 + 2 * lab_arr, inner)
        span_counts = np.bincount(rec_arr, minlength=n_rec) if n_rec else np.zeros(0, dtype=np.int64)
        base_of = char_base[rec_arr]
        s_start = g_start[ti] - base_of if len(ti) else np.zeros(0, dtype=np.int64)
        s_end = g_end[tj] - base_of if len(tj) else np.zeros(0, dtype=np.int64)
        s_label = lab_arr
        self.report.units += n_rec
        self.report.tokens += int(tok_offsets[-1])
        self.report.spans_kept += len(s_label)

        tok_off32 = pa.array(tok_offsets.astype(np.int32))
        span_off = np.zeros(len(records) + 1, dtype=np.int32)
        np.cumsum(span_counts, out=span_off[1:])
        span_off_arr = pa.array(span_off)
        spans = pa.StructArray.from_arrays(
            [pa.ListArray.from_arrays(span_off_arr, pa.array(s_start.astype(np.int32))),
             pa.ListArray.from_arrays(span_off_arr, pa.array(s_end.astype(np.int32))),
             pa.ListArray.from_arrays(span_off_arr, pa.array(s_label.astype(np.int64)))],
            names=["start", "end", "label"])
        columns = [
            pa.array([r.id for r in records], pa.string()),
            pa.array([r.article_id for r in records], pa.string()),
            pa.array([r.unit_id for r in records], pa.string()),
            pa.array(texts, pa.string()),
            pa.ListArray.from_arrays(tok_off32, tokens),
            pa.ListArray.from_arrays(tok_off32, pa.array(tags)),
            spans,
        ]
        return pa.RecordBatch.from_arrays([c.cast(f.type) if c.type != f.type else c
                                           for c, f in zip(columns, self.schema)], schema=self.schema)
