import json

from geostance.dataset.validate import validate_snapshot
from geostance.schema import load_schema
from tests.dataset.conftest import span, units_of, write_snapshot


def test_clean_snapshot_has_no_problems(tmp_path, corpus, schema_file):
    units = units_of(corpus)
    u0 = units["seoul-talks:p000"].text
    snap = write_snapshot(
        tmp_path / "snaps",
        corpus,
        {
            "ann": {
                "seoul-talks:p000": {
                    "entities": [span(u0, "Kim Jong Un", "PERSON"), span(u0, "Pyongyang", "GPE")],
                    "cats": ["alliance:FAVOR", "sanctions:NONE"],
                },
                "seoul-talks:p001": {},
            }
        },
    )
    assert validate_snapshot(snap, corpus, load_schema(schema_file)) == []


def test_every_gate_names_file_line_and_problem(tmp_path, corpus, schema_file):
    units = units_of(corpus)
    u0 = units["seoul-talks:p000"].text
    u1 = units["seoul-talks:p001"].text
    snap = write_snapshot(
        tmp_path / "snaps",
        corpus,
        {
            "ann": {
                "seoul-talks:p000": {
                    "entities": [
                        [0, 4, "PERSON"],
                        span(u0, "Kim Jong Un", "PERSON"),
                        [3, 200, "GPE"],
                        span(u0, "Putin", "LEADER"),
                    ],
                    "cats": ["alliance:FAVOR", "alliance:AGAINST", "moon:FAVOR"],
                },
                "seoul-talks:p001": {"text": u1 + " extra"},
                "tokyo-summit:p000": {"text_sha256": "0" * 64},
            }
        },
    )
    path = snap / "annotators" / "ann.jsonl"
    with path.open("a") as fh:
        fh.write('{"text": 3}\n')
        fh.write(
            json.dumps(
                {
                    "text": "x",
                    "entities": [],
                    "cats": [],
                    "article_id": "nope",
                    "unit_id": "nope:p000",
                    "text_sha256": "1",
                }
            )
            + "\n"
        )
    problems = validate_snapshot(snap, corpus, load_schema(schema_file))
    by_line: dict[int, list[str]] = {}
    for p in problems:
        assert p.file == str(path)
        by_line.setdefault(p.line, []).append(p.message)
    msgs1 = " | ".join(by_line[1])
    assert "leading or trailing whitespace" in msgs1  # "Kim " ends in a space
    assert "overlap" in msgs1
    assert "outside the unit" in msgs1
    assert "'LEADER'" in msgs1 and "not in the schema" in msgs1
    assert "two stances for target 'alliance'" in msgs1
    assert "unknown stance category 'moon:FAVOR'" in msgs1
    assert any("text differs from the article text" in m for m in by_line[2])
    assert any("text_sha256" in m for m in by_line[3])
    assert by_line[4] == ["non-string (int) text: each row needs a string field 'text' (keys here: ['text'])"]
    assert any("not in the corpus manifest" in m for m in by_line[5])
    assert str(problems[0]).startswith(f"{path}:1: ")


def test_missing_snapshot_folder_is_one_problem(tmp_path, corpus, schema_file):
    problems = validate_snapshot(tmp_path / "nope", corpus, load_schema(schema_file))
    assert len(problems) == 1 and "annotators" in problems[0].message
