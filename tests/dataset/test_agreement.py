import pytest

from geostance.dataset.adjudicate import UnitVotes
from geostance.dataset.agreement import (agreement_heatmap_png, agreement_markdown, cohen_kappa, compute_agreement,
                                         fleiss_kappa, krippendorff_alpha)


def test_cohen_kappa_hand_computed():
    # p_o = 4/6, p_e = (3·1 + 2·3 + 1·2)/36 = 11/36 → κ = (24 − 11)/(36 − 11) = 13/25
    a = ["F", "F", "A", "A", "N", "F"]
    b = ["F", "A", "A", "A", "N", "N"]
    assert cohen_kappa(a, b) == pytest.approx(13 / 25)
    assert cohen_kappa(["F", "F"], ["F", "F"]) is None        # chance agreement 1: undefined
    assert cohen_kappa(["F", "A"], ["F", "A"]) == pytest.approx(1.0)


ITEMS = [["F", "F", "F"], ["F", "F", "A"], ["A", "A", "N"]]


def test_fleiss_kappa_hand_computed():
    # P_i = 1, 1/3, 1/3 → P̄ = 5/9; p_F,A,N = 5/9, 3/9, 1/9 → P̄e = 35/81; κ = (45 − 35)/(81 − 35) = 10/46
    assert fleiss_kappa(ITEMS) == pytest.approx(10 / 46)


def test_krippendorff_alpha_hand_computed():
    # coincidences: o_FF 4, o_FA = o_AF 1, o_AA 1, o_AN = o_NA 1; n_F 5, n_A 3, n_N 1, n 9
    # α = 1 − (n − 1)·Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k = 1 − 8·4 / 46 = 14/46
    matrix = [[item[r] for item in ITEMS] for r in range(3)]
    assert krippendorff_alpha(matrix, ["F", "A", "N"]) == pytest.approx(14 / 46)
    # missing values are allowed
    assert krippendorff_alpha([["F", None, "A"], ["F", "A", "A"]], ["F", "A", "N"]) == pytest.approx(1.0)


def _units():
    return [
        UnitVotes("u1", ["a", "b"], spans={"a": {(0, 3, "PERSON"), (5, 9, "GPE")},
                                           "b": {(0, 3, "PERSON"), (5, 8, "GPE"), (10, 12, "ORG")}},
                  stances={"a": {"alliance": "FAVOR"}, "b": {"alliance": "FAVOR"}}),
        UnitVotes("u2", ["a", "b"], spans={}, stances={"a": {"alliance": "AGAINST"}, "b": {"alliance": "FAVOR"}}),
        UnitVotes("u3", ["a", "b"], spans={}, stances={"a": {"alliance": "NONE"}, "b": {"alliance": "NONE"}}),
        UnitVotes("u4", ["a"], spans={"a": {(0, 1, "ORG")}}, stances={"a": {"alliance": "NONE"}}),
    ]


def test_compute_agreement_two_annotators():
    result = compute_agreement(_units(), ["b", "a"], ["alliance", "sanctions"], ["FAVOR", "AGAINST", "NONE"],
                               ["PERSON", "GPE", "ORG"])
    # alliance over u1..u3: a = F A N, b = F F N: p_o 2/3, p_e (1·2 + 1·0 + 1·1)/9 = 3/9 → κ = (6 − 3)/(9 − 3)
    assert result["stance"]["alliance"]["cohen_kappa"] == pytest.approx(0.5)
    assert result["stance"]["sanctions"]["cohen_kappa"] is None
    ent = result["entities"]["a|b"]
    # PERSON 1 match of 1 and 1; GPE 0 of 1 and 1; ORG 0 of 0 and 1; micro 2·1/(2 + 3); u4 has one annotator
    assert ent["per_label"]["PERSON"]["f1"] == 1.0 and ent["per_label"]["GPE"]["f1"] == 0.0
    assert ent["per_label"]["ORG"]["f1"] == 0.0 and ent["micro_f1"] == pytest.approx(0.4)
    kinds = sorted((d["kind"], d["unit_id"]) for d in result["disagreements"])
    assert kinds == [("span", "u1"), ("span", "u1"), ("span", "u1"), ("stance", "u2")]
    md = agreement_markdown(result)
    assert "| alliance | 4 | 0.500 |" in md and "u2" in md
    assert agreement_heatmap_png(result)[:4] == b"\x89PNG"
