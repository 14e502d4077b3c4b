import pytest

from geostance.dataset.adjudicate import UnitVotes
from geostance.dataset.agreement import agreement_heatmap_png, agreement_markdown, compute_agreement


def _units():
    return [
        UnitVotes(
            "u1",
            ["a", "b"],
            spans={"a": {(0, 3, "PERSON"), (5, 9, "GPE")}, "b": {(0, 3, "PERSON"), (5, 8, "GPE"), (10, 12, "ORG")}},
            stances={"a": {"alliance": "FAVOR"}, "b": {"alliance": "FAVOR"}},
        ),
        UnitVotes("u2", ["a", "b"], spans={}, stances={"a": {"alliance": "AGAINST"}, "b": {"alliance": "FAVOR"}}),
        UnitVotes("u3", ["a", "b"], spans={}, stances={"a": {"alliance": "NONE"}, "b": {"alliance": "NONE"}}),
        UnitVotes("u4", ["a"], spans={"a": {(0, 1, "ORG")}}, stances={"a": {"alliance": "NONE"}}),
    ]


def test_compute_agreement_two_annotators():
    result = compute_agreement(
        _units(), ["b", "a"], ["alliance", "sanctions"], ["FAVOR", "AGAINST", "NONE"], ["PERSON", "GPE", "ORG"]
    )
    # alliance over u1..u3: a = F A N, b = F F N: p_o 2/3, p_e (1·2 + 1·0 + 1·1)/9 = 3/9 → κ = (6 − 3)/(9 − 3)
    assert result["stance"]["alliance"]["cohen_kappa"] == pytest.approx(0.5)
    assert result["stance"]["sanctions"]["cohen_kappa"] is None
    ent = result["entities"]["a|b"]
    # PERSON 1 match of 1 and 1; GPE 0 of 1 and 1; ORG 0 of 0 and 1; micro 2·1/(2 + 3); u4 has one annotator
    assert ent["per_label"]["PERSON"]["f1"] == 1.0 and ent["per_label"]["GPE"]["f1"] == 0.0
    assert ent["per_label"]["ORG"]["f1"] == 0.0 and ent["micro_f1"] == pytest.approx(0.4)
    kinds = sorted((d["kind"], d["unit_id"]) for d in result["disagreements"])
    assert kinds == [("span", "u1"), ("span", "u1"), ("span", "u1"), ("stance", "u2")]
    # overlapping spans: GPE 5–9 and 5–8 now agree; a: 2 of 2 matched, b: 2 of 3 → F1 2·1·(2/3)/(1 + 2/3) = 0.8
    assert ent["per_label"]["GPE"]["overlap_f1"] == 1.0 and ent["overlap_micro_f1"] == pytest.approx(0.8)
    # "no label" as a category over u1..u3: sanctions is "no label" for both everywhere (κ undefined); alliance
    # is the 3×3 case above with no "no label" cells
    absent = result["stance"]["alliance"]["with_no_label"]
    assert absent["units"] == 3 and absent["kappa_with_no_label"] == pytest.approx(0.5)
    assert absent["confusion"][0] == [1, 0, 0, 0] and absent["confusion"][1] == [1, 0, 0, 0]
    md = agreement_markdown(result)
    assert "| alliance | 4 | 0.500 |" in md and "u2" in md and "no label" in md
    assert agreement_heatmap_png(result)[:4] == b"\x89PNG"


def test_none_against_no_label_lowers_kappa_with_no_label_only():
    units = [
        UnitVotes(f"u{i}", ["a", "b"], stances={"a": {"alliance": lab}, "b": {"alliance": lab}})
        for i, lab in enumerate(["FAVOR", "AGAINST", "NONE", "FAVOR"])
    ]
    units.append(UnitVotes("u9", ["a", "b"], stances={"a": {"alliance": "NONE"}, "b": {}}))
    e = compute_agreement(units, ["a", "b"], ["alliance"], ["FAVOR", "AGAINST", "NONE"], [])["stance"]["alliance"]
    assert e["cohen_kappa"] == 1.0  # the unit b left unlabelled is not among those both labelled
    assert e["with_no_label"]["kappa_with_no_label"] < 1.0
    assert e["with_no_label"]["confusion"][2][3] == 1  # a: NONE, b: no label


def test_three_annotators_get_fleiss_kappa_pairwise_means_and_per_pair_spans():
    units = [
        UnitVotes(
            f"u{i}",
            ["a", "b", "c"],
            spans={"a": {(0, 3, "ORG")}, "b": {(0, 3, "ORG")}, "c": set()},
            stances={"a": {"t": a}, "b": {"t": b}, "c": {"t": c}},
        )
        for i, (a, b, c) in enumerate([("F", "F", "F"), ("F", "F", "A"), ("A", "A", "N")])
    ]
    result = compute_agreement(units, ["c", "a", "b"], ["t"], ["F", "A", "N"], ["ORG"])
    entry = result["stance"]["t"]
    # the items of the Fleiss hand case in tests/test_metrics.py: κ = 10/46; α = 14/46
    assert entry["fleiss_kappa"] == round(10 / 46, 6) and entry["fleiss_units"] == 3
    assert entry["krippendorff_alpha"] == round(14 / 46, 6) and "cohen_kappa" not in entry
    assert entry["pairwise_cohen_kappa"]["a|b"] == {"kappa": 1.0, "units": 3}
    assert result["pairwise"]["stance_mean_kappa"]["a|b"] == 1.0
    # a and b agree on every span; c marked none: F1 0 against each of them
    assert result["pairwise"]["entity_micro_f1"] == {"a|b": 1.0, "a|c": 0.0, "b|c": 0.0}
    assert result["entities"]["a|c"]["per_label"]["ORG"] == {"f1": 0.0, "overlap_f1": 0.0, "matches": 0, "a": 3, "c": 0}
    assert sum(d["kind"] == "span" for d in result["disagreements"]) == 3


def test_a_pair_without_spans_has_no_entity_f1():
    units = [UnitVotes("u1", ["a", "b"], spans={}, stances={"a": {"t": "F"}, "b": {"t": "F"}})]
    result = compute_agreement(units, ["a", "b"], ["t"], ["F", "A"], ["ORG"])
    assert result["entities"]["a|b"] == {
        "micro_f1": None,
        "overlap_micro_f1": None,
        "per_label": {"ORG": {"f1": None, "matches": 0, "a": 0, "b": 0}},
    }
    assert result["stance"]["t"]["cohen_kappa"] is None  # one label only: κ undefined
