import pytest
import spacy

from geostance.dataset.align import Aligner, AlignmentReport, AlignPolicy
from geostance.dataset.features import bio_tag_names
from geostance.dataset.records import NerRecord, RawSpan
from geostance.errors import InputError

LABELS = ["PERSON", "GPE", "ORG"]
TOKENIZER = spacy.blank("en").tokenizer


def run(texts_spans, policy=AlignPolicy.expand, tokens=None):
    """Rows like the build writes them (text, tokens, ner_tags, spans) and the report."""
    report = AlignmentReport(policy=policy.value)
    aligner = Aligner(TOKENIZER, LABELS, policy, report)
    recs = [
        NerRecord(f"u{i}", "a", f"a:p{i:03d}", text, [RawSpan(*s) for s in spans], f"f.jsonl:{i + 1}", tokens=tokens)
        for i, (text, spans) in enumerate(texts_spans)
    ]
    rows = [
        {"text": r.text, "tokens": u.tokens, "ner_tags": u.tags, "spans": u.spans}
        for r, u in zip(recs, aligner.align(recs), strict=True)
    ]
    return rows, report


def spans_of(row):
    return [(row["text"][s:e], LABELS[lab]) for s, e, lab in row["spans"]]


def test_exact_spans_give_bio_tags_and_round_trip_with_emoji_and_crlf():
    text = "Kim 🙂 met Putin\r\nin Pyongyang 🇰🇵."
    rows, report = run([(text, [(0, 3, "PERSON"), (10, 15, "PERSON"), (20, 29, "GPE")])])
    row = rows[0]
    assert spans_of(row) == [("Kim", "PERSON"), ("Putin", "PERSON"), ("Pyongyang", "GPE")]
    doc = spacy.blank("en")(text)
    assert row["tokens"] == [t.text for t in doc]
    tag_names = bio_tag_names(LABELS)
    tags = [tag_names[t] for t in row["ner_tags"]]
    assert tags[row["tokens"].index("Kim")] == "B-PERSON"
    assert tags[row["tokens"].index("Pyongyang")] == "B-GPE"
    assert tags.count("O") == len(tags) - 3
    assert report.spans_exact == 3 and report.problems == 0


def test_multi_token_span_gets_b_then_i():
    rows, _ = run([("The United Nations met.", [(4, 18, "ORG")])])
    assert rows[0]["ner_tags"] == [0, 5, 6, 0, 0]


@pytest.mark.parametrize(
    "policy,expected,action",
    [
        (AlignPolicy.expand, [("Pyongyang", "GPE")], "expanded"),
        (AlignPolicy.contract, [], "dropped"),
        (AlignPolicy.drop, [], "dropped"),
    ],
)
def test_policy_on_span_inside_a_token(policy, expected, action):
    rows, report = run([("to Pyongyang now", [(3, 8, "GPE")])], policy)
    assert spans_of(rows[0]) == expected
    (item,) = report.items
    assert item["action"] == action and item["text"] == "Pyong"
    assert item["kind"] == ("misaligned" if action != "dropped" or policy is AlignPolicy.drop else "no_token")


def test_contract_keeps_whole_tokens_inside():
    rows, report = run([("the Korean Peninsula's coast", [(4, 21, "GPE")])], AlignPolicy.contract)
    assert spans_of(rows[0]) == [("Korean Peninsula", "GPE")]
    assert report.items[0]["new_text"] == "Korean Peninsula"


def test_whitespace_spans_are_trimmed_under_expand_and_listed():
    rows, report = run([("in  Seoul today", [(2, 9, "GPE")])])
    assert spans_of(rows[0]) == [("Seoul", "GPE")]
    assert report.items[0]["kind"] == "whitespace" and report.items[0]["new_text"] == "Seoul"


def test_bad_spans_are_dropped_and_listed_never_silently():
    text = "Putin met Kim in Moscow."
    rows, report = run(
        [
            (
                text,
                [
                    (0, 5, "PERSON"),
                    (0, 5, "PERSON"),
                    (0, 9, "ORG"),
                    (3, 3, "GPE"),
                    (20, 99, "GPE"),
                    (17, 23, "CITY"),
                    (-1, 2, "GPE"),
                    (17, 23, "GPE"),
                ],
            )
        ]
    )
    assert spans_of(rows[0]) == [("Putin met", "ORG"), ("Moscow", "GPE")]
    kinds = sorted((i["kind"], i["action"]) for i in report.items)
    assert kinds == [
        ("duplicate", "dropped"),
        ("empty", "dropped"),
        ("out_of_range", "dropped"),
        ("out_of_range", "dropped"),
        ("overlap", "dropped"),
        ("unknown_label", "dropped"),
    ]
    assert report.spans_in == 8 and report.spans_kept == 2
    assert all(i["origin"] == "f.jsonl:1" for i in report.items)


def test_pretokenized_records_keep_their_tokens():
    rows, report = run([("EU rejects German-made", [(0, 2, "ORG")])], tokens=["EU", "rejects", "German-made"])
    assert rows[0]["tokens"] == ["EU", "rejects", "German-made"]
    assert rows[0]["ner_tags"] == [5, 0, 0]


def test_batch_of_many_units_keeps_units_apart():
    texts = [("Seoul", [(0, 5, "GPE")]), ("", []), ("Tokyo and Seoul", [(10, 15, "GPE")]), ("x", [])]
    rows, report = run(texts)
    assert [r["tokens"] for r in rows] == [["Seoul"], [], ["Tokyo", "and", "Seoul"], ["x"]]
    assert [r["ner_tags"] for r in rows] == [[3], [], [0, 0, 3], [0]]
    assert report.units == 4 and report.tokens == 5


def test_fast_and_checked_records_mix_in_one_batch():
    texts = [
        ("Tokyo and Seoul", [(10, 15, "GPE"), (0, 5, "GPE")]),  # exact, given out of order
        ("to Pyongyang now", [(3, 8, "GPE")]),  # misaligned → expanded
        ("Kim met Putin", [(0, 3, "PERSON"), (0, 3, "PERSON")]),  # duplicate → one dropped
        ("The United Nations met", [(4, 18, "ORG")]),
    ]
    rows, report = run(texts)
    assert [spans_of(r) for r in rows] == [
        [("Tokyo", "GPE"), ("Seoul", "GPE")],
        [("Pyongyang", "GPE")],
        [("Kim", "PERSON")],
        [("United Nations", "ORG")],
    ]
    assert [r["ner_tags"] for r in rows] == [[3, 0, 3], [0, 3, 0], [1, 0, 0], [0, 5, 6, 0]]
    assert report.spans_in == 6 and report.spans_exact == 4 and report.spans_kept == 5  # the duplicate is dropped


def test_a_span_dropped_for_overlap_is_not_also_counted_as_exact():
    text = "Kim Jong Un met Putin"
    _, report = run([(text, [(0, 11, "PERSON"), (4, 8, "PERSON"), (16, 19, "PERSON")])])
    summary = report.summary()
    assert (summary["spans_in"], summary["spans_exact"], summary["spans_adjusted"], summary["spans_dropped"]) == (
        3,
        1,
        1,
        1,
    )
    assert summary["spans_kept"] == 2


def test_contract_leaves_whitespace_tokens_outside_the_entity():
    rows, report = run([("the Kim  regime", [(4, 11, "PERSON")])], AlignPolicy.contract)
    assert spans_of(rows[0]) == [("Kim", "PERSON")]
    assert report.items[0]["new_text"] == "Kim"


@pytest.mark.parametrize("policy", list(AlignPolicy))
def test_each_policy_is_char_span_with_its_alignment_mode(policy):
    text = "the Korean Peninsula's coast near Pyongyang"
    spans = [(4, 10, "GPE"), (11, 19, "ORG"), (11, 22, "ORG"), (34, 39, "GPE")]  # exact, inside, across, inside
    for given in spans:
        rows, _ = run([(text, [given])], policy)
        span = TOKENIZER(text).char_span(given[0], given[1], alignment_mode=policy.alignment_mode)
        assert spans_of(rows[0]) == ([] if span is None else [(span.text, given[2])])


def test_given_tokens_that_do_not_spell_the_text_are_refused():
    with pytest.raises(InputError, match=r"f\.jsonl:1: the given tokens joined by spaces are not the text"):
        run([("EU  rejects", [])], tokens=["EU", "rejects"])
