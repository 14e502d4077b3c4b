from __future__ import annotations

from pathlib import Path

import pytest

from tests.train.fixtures import trained_models


@pytest.fixture(scope="session")
def models(tmp_path_factory, repo_root: Path) -> dict[str, Path]:
    return trained_models(tmp_path_factory, repo_root / "pipelines" / "configs" / "ner.cfg")
