import pytest

from geostance.doccano.ordering import DEFAULT_SCORE, annotation_url, set_queue_order, wanted_scores
from geostance.doccano.push import push_units
from tests.doccano.conftest import ANNOTATORS, as_annotator
from tests.doccano.test_push import make_units


def test_wanted_scores_rank_the_queue_and_reset_only_what_needs_it():
    examples = [{"id": 1, "score": 100.0}, {"id": 2, "score": 2.0}, {"id": 3, "score": 1.0}, {"id": 4, "score": 100}]
    # 3 keeps rank 1 (already right, not sent); 4 becomes rank 2; 2 was queued before and goes back to 100
    assert wanted_scores([3, 4], examples) == {4: 2.0, 2: DEFAULT_SCORE}
    assert wanted_scores([], examples) == {2: DEFAULT_SCORE, 3: DEFAULT_SCORE}
    with pytest.raises(ValueError, match="queued twice"):
        wanted_scores([1, 1], examples)


def test_the_annotation_url_sorts_by_score_and_shows_unconfirmed_examples():
    project = {"id": 7, "project_type": "IntentDetectionAndSlotFilling"}
    assert annotation_url("http://127.0.0.1:8000/", project) == (
        "http://127.0.0.1:8000/projects/7/intent-detection-and-slot-filling?page=1&ordering=score&isChecked=false"
    )
    assert annotation_url("http://h", {"id": 7, "project_type": "Unknown"}) == "http://h/projects/7"


def listed_order(session, pid, limit):
    """What the annotation page asks for: unconfirmed examples, lowest score first (as the frontend sends it)."""
    page = session.request(
        "GET",
        f"projects/{pid}/examples",
        "listing",
        params={"limit": limit, "offset": 0, "ordering": "score", "confirmed": "false"},
    )
    return [e["meta"]["unit_id"] for e in page["results"]]


@pytest.mark.doccano
def test_the_server_lists_each_annotator_the_queue_first_in_rank_order(project_settings, admin):
    push_units(admin, make_units())
    pid = admin.project()["id"]
    listed = admin.list_examples(pid)
    by_unit = {e["meta"]["unit_id"]: e["id"] for e in listed}
    first = ["art:p003", "art:p001"]
    assert set_queue_order(admin, pid, [by_unit[u] for u in first], listed) == {
        "queued": 2,
        "scores_written": 2,
        "scores_reset": 0,
    }
    for account in ANNOTATORS:  # the order is the examples', so every member gets it
        assert listed_order(as_annotator(project_settings, account), pid, 2) == first
    scores = {e["meta"]["unit_id"]: e["score"] for e in admin.list_examples(pid)}
    assert scores == {"art:p003": 1.0, "art:p001": 2.0, "art:p000": 100.0, "art:p002": 100.0, "art:p004": 100.0}

    # the next queue: the old one goes back to the default, and an example confirmed by the annotator drops out
    listed = admin.list_examples(pid)
    second = ["art:p000", "art:p004", "art:p002"]
    assert set_queue_order(admin, pid, [by_unit[u] for u in second], listed) == {
        "queued": 3,
        "scores_written": 3,
        "scores_reset": 2,
    }
    assert set_queue_order(admin, pid, [by_unit[u] for u in second], admin.list_examples(pid))["scores_written"] == 0
    alice = as_annotator(project_settings, ANNOTATORS[0])
    alice.api.update_example_state(pid, by_unit["art:p004"])
    assert listed_order(alice, pid, 2) == ["art:p000", "art:p002"]
    assert listed_order(as_annotator(project_settings, ANNOTATORS[1]), pid, 3) == second
