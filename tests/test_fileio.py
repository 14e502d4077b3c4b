import os
import subprocess
from pathlib import Path

import pytest

from geostance import fileio
from geostance.fileio import (
    UnsafeNameError,
    atomic_write_text,
    child_path,
    make_private_dir,
    recover_dir,
    replace_dir,
    safe_name,
    staging_dir_for,
)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_atomic_write_follows_the_umask_and_private_files_are_0600(tmp_path, umask_022):
    atomic_write_text(tmp_path / "shared.txt", "x")
    atomic_write_text(tmp_path / "secret.txt", "x", private=True)
    assert mode(tmp_path / "shared.txt") == 0o644
    assert mode(tmp_path / "secret.txt") == 0o600
    os.umask(0o077)
    atomic_write_text(tmp_path / "tight.txt", "x")
    assert mode(tmp_path / "tight.txt") == 0o600


def test_rewriting_a_file_keeps_its_permissions(tmp_path, umask_022):
    path = tmp_path / "f.txt"
    path.write_text("old")
    path.chmod(0o640)
    atomic_write_text(path, "new")
    assert path.read_text() == "new" and mode(path) == 0o640


def test_staging_dir_follows_the_umask_and_private_dir_is_0700(tmp_path, umask_022):
    assert mode(staging_dir_for(tmp_path / "out")) == 0o755
    folder = tmp_path / "home"
    folder.mkdir(mode=0o755)
    assert mode(make_private_dir(folder)) == 0o700


@pytest.mark.parametrize(
    "name",
    [
        "../x.jsonl",
        "../../../x/evil.jsonl",
        "/etc/passwd",
        "a/b.jsonl",
        "..",
        ".",
        "",
        "a\\b",
        "nul\x00byte",
        "line\nbreak",
        "x" * 300,
        None,
        7,
    ],
)
def test_unsafe_names_are_refused(tmp_path, name):
    with pytest.raises(UnsafeNameError, match="export member .* cannot be used as a file name"):
        child_path(tmp_path, name, "export member")


def test_ordinary_names_pass():
    for name in ("ann_alice.jsonl", "geostance-20261127T091334Z.zip", ".hidden", "proj name (2024)", "Ünïcödé"):
        assert safe_name(name, "name") == name


def _swap_killed_at(step: int, staging: Path, target: Path, monkeypatch) -> None:
    """Run replace_dir and 'kill' it just before its `step`-th file operation (rename or delete)."""
    calls = {"n": 0}
    real_replace, real_rmtree = os.replace, fileio.shutil.rmtree

    def counted(real):
        def op(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == step:
                raise KeyboardInterrupt
            return real(*args, **kwargs)

        return op

    monkeypatch.setattr(fileio.os, "replace", counted(real_replace))
    monkeypatch.setattr(fileio.shutil, "rmtree", counted(real_rmtree))
    try:
        replace_dir(staging, target)
    except KeyboardInterrupt:
        pass
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_a_directory_swap_killed_at_any_step_is_recoverable(tmp_path, monkeypatch, step):
    target = tmp_path / "dataset"
    target.mkdir()
    (target / "v").write_text("old")
    staging = staging_dir_for(target)
    (staging / "v").write_text("new")
    _swap_killed_at(step, staging, target, monkeypatch)
    recover_dir(target)
    assert (target / "v").read_text() in ("old", "new")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".staging")) == ["dataset"]
    again = staging_dir_for(target)  # the next build: everything left over is cleaned up, the swap works
    (again / "v").write_text("newer")
    replace_dir(again, target)
    assert (target / "v").read_text() == "newer"


def test_a_swap_killed_between_its_renames_is_restored_by_the_next_staging(tmp_path, monkeypatch):
    target = tmp_path / "dataset"
    target.mkdir()
    (target / "v").write_text("old")
    staging = staging_dir_for(target)
    _swap_killed_at(2, staging, target, monkeypatch)  # after target → .dataset.old, before staging → target
    assert not target.exists()
    staging_dir_for(target)
    assert (target / "v").read_text() == "old"


def test_staging_folders_of_dead_builds_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f".dataset.{dead.pid}-abc12345.staging"
    live = tmp_path / f".dataset.{os.getpid()}-abc12345.staging"
    other = tmp_path / "keep.staging"
    for folder in (stale, live, other):
        folder.mkdir()
    staging_dir_for(tmp_path / "dataset")
    assert not stale.exists() and live.exists() and other.exists()
