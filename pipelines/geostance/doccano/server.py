"""A local Doccano 1.8.4 server: its own pinned virtualenv, SQLite database, web server and `doccano task` worker.

`start_server` runs, in `.venv-doccano`, our `server_launcher.py` (with -I: the script's folder must not go on
sys.path, where a module of ours could shadow a Doccano app of the same name) three times: `init` (migrate, roles,
admin user; about 8 s on a fresh database, 1.5 s after), then `web` (gunicorn on 127.0.0.1) and `task` (celery
worker, using Doccano's default SQLAlchemy/SQLite broker, so no Redis or RabbitMQ is needed) as background processes,
each the leader of its own process group. Their pids go into `<home>/server.json`; `stop_server` signals exactly
those groups.
Readiness = every check of Doccano's own health report passes (`health.py`), a round trip through the worker included.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

import requests

from geostance.doccano.health import health_report, worker_problem
from geostance.errors import GeostanceError
from geostance.fileio import atomic_write_json, atomic_write_text, make_private_dir
from geostance.paths import project_root

LAUNCHER = Path(__file__).with_name("server_launcher.py")
LOCAL_HOSTS = ("127.0.0.1", "localhost")
# Variables Doccano would read that must not leak in from the caller's environment.
_SCRUBBED = ("DATABASE_URL", "CELERY_BROKER_URL", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE", "DOCCANO_PASSWORD")
# The server's files (the SQLite database holds API tokens, sessions and the admin's password hash; the logs may
# quote requests) are for the user who runs it only: its processes create files 0600 and folders 0700.
SERVER_UMASK = 0o077


def server_lock_path() -> Path:
    return project_root() / "pipelines" / "doccano-server.lock"


def server_venv_path() -> Path:
    return project_root() / ".venv-doccano"


def server_home_path() -> Path:
    return project_root() / ".doccano"


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_server_venv(
    venv: Path | None = None, lock: Path | None = None, echo: Callable[[str], None] = lambda _m: None
) -> Path:
    """Create or refresh the server virtualenv from the pinned lock; a no-op when it matches the lock."""
    venv = venv or server_venv_path()
    lock = lock or server_lock_path()
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    marker = venv / ".geostance-lock-sha256"
    if marker.is_file() and marker.read_text().strip() == digest and venv_python(venv).is_file():
        return venv_python(venv)
    echo(f"installing the Doccano server into {venv} from {lock.name} (first use: a few minutes)")
    if not venv_python(venv).is_file():
        _run([sys.executable, "-m", "venv", str(venv)], "creating the server virtualenv")
    _run(
        [str(venv_python(venv)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(lock)],
        f"installing {lock.name}",
    )
    atomic_write_text(marker, digest + "\n")
    return venv_python(venv)


def _run(
    cmd: list[str], what: str, env: dict[str, str] | None = None, cwd: Path | None = None, umask: int = -1
) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, umask=umask)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise GeostanceError(f"{what} failed (exit {proc.returncode}): {tail[0]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        # As gunicorn binds: with SO_REUSEADDR, so connections left in TIME_WAIT by a server just stopped do not
        # count; only a socket that listens on the port does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def local_port(url: str) -> int:
    parsed = urlparse(url)
    if parsed.scheme != "http" or parsed.hostname not in LOCAL_HOSTS:
        raise GeostanceError(
            f"`doccano up` starts a local server: DOCCANO_URL must be http://127.0.0.1:PORT, not {url}"
        )
    return parsed.port or 80


@dataclass(frozen=True)
class ServerState:
    url: str
    port: int
    home: str
    web_pid: int
    task_pid: int
    started_at: float

    @property
    def pids(self) -> tuple[int, int]:
        return self.web_pid, self.task_pid


def state_path(home: Path) -> Path:
    return home / "server.json"


def read_state(home: Path) -> ServerState | None:
    path = state_path(home)
    if not path.is_file():
        return None
    return ServerState(**json.loads(path.read_text()))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still "exists"; reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def _secret_key(home: Path) -> str:
    path = home / "secret_key"
    if not path.is_file():
        atomic_write_text(path, secrets.token_urlsafe(50), private=True)
    return path.read_text().strip()


def prepare_home(home: Path) -> Path:
    """The server's folder, created or made private (0700), with files an older version left readable by others
    (the database, its journal, logs) made 0600."""
    home = make_private_dir(home)
    for path in home.iterdir():
        if path.is_file() and not path.is_symlink():
            path.chmod(path.stat().st_mode & 0o700)
    return home


def _private_log(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)


def _server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(DOCCANO_HOME=str(home), SECRET_KEY=_secret_key(home), DEBUG="False", PYTHONUNBUFFERED="1")
    return env


# Long on purpose: process start-up in order (environment, web server, worker, pid record, health wait), each
# step needing the one before and the same cleanup on failure.
def start_server(
    *,
    port: int,
    admin_username: str,
    admin_password: str,
    home: Path | None = None,
    venv: Path | None = None,
    web_workers: int = 2,
    timeout: float = 180.0,
    echo: Callable[[str], None] = lambda _m: None,
) -> ServerState:
    """Install (first use), initialise and start web + worker; return once the health check passes."""
    home = prepare_home((home or server_home_path()).resolve())
    url = f"http://127.0.0.1:{port}"
    running = read_state(home)
    if running is not None:
        if all(_alive(p) for p in running.pids):
            raise GeostanceError(
                f"a Doccano server from {home} is already running at {running.url} "
                f"(pids {running.web_pid}, {running.task_pid}); stop it with `geostance doccano down`"
            )
        state_path(home).unlink()
    if port_in_use(port):
        raise GeostanceError(
            f"port {port} on 127.0.0.1 is already in use; stop what uses it or pick another port in DOCCANO_URL"
        )
    python = ensure_server_venv(venv, echo=echo)
    env = _server_env(home)
    echo(f"initialising the database in {home}")
    _run(
        [str(python), "-I", str(LAUNCHER), "init"],
        "initialising the Doccano database",
        env={**env, "GEOSTANCE_DOCCANO_ADMIN": admin_username, "GEOSTANCE_DOCCANO_ADMIN_PASSWORD": admin_password},
        cwd=home,
        umask=SERVER_UMASK,
    )
    procs = []
    for name, args in (("web", ["web", str(port), str(web_workers)]), ("task", ["task"])):
        log = _private_log(home / f"{name}.log")
        procs.append(
            subprocess.Popen(
                [str(python), "-I", "-u", str(LAUNCHER), *args],
                env=env,
                cwd=home,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                umask=SERVER_UMASK,
            )
        )
        os.close(log)
    state = ServerState(
        url=url, port=port, home=str(home), web_pid=procs[0].pid, task_pid=procs[1].pid, started_at=time.time()
    )
    atomic_write_json(state_path(home), asdict(state), private=True)
    try:
        _wait_healthy(state, procs, timeout, echo)
    except BaseException:
        stop_server(home)
        raise
    return state


def _wait_healthy(
    state: ServerState, procs: list[subprocess.Popen], timeout: float, echo: Callable[[str], None]
) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        for name, proc in zip(("web server", "task worker"), procs, strict=True):
            if proc.poll() is not None:
                log = Path(state.home) / ("web.log" if name == "web server" else "task.log")
                tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["(empty log)"]
                raise GeostanceError(f"the Doccano {name} exited with code {proc.returncode}: {tail[0]} (log: {log})")
        try:
            report = health_report(state.url, timeout=10)
            problem = worker_problem(report)
            if problem is None and all(v == "OK" for v in report.values()):
                return
            last = problem or str(report)
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(0.3)
    raise GeostanceError(f"Doccano at {state.url} did not become healthy within {timeout:.0f} s ({last})")


def stop_server(home: Path | None = None, grace: float = 15.0) -> list[int]:
    """Stop the web server and worker recorded in `<home>/server.json` (their process groups); return their pids."""
    home = (home or server_home_path()).resolve()
    state = read_state(home)
    if state is None:
        return []
    stopped = []
    for pid in state.pids:
        try:
            os.killpg(pid, signal.SIGTERM)  # each was started as a group leader: gunicorn's workers go with it
            stopped.append(pid)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(p) for p in stopped):
        time.sleep(0.1)
    for pid in stopped:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    for pid in stopped:
        _alive(pid)  # reap
    state_path(home).unlink(missing_ok=True)
    return stopped


def local_server_version(url: str, home: Path | None = None, venv: Path | None = None) -> str:
    """`doccano X.Y.Z` when `url` is the server `up` started from this checkout, else 'unknown'."""
    state = read_state((home or server_home_path()).resolve())
    if state is None or state.url.rstrip("/") != url.rstrip("/"):
        return "unknown (server not started by `geostance doccano up` from this checkout)"
    site = sorted((venv or server_venv_path()).glob("lib/python*/site-packages/doccano-*.dist-info"))
    return f"doccano {site[0].name.split('-')[1].removesuffix('.dist')}" if site else "doccano (version unknown)"
