from __future__ import annotations

from pathlib import Path

import pytest

from tests.train.fixtures import trained_models, write_dataset


@pytest.fixture(scope="session")
def ner_config(repo_root: Path) -> Path:
    return repo_root / "pipelines" / "configs" / "ner.cfg"


@pytest.fixture(scope="session")
def models(tmp_path_factory, ner_config) -> dict[str, Path]:
    return trained_models(tmp_path_factory, ner_config)


@pytest.fixture()
def small_dataset(tmp_path) -> Path:
    return write_dataset(tmp_path / "dataset")
