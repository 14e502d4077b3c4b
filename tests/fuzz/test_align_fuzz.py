"""The aligner on random texts and spans: every span is accounted for exactly once, the report's counts add up,
and every kept span sits on token boundaries without whitespace at its edges."""

from __future__ import annotations

import spacy
from hypothesis import given
from hypothesis import strategies as st

from geostance.dataset.align import Aligner, AlignmentReport, AlignPolicy
from geostance.dataset.records import NerRecord, RawSpan
from tests.fuzz.strategies import fuzz_settings

LABELS = ["PERSON", "GPE", "ORG"]
TOKENIZER = spacy.blank("en").tokenizer
WORDS = st.sampled_from(
    [
        "Kim",
        "Jong",
        "Un",
        "met",
        "Putin",
        "in",
        "Pyongyang",
        "U.S.",
        "🇰🇵",
        "😀",
        "'s",
        "-",
        "(NATO)",
        "e.g.",
        "Seoul,",
        "Tōkyō",
        "1953",
    ]
)
SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\n", "\r\n", "\t", " \u00a0", ""])
TEXTS = st.lists(st.tuples(WORDS, SEPARATORS), max_size=12).map(lambda parts: "".join(w + s for w, s in parts))


@st.composite
def records(draw: st.DrawFn) -> list[NerRecord]:
    out = []
    for k in range(draw(st.integers(1, 4))):
        text = draw(TEXTS)
        tokens = [t.text for t in TOKENIZER(text) if not t.is_space] if draw(st.integers(0, 5)) == 0 else None
        if tokens is not None:
            text = " ".join(tokens)
        # Offsets on token edges most of the time (exact spans, overlapping and duplicate ones), else anywhere.
        doc = TOKENIZER(text)
        edges = sorted({t.idx for t in doc} | {t.idx + len(t) for t in doc}) or [0]
        offset = st.sampled_from(edges) | st.sampled_from(edges) | st.integers(-2, len(text) + 2)
        odd = st.sampled_from([None, "3", 2.0, True])
        spans = draw(
            st.lists(
                st.builds(RawSpan, offset | odd, offset | odd, st.sampled_from([*LABELS, LABELS[0], "CITY", None])),
                max_size=6,
            )
        )
        out.append(NerRecord(f"u{k}", "a", f"a:p{k:03d}", text, spans, f"f.jsonl:{k + 1}", tokens=tokens))
    return out


@fuzz_settings()
@given(batch=records(), policy=st.sampled_from(list(AlignPolicy)))
def test_the_report_accounts_for_every_span_once(batch, policy):
    report = AlignmentReport(policy=policy.value)
    aligner = Aligner(TOKENIZER, LABELS, policy, report)
    units = aligner.align(batch)
    summary = report.summary()
    given_spans = sum(len(r.spans) for r in batch)
    assert summary["spans_in"] == given_spans
    assert summary["spans_in"] == summary["spans_exact"] + summary["spans_adjusted"] + summary["spans_dropped"]
    assert summary["spans_kept"] == summary["spans_exact"] + summary["spans_adjusted"]
    assert len(report.items) == summary["spans_adjusted"] + summary["spans_dropped"]  # each one listed
    assert sum(len(unit.spans) for unit in units) == summary["spans_kept"]
    for record, unit in zip(batch, units, strict=True):
        edges = _token_edges(unit.tokens, record.text)
        for start, end, _ in unit.spans:
            surface = record.text[start:end]
            assert surface and surface == surface.strip(), (record.text, start, end)
            assert start in edges["starts"] and end in edges["ends"], (record.text, start, end)


def _token_edges(tokens: list[str], text: str) -> dict[str, set[int]]:
    starts, ends, position = set(), set(), 0
    for token in tokens:
        position = text.index(token, position)
        starts.add(position)
        position += len(token)
        ends.add(position)
    return {"starts": starts, "ends": ends}
