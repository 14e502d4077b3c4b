"""One real Doccano server (web + task worker) per test session, on a free loopback port, database in a temp dir.

The server venv (.venv-doccano) is created on first use by the same code as `geostance doccano up`. The server is
stopped at the end of the session, also when tests fail (the fixture's finally, plus an atexit guard).
"""

from __future__ import annotations

import atexit
import secrets
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from geostance.doccano.client import DoccanoSession, connect
from geostance.doccano.server import free_port, start_server, stop_server
from geostance.doccano.settings import DoccanoSettings
from geostance.doccano.setup import Account, setup_project
from geostance.schema import load_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_HOME: dict[str, Path] = {}  # url → DOCCANO_HOME of the session's server
ANNOTATORS = (Account("ann_alice", "alice-" + secrets.token_hex(6)), Account("ann_bob", "bob-" + secrets.token_hex(6)))


@pytest.fixture(scope="session")
def doccano_server(tmp_path_factory: pytest.TempPathFactory) -> DoccanoSettings:
    home = tmp_path_factory.mktemp("doccano-home")
    atexit.register(stop_server, home)
    password = "admin-" + secrets.token_hex(8)
    state = start_server(
        port=free_port(),
        admin_username="admin",
        admin_password=password,
        home=home,
        venv=REPO_ROOT / ".venv-doccano",
        web_workers=2,
    )
    SERVER_HOME[state.url] = home
    try:
        yield DoccanoSettings(state.url, "admin", password, "geostance-test")
    finally:
        stop_server(home)


@pytest.fixture(scope="session")
def schema():
    return load_schema(REPO_ROOT / "annotations" / "schema.yaml")


@pytest.fixture
def project_settings(doccano_server: DoccanoSettings, schema) -> DoccanoSettings:
    """A fresh project (set up from the schema, both annotators as members) for one test."""
    settings = replace(doccano_server, project=f"t-{uuid.uuid4().hex[:10]}")
    setup_project(connect(settings), schema, "test guideline", ANNOTATORS)
    return settings


@pytest.fixture
def admin(project_settings: DoccanoSettings) -> DoccanoSession:
    return connect(project_settings)


def as_annotator(settings: DoccanoSettings, account: Account) -> DoccanoSession:
    return connect(settings.as_user(account.username, account.password))
