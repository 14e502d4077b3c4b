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
    proc = subprocess.run([sys.executable, "-m", "geostance", "corpus", "import", str(bad), "--corpus",
                           str(tmp_path / "c")], capture_output=True, text=True)
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
