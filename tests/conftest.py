"""Shared fixtures. Tests that need ../shared/data skip when it is absent, except under CI=true, where they fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = Path(os.environ.get("GEOSTANCE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    if not path.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data folder {path} is missing; CI must have it")
        pytest.skip(f"shared data folder {path} is absent (set GEOSTANCE_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def seed_raw(repo_root: Path) -> Path:
    return repo_root / "corpus" / "raw" / "000_7a2857d351dd6983.txt"
