import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from geostance.doccano.client import DoccanoError, connect
from geostance.doccano.server import free_port, read_state, start_server
from geostance.errors import GeostanceError
from tests.doccano.conftest import SERVER_HOME

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_cli(args, settings, cwd):
    env = {**os.environ, "DOCCANO_URL": settings.url, "DOCCANO_USERNAME": settings.username,
           "DOCCANO_PASSWORD": settings.password, "DOCCANO_PROJECT": settings.project}
    return subprocess.run([sys.executable, "-m", "geostance", "doccano", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


@pytest.mark.doccano
@pytest.mark.parametrize("case", ["server down", "bad password", "unknown project"])
def test_one_line_errors_without_password(doccano_server, tmp_path, case):
    settings = doccano_server
    if case == "server down":
        settings = replace(settings, url=f"http://127.0.0.1:{free_port()}")
        expected = "cannot reach Doccano"
    elif case == "bad password":
        settings = replace(settings, password="wrong-" + settings.password)
        expected = "wrong username or password"
    else:
        settings = replace(settings, project="no-such-project")
        expected = "no project named 'no-such-project'"
    with pytest.raises(DoccanoError, match=expected):
        connect(settings, retries=1).project()
    for command in (["push", "--corpus", str(REPO_ROOT / "corpus")], ["pull", "--out", str(tmp_path / "s")]):
        proc = run_cli(command, settings, tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("error: ") and expected in proc.stderr
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert settings.password not in proc.stdout + proc.stderr
        assert doccano_server.password not in proc.stdout + proc.stderr
    assert not (tmp_path / "s").exists()


@pytest.mark.doccano
def test_stopped_worker_is_detected_before_upload(doccano_server, admin):
    state = read_state(SERVER_HOME[doccano_server.url].resolve())
    os.killpg(state.task_pid, signal.SIGSTOP)
    try:
        with pytest.raises(DoccanoError, match="task worker .* is not running"):
            admin.check_worker()
    finally:
        os.killpg(state.task_pid, signal.SIGCONT)
    deadline = time.monotonic() + 30
    while True:  # the worker picks up again
        try:
            admin.check_worker()
            break
        except DoccanoError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.doccano
def test_port_in_use_is_a_clear_error(doccano_server, tmp_path):
    port = int(doccano_server.url.rsplit(":", 1)[1])
    with pytest.raises(GeostanceError, match=f"port {port} on 127.0.0.1 is already in use"):
        start_server(port=port, admin_username="x", admin_password="y", home=tmp_path / "other",
                     venv=REPO_ROOT / ".venv-doccano")
    assert read_state((tmp_path / "other").resolve()) is None
