"""Where things live in a checkout. Every default can be overridden on the command line."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The checkout root: $GEOSTANCE_ROOT, else the nearest parent of the cwd holding pyproject.toml and corpus/."""
    env = os.environ.get("GEOSTANCE_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file() and (candidate / "corpus").is_dir():
            return candidate
    return here


def corpus_dir() -> Path:
    return project_root() / "corpus"


def annotations_dir() -> Path:
    return project_root() / "annotations"


def schema_path() -> Path:
    return annotations_dir() / "schema.yaml"


def guidelines_path() -> Path:
    return annotations_dir() / "GUIDELINES.md"


def doccano_snapshots_dir() -> Path:
    return annotations_dir() / "doccano"


def models_dir() -> Path:
    return project_root() / "models"


def dataset_dir() -> Path:
    """The built DatasetDict (git-ignored)."""
    return models_dir() / "dataset"


def configs_dir() -> Path:
    return project_root() / "pipelines" / "configs"


def shared_data_dir() -> Path:
    return Path(os.environ.get("GEOSTANCE_SHARED_DATA", project_root().parent / "shared" / "data"))


def shown(path: str | Path) -> str:
    """A path as people should read it in a committed report: relative to the checkout when inside it."""
    try:
        return str(Path(path).resolve().relative_to(project_root()))
    except ValueError:
        return str(path)
