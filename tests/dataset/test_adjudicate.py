import pytest

from geostance.dataset.adjudicate import UnitVotes, adjudicate, parse_decisions
from geostance.errors import InputError


def test_majority_ties_minorities_and_single_annotator():
    units = [
        UnitVotes(
            "u1",
            ["a", "b", "c"],
            spans={"a": {(0, 3, "GPE")}, "b": {(0, 3, "GPE")}, "c": {(0, 4, "GPE")}},
            stances={"a": {"alliance": "FAVOR"}, "b": {"alliance": "AGAINST"}, "c": {"alliance": "NONE"}},
        ),
        UnitVotes(
            "u2",
            ["a", "b"],
            spans={"a": {(1, 2, "ORG")}},
            stances={"a": {"sanctions": "FAVOR"}, "b": {"sanctions": "FAVOR"}},
        ),
        UnitVotes("u3", ["a"], spans={"a": {(5, 9, "LOC")}}, stances={"a": {"trilateral": "NONE"}}),
    ]
    gold, summary = adjudicate(units)
    g = {x.unit_id: x for x in gold}
    assert g["u1"].spans == [(0, 3, "GPE")] and g["u1"].stances == {}  # 3-way stance tie
    assert g["u2"].spans == [] and g["u2"].stances == {"sanctions": "FAVOR"}  # span 1/2: tie
    assert g["u3"].spans == [(5, 9, "LOC")] and g["u3"].stances == {"trilateral": "NONE"}
    assert sorted((t["unit_id"], t["kind"]) for t in summary.ties) == [("u1", "stance"), ("u2", "span")]
    assert summary.counts["span: majority"] == 1 and summary.counts["span: minority"] == 1
    assert summary.counts["stance: unanimous"] == 1 and summary.counts["span: single annotator"] == 1
    prov = {(p["kind"], p.get("start"), p.get("end")): p for p in g["u1"].provenance}
    assert prov[("span", 0, 3)]["by"] == ["a", "b"] and prov[("span", 0, 3)]["rule"] == "majority"
    assert prov[("span", 0, 4)]["by"] == ["c"] and not prov[("span", 0, 4)]["gold"]


def test_decisions_override_and_unused_are_reported():
    lines = [
        '{"unit_id": "u1", "kind": "span", "start": 0, "end": 4, "label": "GPE", "accept": true, "by": "lead"}',
        '{"unit_id": "u1", "kind": "span", "start": 0, "end": 3, "label": "GPE", "accept": false, "by": "lead"}',
        '{"unit_id": "u1", "kind": "stance", "target": "alliance", "label": "AGAINST", "by": "lead"}',
        '{"unit_id": "zz", "kind": "stance", "target": "alliance", "label": null, "by": "lead"}',
    ]
    decisions = parse_decisions(lines, "adj.jsonl")
    units = [
        UnitVotes(
            "u1",
            ["a", "b", "c"],
            spans={"a": {(0, 3, "GPE")}, "b": {(0, 3, "GPE")}, "c": {(0, 4, "GPE")}},
            stances={"a": {"alliance": "FAVOR"}, "b": {"alliance": "AGAINST"}, "c": {"alliance": "NONE"}},
        )
    ]
    (g,), summary = adjudicate(units, decisions)
    assert g.spans == [(0, 4, "GPE")] and g.stances == {"alliance": "AGAINST"}
    assert summary.ties == [] and summary.unused_decisions == ["adj.jsonl:4"]
    rules = {p["rule"] for p in g.provenance}
    assert "adjudicated by lead (accepted)" in rules and "adjudicated by lead (rejected)" in rules


@pytest.mark.parametrize(
    "line,needle",
    [
        ("not json", "bad JSON"),
        ('{"unit_id": "u", "kind": "span", "by": "x", "start": 0, "end": 1, "label": "GPE"}', "'accept'"),
        ('{"unit_id": "u", "kind": "vote", "by": "x"}', "'kind' must be"),
        ('{"unit_id": "u", "kind": "stance", "target": "t", "label": "F"}', "'by'"),
    ],
)
def test_bad_decision_lines(line, needle):
    with pytest.raises(InputError) as exc:
        parse_decisions(["", line], "adj.jsonl")
    assert exc.value.line == 2 and needle in exc.value.message
