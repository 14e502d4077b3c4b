import subprocess
import sys

from typer.testing import CliRunner

from geostance.cli import build_app


def test_help_lists_every_step():
    result = CliRunner().invoke(build_app(), ["--help"])
    assert result.exit_code == 0
    for name in ("corpus", "doccano", "dataset", "train", "evaluate", "predict", "package", "bench"):
        assert name in result.output


def test_python_dash_m_runs_and_bad_input_is_one_clear_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "x"}\n')
    proc = subprocess.run(
        [sys.executable, "-m", "geostance", "corpus", "import", str(bad), "--corpus", str(tmp_path / "c")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {bad}:1: no text: each line needs a non-empty string field 'text'"
    assert "Traceback" not in proc.stderr


def test_seed_import_twice_says_no_op(tmp_path, seed_raw):
    runner = CliRunner()
    args = ["corpus", "import", str(seed_raw), "--corpus", str(tmp_path / "corpus")]
    first = runner.invoke(build_app(), args)
    assert first.exit_code == 0, first.output
    assert "1 added" in first.output
    second = runner.invoke(build_app(), args)
    assert second.exit_code == 0
    assert "Nothing to import" in second.output


def test_malformed_values_from_the_issue_are_one_line_errors_not_tracebacks(tmp_path):
    date = tmp_path / "date.md"
    date.write_text("---\ntitle: x\npublished: 2024-13-45\n---\nBody.\n")
    surrogate = tmp_path / "s.jsonl"
    surrogate.write_text('{"text": "fine"}\n{"text": "a\\ud800b"}\n')
    utf16 = tmp_path / "t.tsv"
    utf16.write_bytes("text\tlabel\nfine\tFAVOR\n".encode("utf-16")[:-1])
    cases = [
        (
            ["corpus", "import", str(date), "--corpus", str(tmp_path / "c")],
            f"{date}:3: bad front matter: cannot read '2024-13-45': month must be in 1..12",
        ),
        (
            ["dataset", "import", "doccano", str(surrogate), "--out", str(tmp_path / "d"), "--quiet"],
            f"{surrogate}:2: bad JSON: a string holds the lone surrogate \\ud800 (half of a UTF-16 pair, not a "
            "character)",
        ),
        (
            [
                "dataset",
                "import",
                "table",
                str(utf16),
                "--encoding",
                "utf-16",
                "--out",
                str(tmp_path / "t"),
                "--quiet",
            ],
            f"{utf16}:2: not valid utf-16 at byte 44 (truncated data)",
        ),
    ]
    for args, message in cases:
        proc = subprocess.run([sys.executable, "-m", "geostance", *args], capture_output=True, text=True)
        assert (proc.returncode, proc.stderr) == (2, f"error: {message}\n")
