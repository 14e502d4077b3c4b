import pytest

from geostance.doccano.client import DoccanoError
from geostance.doccano.decisions import Decision
from geostance.doccano.push import push_units
from geostance.doccano.user_labels import write_labels
from tests.doccano.conftest import ANNOTATORS, as_annotator
from tests.doccano.test_push import TEXTS, make_units


def decisions():
    pyongyang = TEXTS[0].index("Pyongyang")
    return [
        Decision("art:p000", ((0, 5, "PERSON"), (pyongyang, pyongyang + 9, "GPE")), ("alliance:FAVOR",)),
        Decision("art:p002", ((6, 10, "ORG"),), ()),
        Decision("art:p003", ((13, 19, "GPE"),), ("sanctions:AGAINST", "trilateral:NONE")),
        Decision("gone:p000", ((0, 1, "GPE"),), ()),
    ]


def labels_of(session, pid):
    by_unit = {}
    for example in session.list_examples(pid):
        spans = session.api.list_spans(pid, example["id"])
        cats = session.api.list_categories(pid, example["id"])
        by_unit[example["meta"]["unit_id"]] = (sorted((s.start_offset, s.end_offset) for s in spans), len(cats))
    return by_unit


@pytest.mark.doccano
def test_examples_written_in_parallel_get_exactly_their_labels_once(project_settings, admin):
    push_units(admin, make_units())
    pid = admin.project()["id"]
    alice = as_annotator(project_settings, ANNOTATORS[0])
    report = write_labels(alice, decisions(), replace=True, only_unlabelled=False, confirm=True, workers=4)
    assert (report.examples, report.spans_added, report.cats_added, report.confirmed) == (3, 4, 3, 3)
    assert report.unknown_units == ["gone:p000"] and report.labels_written == 7
    found = labels_of(alice, pid)
    # UTF-16 offsets: the flag emoji before Pyongyang counts 4 units, 2 code points
    pyongyang = TEXTS[0].index("Pyongyang") + 2
    assert found["art:p000"] == ([(0, 5), (pyongyang, pyongyang + 9)], 1)
    assert found["art:p002"] == ([(6, 10)], 0) and found["art:p003"] == ([(13, 19)], 2)
    assert found["art:p001"] == ([], 0) and found["art:p004"] == ([], 0)
    assert sorted(e["meta"]["unit_id"] for e in alice.list_examples(pid) if e["is_confirmed"]) == [
        "art:p000",
        "art:p002",
        "art:p003",
    ]
    again = write_labels(alice, decisions(), replace=True, only_unlabelled=False, confirm=True, workers=4)
    assert again.labels_written == 0 and again.unchanged == 3 and again.confirmed == 0
    assert labels_of(as_annotator(project_settings, ANNOTATORS[1]), pid)["art:p000"] == ([], 0)


@pytest.mark.doccano
def test_a_failing_example_stops_the_run_with_its_error(project_settings, admin):
    push_units(admin, make_units())
    bad = [*decisions()[:2], Decision("art:p004", ((0, 3, "NOT_A_LABEL"),), ())]
    with pytest.raises(DoccanoError, match="label 'NOT_A_LABEL' is not in the Doccano project"):
        write_labels(admin, bad, replace=False, only_unlabelled=True, confirm=False, workers=2)
    with pytest.raises(ValueError, match="workers must be"):
        write_labels(admin, bad, replace=False, only_unlabelled=True, confirm=False, workers=0)
