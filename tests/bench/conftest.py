"""A miniature copy of the benchmark data (a few hundred lines of each file) so every bench path runs in seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

CONLL_LINES = 400
SEMEVAL_EVERY = {
    "trainingdata-all-annotations.txt": 12,
    "trialdata-all-annotations.txt": 2,
    "testdata-taskA-all-annotations.txt": 6,
}


def head_sentences(src: Path, max_lines: int) -> bytes:
    """The first lines of a CoNLL file, cut at a sentence boundary."""
    lines = src.read_bytes().splitlines(keepends=True)[:max_lines]
    while lines and lines[-1].strip():
        lines.pop()
    return b"".join(lines)


def every_nth_row(src: Path, n: int) -> bytes:
    """Header plus every n-th row, bytes as they are (the training file is Windows-1252): all targets stay in."""
    lines = src.read_bytes().splitlines(keepends=True)
    return b"".join([lines[0], *lines[1::n]])


@pytest.fixture(scope="session")
def mini_data(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench-data")
    (root / "conll2003").mkdir()
    for name in ("eng.train", "eng.testa", "eng.testb"):
        (root / "conll2003" / name).write_bytes(head_sentences(shared_data / "conll2003" / name, CONLL_LINES))
    (root / "semeval2016-task6-stance").mkdir()
    for name, n in SEMEVAL_EVERY.items():
        (root / "semeval2016-task6-stance" / name).write_bytes(
            every_nth_row(shared_data / "semeval2016-task6-stance" / name, n)
        )
    return root


@pytest.fixture(scope="session")
def bench_out(mini_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`geostance bench ner` (a few dozen steps) then `geostance bench stance` into one output folder."""
    from typer.testing import CliRunner

    from geostance.cli import build_app

    out = tmp_path_factory.mktemp("bench-out")
    runner = CliRunner()
    for args in (
        [
            "ner",
            "--max-steps",
            "40",
            "--eval-frequency",
            "20",
            "--patience",
            "40",
            "--members",
            "2",
            "--document-context",
        ],
        ["stance"],
    ):
        result = runner.invoke(build_app(), ["bench", *args, "--data-dir", str(mini_data), "--out", str(out)])
        assert result.exit_code == 0, (result.output, result.exception)
    return out
