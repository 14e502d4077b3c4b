"""Writing files and folders safely.

- Atomic writes: a reader sees the old file or the new one, never half of either. New files get the permissions
  a plain `open()` would give them (0666 less the umask); `private=True` makes them 0600 (secrets, databases).
- Names that come from outside (a server, an archive, a setting) go through `safe_name` before they become paths.
- Directory swaps (`staging_dir_for` + `replace_dir`) can be interrupted at any instant: `recover_dir` finishes or
  undoes a cut-short swap, and builds killed midway leave staging folders that the next one removes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError

_STAGING_SUFFIX = ".staging"
# `.<target name>.<pid>-<mkdtemp's random part>.staging`: the pid says whether the build that made it still runs.
_STAGING_PID = re.compile(r"\.(\d+)-[a-z0-9_]+\.staging$")
_MAX_NAME_BYTES = 255  # the longest file name Linux and macOS file systems accept


class UnsafeNameError(GeostanceError):
    """A name from outside that would write outside its folder (or cannot be a file name at all)."""


def current_umask() -> int:
    """The process umask. Read from /proc where possible: `os.umask` can only be read by setting it, and a
    briefly changed umask would apply to files that other threads create meanwhile."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _new_file_mode(path: Path, private: bool) -> int:
    if private:
        return 0o600
    try:
        return path.stat().st_mode & 0o7777  # rewriting a file keeps its permissions, as open("w") would
    except FileNotFoundError:
        return 0o666 & ~current_umask()


def atomic_write_bytes(path: str | Path, data: bytes, *, private: bool = False) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _new_file_mode(path, private))  # mkstemp makes 0600 whatever the umask says
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str, *, private: bool = False) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), private=private)


def atomic_write_json(path: str | Path, obj: Any, *, private: bool = False) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n", private=private)


def atomic_write_jsonl(path: str | Path, rows: Iterable[Any]) -> None:
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def make_private_dir(path: str | Path) -> Path:
    """Create `path` (and parents) if needed and make it 0700: only its owner can list or open what is inside."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)  # mkdir's mode does not apply to a folder that already existed
    return path


# ---------------------------------------------------------------- names from outside


def safe_name(name: Any, what: str) -> str:
    """`name` when it can be one file name inside a folder; else UnsafeNameError saying why.

    Refused: empty, `.` and `..`, path separators (`/`, `\\`), NUL and other control characters, and names
    longer than a file system takes. Together these keep `folder / name` inside `folder`."""
    problem = _name_problem(name)
    if problem:
        raise UnsafeNameError(f"{what} {name!r} cannot be used as a file name: {problem}")
    return name


def _name_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not name:
        return "it is empty or not a string"
    if name in (".", ".."):
        return "it names a folder, not a file"
    if "/" in name or "\\" in name:
        return "it contains a path separator"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "it contains a control character"
    if len(name.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES:
        return f"it is longer than {_MAX_NAME_BYTES} bytes"
    return None


def child_path(folder: str | Path, name: Any, what: str) -> Path:
    """`folder / name` for a name from outside, checked with `safe_name`."""
    return Path(folder) / safe_name(name, what)


# ---------------------------------------------------------------- directory swaps


def _old_copy(target: Path) -> Path:
    return target.with_name(f".{target.name}.old")


def recover_dir(target: str | Path) -> None:
    """Repair what an interrupted `replace_dir` left: a swap cut between its two renames leaves `target` missing
    and the previous version under `.<name>.old`, which comes back; a swap cut while deleting the previous
    version leaves that copy beside the new `target`, which is removed."""
    target = Path(target)
    old = _old_copy(target)
    if not old.exists():
        return
    if target.exists():
        shutil.rmtree(old)
    else:
        os.replace(old, target)


def replace_dir(staging: str | Path, target: str | Path) -> None:
    """Move a fully written staging directory into place, replacing `target`.

    Two renames (the OS has no portable atomic swap of two directories): `target` → `.<name>.old`, staging →
    `target`, then the old copy is deleted. A kill at any instant leaves a state `recover_dir` repairs, and every
    later swap or staging of the same target calls it first."""
    staging, target = Path(staging), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_dir(target)
    old = _old_copy(target)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process (or a number we cannot check): leave its folder alone
    return True


def remove_stale_staging(folder: str | Path) -> list[Path]:
    """Delete staging folders in `folder` whose build process no longer runs (it was killed); return them."""
    folder = Path(folder)
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        match = _STAGING_PID.search(entry.name)
        if match and entry.name.startswith(".") and entry.is_dir() and not _pid_alive(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def staging_dir_for(target: str | Path) -> Path:
    """A fresh empty directory beside `target` (same filesystem, so the final rename is atomic), with the
    permissions a plain `mkdir` would give it. Repairs an interrupted swap of `target` and removes staging
    folders that killed builds left beside it first."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_dir(target)
    remove_stale_staging(target.parent)
    path = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}-", suffix=_STAGING_SUFFIX, dir=target.parent))
    path.chmod(0o777 & ~current_umask())  # mkdtemp makes it 0700 whatever the umask says
    return path


@contextmanager
def staged_dir(target: str | Path) -> Iterator[Path]:
    """Write a directory atomically: yield an empty staging folder beside `target`; on a clean exit it replaces
    `target` (`replace_dir`), on any exception it is deleted and `target` stays as it was."""
    staging = staging_dir_for(target)
    try:
        yield staging
        replace_dir(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
