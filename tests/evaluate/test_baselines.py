from geostance.evaluate.baselines import LookupNer, majority_per_target


def test_lookup_baseline_longest_match_word_boundaries_majority_label():
    lookup = LookupNer(
        ["North Korea and Korea", "Korea", "Korea"],
        [[(0, 11, "GPE"), (16, 21, "LOC")], [(0, 5, "GPE")], [(0, 5, "GPE")]],
    )
    assert lookup.lexicon == {"North Korea": "GPE", "Korea": "GPE"}
    assert lookup("In North Korea, Koreans met Korea.") == [(3, 14, "GPE"), (28, 33, "GPE")]
    assert LookupNer([], [])("anything") == []


def test_lookup_ties_go_to_the_first_label_by_name():
    assert LookupNer(["Jordan", "Jordan"], [[(0, 6, "PERSON")], [(0, 6, "GPE")]]).lexicon == {"Jordan": "GPE"}


def test_majority_per_target():
    m = majority_per_target(["a", "a", "a", "b"], ["FAVOR", "NONE", "NONE", "AGAINST"])
    assert m == {"a": "NONE", "b": "AGAINST", "": "NONE"}
