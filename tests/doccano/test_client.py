import ast
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from geostance.doccano.client import DoccanoError, DoccanoSession, connect
from geostance.doccano.server import free_port, read_state, start_server
from geostance.doccano.settings import DoccanoSettings
from geostance.doccano.tasks import check_worker
from geostance.errors import GeostanceError
from tests.doccano.conftest import SERVER_HOME

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCCANO_PACKAGE = REPO_ROOT / "pipelines" / "geostance" / "doccano"


def run_cli(args, settings, cwd):
    env = {
        **os.environ,
        "DOCCANO_URL": settings.url,
        "DOCCANO_USERNAME": settings.username,
        "DOCCANO_PASSWORD": settings.password,
        "DOCCANO_PROJECT": settings.project,
    }
    return subprocess.run(
        [sys.executable, "-m", "geostance", "doccano", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


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
    # push sets a missing project up unless told not to (tests/doccano/test_workflow.py); here it must not
    for command in (
        ["push", "--no-setup", "--corpus", str(REPO_ROOT / "corpus")],
        ["pull", "--out", str(tmp_path / "s")],
    ):
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
            check_worker(admin)
    finally:
        os.killpg(state.task_pid, signal.SIGCONT)
    deadline = time.monotonic() + 30
    while True:  # the worker picks up again
        try:
            check_worker(admin)
            break
        except DoccanoError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.doccano
def test_port_in_use_is_a_clear_error(doccano_server, tmp_path):
    port = int(doccano_server.url.rsplit(":", 1)[1])
    with pytest.raises(GeostanceError, match=f"port {port} on 127.0.0.1 is already in use"):
        start_server(
            port=port, admin_username="x", admin_password="y", home=tmp_path / "other", venv=REPO_ROOT / ".venv-doccano"
        )
    assert read_state((tmp_path / "other").resolve()) is None


@pytest.fixture
def failing_server():
    """A local HTTP server that answers every request with 503 and counts them: how a Doccano behind a restarting
    proxy answers, which a real Doccano cannot be made to do on demand."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def _fail(self):
            hits.append(self.command)
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _fail

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", hits
    finally:
        server.shutdown()
        server.server_close()


def _session(url: str) -> DoccanoSession:
    return DoccanoSession(DoccanoSettings(url, "someone", "s3cret-pw", "p"), retries=2, backoff=0.0, timeout=5)


def _checked(method: str, url: str):
    def send():
        response = requests.request(method, url, timeout=5)
        response.raise_for_status()
        return response

    return send


def test_a_5xx_is_retried_for_an_idempotent_call_only(failing_server):
    url, hits = failing_server
    session = _session(url)
    with pytest.raises(DoccanoError, match=r"refused reading as user 'someone': HTTP 503") as err:
        session.call("reading", _checked("GET", url))
    assert hits == ["GET"] * 3 and err.value.status == 503
    hits.clear()
    with pytest.raises(DoccanoError, match="HTTP 503"):
        session.call_once("creating", _checked("POST", url))
    assert hits == ["POST"]  # it may have run: not sent again


def test_a_refused_connection_is_retried_even_for_a_call_that_changes_state():
    url = f"http://127.0.0.1:{free_port()}"
    attempts = []

    def create():
        attempts.append(1)
        return _checked("POST", url)()

    with pytest.raises(DoccanoError, match=f"cannot reach Doccano at {url} while creating") as err:
        _session(url).call_once("creating", create)
    assert len(attempts) == 3 and "s3cret-pw" not in str(err.value)


def test_the_doccano_package_reads_no_private_attribute_of_another_object():
    """doccano-client is used through its public API only: no `client._base_repository`, `repo._session`, ..."""
    private = []
    for path in sorted(DOCCANO_PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id == "self")
            ):
                private.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert private == []


@pytest.mark.doccano
def test_a_project_without_description_elsewhere_on_the_server_does_not_break_the_lookup(project_settings, admin):
    """Doccano stores "" for a project created through its API without a description (its default); such a
    project, anyone's, must not stop geostance from finding its own."""
    other = admin.request(
        "POST",
        "projects",
        "creating a project without description",
        json={
            "name": "no description here",
            "project_type": "SequenceLabeling",
            "resourcetype": "SequenceLabelingProject",
        },
    )
    try:
        assert other["description"] == ""
        assert admin.project()["name"] == project_settings.project
        assert admin.find_project(project_settings.project)["name"] == project_settings.project
    finally:
        admin.request("DELETE", f"projects/{other['id']}", "deleting the project")
