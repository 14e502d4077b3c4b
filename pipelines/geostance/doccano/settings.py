"""Connection settings: DOCCANO_URL, DOCCANO_USERNAME, DOCCANO_PASSWORD, DOCCANO_PROJECT from the environment,
else from the git-ignored `.env` at the project root. The password never appears in repr, logs or errors."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from dotenv import dotenv_values

from geostance.errors import GeostanceError
from geostance.paths import project_root

VARIABLES = ("DOCCANO_URL", "DOCCANO_USERNAME", "DOCCANO_PASSWORD", "DOCCANO_PROJECT")


@dataclass(frozen=True)
class DoccanoSettings:
    url: str
    username: str
    password: str = field(repr=False)
    project: str

    def as_user(self, username: str, password: str) -> DoccanoSettings:
        return replace(self, username=username, password=password)


def read_variables(env_file: Path | None = None) -> dict[str, str]:
    """The four variables, environment first, then `.env`; empty values count as unset."""
    env_file = env_file if env_file is not None else project_root() / ".env"
    from_file = {k: v for k, v in dotenv_values(env_file).items() if v} if env_file.is_file() else {}
    values = {}
    for name in VARIABLES:
        value = os.environ.get(name) or from_file.get(name)
        if value:
            values[name] = value
    return values


def load_settings(env_file: Path | None = None, *, need_project: bool = True) -> DoccanoSettings:
    values = read_variables(env_file)
    required = VARIABLES if need_project else VARIABLES[:3]
    missing = [name for name in required if name not in values]
    if missing:
        raise GeostanceError(
            f"Doccano settings missing: {', '.join(missing)}; set them in the environment or in .env (see .env.example)"
        )
    return DoccanoSettings(
        url=values["DOCCANO_URL"].rstrip("/"),
        username=values["DOCCANO_USERNAME"],
        password=values["DOCCANO_PASSWORD"],
        project=values.get("DOCCANO_PROJECT", ""),
    )
