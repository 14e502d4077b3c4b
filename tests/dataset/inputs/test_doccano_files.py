import json

import datasets
import pytest

from geostance.dataset.build import BuildOptions, build_dataset
from geostance.dataset.inputs import SplitFiles
from geostance.dataset.inputs.doccano_files import DoccanoFilesInput, LabelSource
from geostance.dataset.splits import parse_ratios
from geostance.errors import GeostanceError

ALL_TRAIN = parse_ratios("1,0,0")


def build(data, out, **options):
    return build_dataset(data, out, BuildOptions(ratios=ALL_TRAIN, progress=False, **options))


def write_rows(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_one_annotators_row_is_gold_by_the_general_rule(tmp_path):
    export = write_rows(
        tmp_path / "e.jsonl",
        [
            {
                "text": "Kim met Putin in Seoul.",
                "unit_id": "a:p000",
                "article_id": "a",
                "entities": [[17, 22, "GPE"], [0, 3, "PERSON"], [0, 3, "PERSON"]],
                "cats": ["alliance:FAVOR", "sanctions:NONE", "sanctions:AGAINST", "moon:FAVOR"],
            }
        ],
    )
    data = DoccanoFilesInput(SplitFiles([export]))
    records = list(data.records())
    ner, *stance = records
    assert [tuple(s) for s in ner.spans] == [(0, 3, "PERSON"), (17, 22, "GPE")]
    assert [(r.target, r.label) for r in stance] == [("alliance", "FAVOR")]
    summary = data.summary()
    issues = " | ".join(summary.read_issues)
    assert "span [0, 3, 'PERSON'] given twice by export; counted once" in issues  # listed, never silent
    assert "gave target 'sanctions' two labels (NONE, AGAINST); both dropped" in issues
    assert "category 'moon:FAVOR' dropped" in issues
    assert summary.info["adjudication"]["rules"] == {"span: single annotator": 2, "stance: single annotator": 1}
    assert summary.files["provenance.jsonl"] == []  # provenance is kept for multi-annotator rows only


@pytest.mark.shared_data
def test_from_doccano_legacy_multi_user_export_with_label_config(tmp_path, shared_data):
    base = shared_data / "doccano-exports" / "doccano-transformer" / "tests" / "data" / "labeling"
    config = tmp_path / "labels.json"
    config.write_text(
        json.dumps([{"id": i, "text": t, "task_type": "Span"} for i, t in ((12, "LOC"), (13, "PER"), (14, "ORG"))])
    )
    out = tmp_path / "ds"
    build(
        DoccanoFilesInput(SplitFiles([base / "labeling.jsonl"]), labels_from=LabelSource.data, label_config=config), out
    )
    ner = datasets.load_from_disk(str(out / "ner"))["train"]
    names = ner.features["spans"]["label"].feature.names
    assert names == ["LOC", "ORG", "PER"] and "stance" not in [p.name for p in out.iterdir()]
    first = ner[0]
    sp = first["spans"]
    assert [
        (first["text"][s:e], names[lab]) for s, e, lab in zip(sp["start"], sp["end"], sp["label"], strict=True)
    ] == [
        ("JAPAN", "LOC"),
        ("CHINA", "PER"),
        ("Nadim Ladki", "PER"),
        ("AL-AIN", "LOC"),
        ("United Arab Emirates", "LOC"),
    ]
    prov = [json.loads(x) for x in (out / "provenance.jsonl").read_text().splitlines()]
    assert {p["rule"] for p in prov} == {"unanimous"} and len(prov) == 5  # users 1 and 2 agree on document 1


@pytest.mark.shared_data
def test_from_doccano_intent_export_against_the_schema_drops_and_lists_unknown_labels(tmp_path, shared_data):
    f = (
        shared_data
        / "doccano-exports"
        / "doccano"
        / "backend"
        / "data_export"
        / "pipeline"
        / "examples"
        / "intent_detection"
        / "example.jsonl"
    )
    out = tmp_path / "ds"
    result = build(DoccanoFilesInput(SplitFiles([f])), out)
    assert result.alignment["issues"] == {"unknown_label": {"dropped": 3}}
    report = json.loads((out / "alignment_report.json").read_text())
    assert len(report["read_issues"]) == 2 and "category 'flight' dropped" in report["read_issues"][0]
    with pytest.raises(GeostanceError, match="--strict"):
        build(DoccanoFilesInput(SplitFiles([f])), tmp_path / "ds2", strict=True)
    build(DoccanoFilesInput(SplitFiles([f]), labels_from=LabelSource.data), out)
    stance = datasets.load_from_disk(str(out / "stance"))["train"]
    assert stance.features["label"].names == ["airport", "flight"]
    assert [stance.features["label"].names[x] for x in stance["label"]] == ["flight", "airport"]
    ner = datasets.load_from_disk(str(out / "ner"))["train"]
    assert ner.features["spans"]["label"].feature.names == ["City"]


def test_decisions_override_a_rows_vote_and_unused_ones_are_listed(tmp_path):
    export = write_rows(
        tmp_path / "e.jsonl",
        [
            {
                "text": "Kim met Putin.",
                "unit_id": "a:p000",
                "annotations": [
                    {"label": "PERSON", "start_offset": 0, "end_offset": 3, "user": 1},
                    {"label": "alliance:FAVOR", "user": 1},
                    {"label": "alliance:AGAINST", "user": 2},
                ],
            }
        ],
    )
    decisions = write_rows(
        tmp_path / "adjudication.jsonl",
        [
            {"unit_id": "a:p000", "kind": "stance", "target": "alliance", "label": "AGAINST", "by": "lead"},
            {"unit_id": "a:p999", "kind": "stance", "target": "alliance", "label": "NONE", "by": "lead"},
        ],
    )
    data = DoccanoFilesInput(SplitFiles([export]), adjudication=decisions)
    ner, stance = list(data.records())
    assert ner.spans == [] and (stance.target, stance.label) == ("alliance", "AGAINST")  # Kim: a 1/2 tie
    info = data.summary().info["adjudication"]
    assert info["ties"] == 1 and info["unused_decisions"] == [f"{decisions}:2"]
