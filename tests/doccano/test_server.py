from pathlib import Path

import pytest

from geostance.doccano.health import health_report, worker_problem
from geostance.doccano.server import _alive, local_port, read_state, stop_server
from geostance.errors import GeostanceError
from tests.doccano.conftest import SERVER_HOME


def test_up_refuses_a_non_local_url():
    with pytest.raises(GeostanceError, match="must be http://127.0.0.1:PORT"):
        local_port("https://doccano.example.org")
    assert local_port("http://localhost:8123/") == 8123


def test_down_without_a_server_stops_nothing(tmp_path):
    assert stop_server(tmp_path) == []


@pytest.mark.doccano
def test_server_runs_web_and_worker_under_recorded_pids(doccano_server):
    state = read_state(SERVER_HOME[doccano_server.url].resolve())
    assert all(_alive(pid) for pid in state.pids)
    assert worker_problem(health_report(doccano_server.url)) is None
    assert state.url == doccano_server.url


@pytest.mark.doccano
def test_the_database_commits_through_a_write_ahead_log(doccano_server):
    import contextlib
    import sqlite3

    database = SERVER_HOME[doccano_server.url] / "db.sqlite3"
    with contextlib.closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_stop_server_stops_exactly_the_recorded_process_groups(tmp_path):
    """Stand-in processes (sleep) recorded as web and worker: down stops both, and nothing else."""
    import json
    import subprocess
    import time

    procs = [subprocess.Popen(["sleep", "60"], start_new_session=True) for _ in range(2)]
    bystander = subprocess.Popen(["sleep", "60"])
    (tmp_path / "server.json").write_text(
        json.dumps(
            {
                "url": "http://127.0.0.1:1",
                "port": 1,
                "home": str(tmp_path),
                "web_pid": procs[0].pid,
                "task_pid": procs[1].pid,
                "started_at": time.time(),
            }
        )
    )
    try:
        assert stop_server(tmp_path) == [procs[0].pid, procs[1].pid]
        assert all(p.wait(timeout=5) is not None for p in procs)
        assert bystander.poll() is None
        assert not (tmp_path / "server.json").exists()
    finally:
        bystander.kill()
        bystander.wait()


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_prepare_home_makes_a_readable_home_private(tmp_path):
    from geostance.doccano.server import prepare_home

    home = tmp_path / ".doccano"
    home.mkdir(mode=0o755)
    for name in ("db.sqlite3", "web.log"):
        (home / name).write_text("x")
        (home / name).chmod(0o644)
    prepare_home(home)
    assert _mode(home) == 0o700
    assert _mode(home / "db.sqlite3") == _mode(home / "web.log") == 0o600


@pytest.mark.doccano
def test_the_database_logs_and_secrets_are_readable_by_their_owner_only(doccano_server):
    home = SERVER_HOME[doccano_server.url].resolve()
    assert _mode(home) == 0o700
    files = {p.name: _mode(p) for p in home.iterdir() if p.is_file()}
    assert {"db.sqlite3", "secret_key", "server.json", "web.log", "task.log"} <= set(files)
    assert {name: m for name, m in files.items() if m & 0o077} == {}
