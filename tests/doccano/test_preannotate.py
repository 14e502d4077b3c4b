import json

import pytest
import spacy

from geostance.doccano.preannotate import preannotate, predict_with_spacy, project_texts
from geostance.doccano.push import push_units
from tests.doccano.conftest import ANNOTATORS, as_annotator
from tests.doccano.test_push import TEXTS, make_units


@pytest.fixture(scope="module")
def ruler_model(tmp_path_factory):
    """A real spaCy pipeline (blank:en + entity_ruler) saved to disk: the kind of directory --model takes."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "GPE", "pattern": "Pyongyang"},
            {"label": "PERSON", "pattern": "Putin"},
            {"label": "ORG", "pattern": "NATO"},
            {"label": "GPE", "pattern": "Tokyo"},
        ]
    )
    path = tmp_path_factory.mktemp("model") / "ruler"
    nlp.to_disk(path)
    return path


@pytest.mark.doccano
def test_preannotations_are_visible_to_the_annotator_and_marked_as_predictions(
    project_settings, admin, ruler_model, schema
):
    push_units(admin, make_units())
    pid = admin.project()["id"]
    bob = as_annotator(project_settings, ANNOTATORS[1])
    # bob labelled art:p002 himself already: his work is not overwritten
    p002 = next(e for e in bob.list_examples(pid) if e["meta"]["unit_id"] == "art:p002")
    org = next(t.id for t in bob.api.list_label_types(pid, "span") if t.text == "ORG")
    bob.api.create_span(pid, p002["id"], 0, 5, org)

    predictions = predict_with_spacy(ruler_model, project_texts(admin), schema)
    by_unit = {d.unit_id: d for d in predictions}
    pyongyang = TEXTS[0].index("Pyongyang")
    assert by_unit["art:p000"].entities == ((0, 5, "PERSON"), (pyongyang, pyongyang + 9, "GPE"))
    reports = preannotate(project_settings, predictions, ANNOTATORS)
    assert [r.user for r in reports] == ["ann_alice", "ann_bob"]
    assert reports[1].skipped_labelled == ["art:p002"] and reports[0].skipped_labelled == []

    for account in ANNOTATORS:  # each annotator sees the suggestions, through the same API the UI reads
        session = as_annotator(project_settings, account)
        p000 = next(e for e in session.list_examples(pid) if e["meta"]["unit_id"] == "art:p000")
        spans = session.api.list_spans(pid, p000["id"])
        # in UTF-16 units, as the UI counts: the flag emoji is 2 code points but 4 units
        assert sorted((s.start_offset, s.end_offset) for s in spans) == [(0, 5), (pyongyang + 2, pyongyang + 11)]
        assert all(s.prob > 0 for s in spans)
    # the admin posted nothing and sees nothing: labels are per user with collaborative mode off
    p000 = next(e for e in admin.list_examples(pid) if e["meta"]["unit_id"] == "art:p000")
    assert admin.api.list_spans(pid, p000["id"]) == []
    again = preannotate(project_settings, predictions, ANNOTATORS)
    assert all(r.spans_added == 0 for r in again)  # idempotent: every predicted example is labelled now
    bob_p002 = bob.api.list_spans(pid, p002["id"])
    assert [(s.start_offset, s.end_offset, s.prob) for s in bob_p002] == [(0, 5, 0.0)]


def test_predict_with_spacy_reads_stance_from_textcat_names(tmp_path, schema):
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat_multilabel")
    for name in schema.category_names():
        textcat.add_label(name)
    nlp.initialize()
    nlp.to_disk(tmp_path / "m")
    decisions = predict_with_spacy(tmp_path / "m", {"u1": "Sanctions work."}, schema, threshold=0.0)
    assert len(decisions[0].cats) == 3  # one (best) label per target at threshold 0
    assert {c.split(":")[0] for c in decisions[0].cats} == set(schema.target_ids)
    assert len(decisions[0].scores) == 3
    json.dumps(decisions[0].scores)
