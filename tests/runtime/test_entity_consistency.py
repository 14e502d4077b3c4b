import spacy
from spacy.tokens import Span

from geostance.runtime.entity_consistency import CHANGES_KEY, FACTORY_NAME, EntityChange, harmonise_entities


def words(*sentences: str) -> list[list[str]]:
    return [s.split() for s in sentences]


def test_majority_label_wins_and_a_tie_changes_nothing():
    w = words("Lazio beat Roma", "Lazio won", "Lazio said", "Roma lost")
    ents = [[(0, 1, "ORG"), (2, 3, "LOC")], [(0, 1, "ORG")], [(0, 1, "PER")], [(0, 1, "ORG")]]
    new, changes = harmonise_entities(w, ents, propagate=False)
    assert new == [[(0, 1, "ORG"), (2, 3, "LOC")], [(0, 1, "ORG")], [(0, 1, "ORG")], [(0, 1, "ORG")]]
    assert changes == [EntityChange(2, 0, 1, "Lazio", "PER", "ORG", "majority")]  # Roma: 1 LOC vs 1 ORG, a tie


def test_untagged_repeats_of_a_tagged_name_are_tagged_but_not_lower_case_words_or_overlaps():
    w = words("the New York Times said", "New York Times reporters and the editors", "in New York")
    ents = [[(1, 4, "ORG"), (0, 1, "MISC")], [], [(1, 3, "LOC")]]
    new, changes = harmonise_entities(w, ents, surnames=False)
    assert new[1] == [(0, 3, "ORG")]  # the repeat; "the" (tagged once) is not a name
    assert new[2] == [(1, 3, "LOC")]  # already tagged: left as it was
    assert [(c.doc, c.text, c.before, c.after, c.reason) for c in changes] == [
        (1, "New York Times", None, "ORG", "repeat")
    ]


def test_surname_of_a_multi_word_person_name_is_tagged_as_that_label():
    w = words("Peter Blackburn reports", "Blackburn said", "Kim Jong Un met Un")
    ents = [[(0, 2, "PER")], [], [(0, 3, "PERSON")]]
    new, changes = harmonise_entities(w, ents)
    assert new[1] == [(0, 1, "PER")]
    assert new[2] == [(0, 3, "PERSON"), (4, 5, "PERSON")]
    assert {c.reason for c in changes} == {"surname"}
    assert harmonise_entities(w, ents, surnames=False)[0][1] == []
    # a surname that is tagged as something else in the article keeps that label
    new, _ = harmonise_entities(words("Paul Smith", "Smith said", "Smith Ltd"), [[(0, 2, "PER")], [], [(0, 1, "ORG")]])
    assert new[1] == [(0, 1, "ORG")]


def test_without_propagation_only_labels_change():
    w = words("Peter Blackburn reports", "Blackburn said")
    assert harmonise_entities(w, [[(0, 2, "PER")], []], propagate=False) == ([[(0, 2, "PER")], []], [])


def test_component_harmonises_one_doc_in_a_pipeline_and_a_group_of_docs(tmp_path):
    nlp = spacy.blank("en")
    component = nlp.add_pipe(FACTORY_NAME, name="entity_consistency")
    doc = nlp.make_doc("Putin met Erdogan . Later Putin left .")
    doc.ents = [Span(doc, 0, 1, label="PERSON")]
    doc = component(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Putin", "PERSON"), ("Putin", "PERSON")]
    assert doc.user_data[CHANGES_KEY] == [
        {"doc": 0, "start": 5, "end": 6, "text": "Putin", "before": None, "after": "PERSON", "reason": "repeat"}
    ]

    first, second = nlp.make_doc("Angela Merkel spoke ."), nlp.make_doc("Merkel left .")
    first.ents = [Span(first, 0, 2, label="PERSON")]
    changes = component.harmonise([first, second])
    assert [(e.text, e.label_) for e in second.ents] == [("Merkel", "PERSON")]
    assert CHANGES_KEY not in first.user_data and len(second.user_data[CHANGES_KEY]) == len(changes) == 1

    # the component's settings travel with the pipeline's config
    nlp.to_disk(tmp_path / "p")
    reloaded = spacy.load(tmp_path / "p")
    assert reloaded.pipe_names == ["entity_consistency"]
    assert reloaded.get_pipe("entity_consistency").person_labels == ["PER", "PERSON"]
