import pytest

from geostance.doccano.client import connect
from geostance.doccano.setup import read_accounts, setup_project
from geostance.errors import InputError
from tests.doccano.conftest import ANNOTATORS


def test_read_accounts_names_the_bad_line_without_echoing_it(tmp_path):
    path = tmp_path / "accounts.txt"
    path.write_text("# annotators\nalice:pw-one\nbob-without-password\n")
    with pytest.raises(InputError) as err:
        read_accounts(path)
    assert str(err.value).endswith("accounts.txt:3: expected 'username:password'")
    assert "pw-one" not in str(err.value)


@pytest.mark.doccano
def test_setup_twice_gives_no_duplicates(project_settings, admin, schema):
    again = setup_project(admin, schema, "test guideline", ANNOTATORS)
    assert not again.project_created and again.labels_created == [] and again.users_created == []
    assert again.members_added == [] and again.labels_unchanged == 16
    projects = [p for p in admin.api.list_projects() if p.name == project_settings.project]
    assert len(projects) == 1
    pid = projects[0].id
    spans = [t.text for t in admin.api.list_label_types(pid, "span")]
    cats = [t.text for t in admin.api.list_label_types(pid, "category")]
    assert sorted(spans) == sorted(schema.entity_names)
    assert sorted(cats) == sorted(schema.category_names())
    members = {m.username: m.rolename for m in admin.api.list_members(pid)}
    assert members == {"admin": "project_admin", "ann_alice": "annotator", "ann_bob": "annotator"}
    assert projects[0].project_type == "IntentDetectionAndSlotFilling"
    assert projects[0].collaborative_annotation is False


@pytest.mark.doccano
def test_setup_updates_a_changed_guideline_and_colour(project_settings, admin, schema):
    pid = admin.project()["id"]
    person = next(t for t in admin.api.list_label_types(pid, "span") if t.text == "PERSON")
    admin.api.update_label_type(pid, person.id, "span", color="#000000")
    report = setup_project(connect(project_settings), schema, "new guideline")
    assert report.labels_updated == ["PERSON"] and report.project_updated == ["guideline"]
    assert admin.api.find_project_by_id(pid).guideline == "new guideline"


@pytest.mark.doccano
def test_setup_does_not_resend_a_guideline_that_ends_in_a_newline(project_settings, admin, schema):
    guideline = "# Guidelines\n\nMark every person.\n"
    first = setup_project(connect(project_settings), schema, guideline)
    again = setup_project(connect(project_settings), schema, guideline)
    assert first.project_updated == ["guideline"] and again.project_updated == []
    assert admin.project()["guideline"] == guideline.strip()
