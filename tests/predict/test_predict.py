import json

import pytest
from typer.testing import CliRunner

from geostance.cli import build_app
from geostance.errors import InputError
from geostance.predict import load_pipeline, predict_records, read_inputs


def _jsonl(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bad_line_is_an_error_with_its_line_number(tmp_path):
    path = _jsonl(tmp_path / "in.jsonl", ['{"text": "Russia and Japan."}', "", '{"text": 5}'])
    with pytest.raises(InputError) as info:
        read_inputs([path])
    assert str(info.value) == f"{path}:3: no text: each line needs a non-empty string field 'text'"


def test_skip_bad_counts_and_lists_every_bad_line(tmp_path):
    path = _jsonl(
        tmp_path / "in.jsonl",
        [
            '{"id": "x", "text": "Putin met Kim."}',
            "{broken",
            "[1, 2]",
            '{"text": "   "}',
            '{"text": "Japan.", "lang": "en"}',
        ],
    )
    (tmp_path / "bytes.txt").write_bytes(b"Seoul responded.\n\xff\xfe bad\nTokyo too.\n")
    read = read_inputs([path, tmp_path / "bytes.txt"], skip_bad=True)
    assert [i.id for i in read.items] == ["x", "in:5", "bytes:1", "bytes:3"]
    assert read.items[1].meta == {"lang": "en"}
    assert [(e.line, e.message.split(":")[0]) for e in read.skipped] == [
        (2, "bad JSON"),
        (3, "expected a JSON object, got list"),
        (4, "no text"),
        (2, "not UTF-8 (byte 0)"),
    ]


def test_corpus_articles_become_units(repo_root):
    article = next((repo_root / "corpus" / "articles").glob("*.md"))
    read = read_inputs([article])
    assert len(read.items) > 1
    assert all(item.id.startswith(f"{read.items[0].meta['article_id']}:p") for item in read.items)
    assert all(item.text.strip() for item in read.items)


def test_unsupported_and_missing_inputs(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(InputError, match="unsupported input type '.csv'"):
        read_inputs([tmp_path / "x.csv"])
    with pytest.raises(InputError, match="no such file"):
        read_inputs([tmp_path / "nope.txt"])


def test_predictions_carry_entities_and_stance_in_input_order(tmp_path, models):
    nlp = load_pipeline(None, models["ner"], models["stance"])
    texts = [
        "Vladimir Putin met Kim Jong Un on Tuesday.",
        "Japan strongly supports the alliance in a statement.",
        "China condemns the sanctions in a statement.",
    ]
    path = tmp_path / "in.txt"
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    records = list(predict_records(nlp, read_inputs([path]).items, batch_size=2, n_process=2))
    assert [r["text"] for r in records] == texts
    assert [(e["text"], e["label"]) for e in records[0]["entities"]][:2] == [
        ("Vladimir Putin", "PERSON"),
        ("Kim Jong Un", "PERSON"),
    ]
    assert records[1]["stance"]["alliance"] == "FAVOR"
    assert records[2]["stance"]["sanctions"] == "AGAINST"
    assert set(records[0]["stance_scores"]) == {
        f"{t}:{lab}" for t in ("alliance", "sanctions") for lab in ("FAVOR", "AGAINST", "NONE")
    }


def test_cli_writes_jsonl_and_reports_skipped(tmp_path, models):
    path = _jsonl(tmp_path / "in.jsonl", ['{"text": "Russia criticised NATO on Tuesday."}', "oops"])
    out = tmp_path / "out.jsonl"
    args = [
        "predict",
        str(path),
        "--ner-model",
        str(models["ner"]),
        "--stance-model",
        str(models["stance"]),
        "--out",
        str(out),
    ]
    runner = CliRunner()
    failed = runner.invoke(build_app(), args)
    assert failed.exit_code != 0 and not out.exists()
    ok = runner.invoke(build_app(), [*args, "--skip-bad", "--batch-size", "8"])
    assert ok.exit_code == 0, ok.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["source"] == f"{path}:1"
    assert "skipped 1 bad line(s)" in ok.output and f"{path}:2: bad JSON" in ok.output
