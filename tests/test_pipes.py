import spacy

from geostance.pipes import pipes_made_by


def test_components_are_found_by_factory_whatever_their_names():
    nlp = spacy.blank("en")
    first = nlp.add_pipe("entity_ruler", name="rules_a")
    nlp.add_pipe("sentencizer")
    second = nlp.add_pipe("entity_ruler", name="rules_b")
    assert pipes_made_by(nlp, "entity_ruler") == [("rules_a", first), ("rules_b", second)]
    assert pipes_made_by(nlp, "ner") == []
