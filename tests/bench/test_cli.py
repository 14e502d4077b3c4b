import subprocess
import sys


def test_missing_benchmark_files_are_one_clear_error(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "geostance",
            "bench",
            "stance",
            "--data-dir",
            str(tmp_path),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: SemEval-2016 files missing: ") and "trainingdata-all-annotations.txt" in last
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_bad_step_budget_is_refused(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "geostance", "bench", "ner", "--data-dir", str(tmp_path), "--max-steps", "0"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "must be positive" in proc.stderr
