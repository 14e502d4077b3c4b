import pytest

from geostance.doccano.client import DoccanoError
from geostance.doccano.setup import PROJECT_TYPE
from geostance.doccano.tasks import raise_import_errors, start_import, wait_for_task


def test_a_failed_task_and_rejected_rows_are_errors_naming_the_file():
    raise_import_errors({"ready": True, "result": {"error": []}, "error": None}, "a.jsonl")  # a clean import
    with pytest.raises(DoccanoError, match=r"importing a.jsonl failed: worker lost"):
        raise_import_errors({"ready": True, "result": None, "error": {"text": "worker lost"}}, "a.jsonl")
    with pytest.raises(DoccanoError, match=r"rejected 2 row\(s\) of a.jsonl; first: line 3: bad"):
        raise_import_errors({"ready": True, "result": {"error": [{"line": 3, "message": "bad"}, {}]}}, "a.jsonl")


@pytest.mark.doccano
def test_an_import_with_a_bad_row_raises_with_its_line_after_the_good_rows_arrived(admin, tmp_path):
    """Doccano calls such an import a success and reports the row only in the task's result."""
    path = tmp_path / "rows.jsonl"
    path.write_text(
        '{"text": "first", "entities": [], "cats": []}\n{not json\n{"text": "third", "entities": [], "cats": []}\n',
        encoding="ascii",
    )
    pid = admin.project()["id"]
    status = wait_for_task(admin, start_import(admin, pid, path, PROJECT_TYPE), "importing rows.jsonl")
    assert status["error"] is None
    with pytest.raises(DoccanoError, match=r"Doccano rejected 1 row\(s\) of rows.jsonl; first: line 2: "):
        raise_import_errors(status, "rows.jsonl")
    assert sorted(e["text"] for e in admin.list_examples(pid)) == ["first", "third"]
