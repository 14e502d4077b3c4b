"""Versions of the libraries a model depends on, recorded beside every model."""

from __future__ import annotations

import platform
from importlib import metadata

LIBRARIES = ("geostance", "spacy", "thinc", "scikit-learn", "skops", "numpy", "scipy", "datasets")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
