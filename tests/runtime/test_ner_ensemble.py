import spacy

from geostance.runtime.ner_ensemble import STASH_FACTORY, VOTE_FACTORY, vote_spans


def test_vote_keeps_spans_with_a_strict_majority_of_exact_matches():
    a, b, c = (0, 2, "PER"), (3, 4, "ORG"), (3, 4, "LOC")
    assert vote_spans([[a, b], [a, c], [a, b]]) == [a, b]
    assert vote_spans([[a, b], [c]]) == []  # two members: both must agree
    assert vote_spans([[a], [a]]) == [a]
    assert vote_spans([[a, a], [], []]) == []  # a member's duplicate is one vote
    assert vote_spans([[(0, 3, "PER")], [a], [a]]) == [a]  # boundaries count: (0, 3) is another span


def test_stash_and_vote_components_combine_members_in_a_pipeline(tmp_path):
    nlp = spacy.blank("en")
    patterns = [
        [("Paris", "GPE"), ("Le Monde", "ORG")],
        [("Paris", "GPE"), ("Le Monde", "GPE")],
        [("Paris", "PERSON"), ("Le Monde", "ORG")],
    ]
    for i, member in enumerate(patterns):
        ruler = nlp.add_pipe("entity_ruler", name=f"ner_{i}")
        ruler.add_patterns([{"label": label, "pattern": text} for text, label in member])
        nlp.add_pipe(STASH_FACTORY, name=f"stash_{i}", config={"key": f"ner_{i}"})
    nlp.add_pipe(VOTE_FACTORY, name="ner_vote", config={"keys": ["ner_0", "ner_1", "ner_2"]})
    nlp.to_disk(tmp_path / "p")
    for pipeline in (nlp, spacy.load(tmp_path / "p")):
        doc = pipeline("Le Monde reported from Paris .")
        # every member predicted freely: the stash cleared the previous member's entities
        assert [[(s.text, s.label_) for s in doc.spans[f"ner_{i}"]] for i in range(3)] == [
            [("Le Monde", "ORG"), ("Paris", "GPE")],
            [("Le Monde", "GPE"), ("Paris", "GPE")],
            [("Le Monde", "ORG"), ("Paris", "PERSON")],
        ]
        assert [(e.text, e.label_) for e in doc.ents] == [("Le Monde", "ORG"), ("Paris", "GPE")]
        assert [t.ent_iob_ for t in doc] == ["B", "I", "O", "O", "B", "O"]
