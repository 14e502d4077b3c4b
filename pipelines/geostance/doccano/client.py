"""A robust session around doccano-client 1.2.8: retries with backoff, timeouts, and one-line errors.

doccano-client is used where it works (login, projects, label types, members, users, upload); where it lacks an
endpoint or pages 5 rows at a time, we call the API with its authenticated `requests` session. Every failure leaves
here as a `GeostanceError` whose text names the server, the user and what went wrong, never the password.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
from doccano_client import DoccanoClient
from doccano_client.exceptions import DoccanoAPIError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from geostance.doccano.settings import DoccanoSettings
from geostance.errors import GeostanceError

PAGE_SIZE = 10_000          # one request lists up to this many rows (Doccano's default page is 5)
RETRY_STATUSES = (500, 502, 503, 504)


class DoccanoError(GeostanceError):
    """A Doccano request that failed, described in one line."""


def _retrying_adapter(retries: int, backoff: float) -> HTTPAdapter:
    # Connection errors are retried for every method (nothing reached the server). 5xx and read errors only for
    # idempotent methods: a POST that may have run is not repeated blindly; push/annotate re-check state instead.
    retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff,
                  status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"GET", "PUT", "DELETE", "HEAD"}),
                  raise_on_status=False)
    return HTTPAdapter(max_retries=retry, pool_maxsize=4)


def _server_says(response: requests.Response | None) -> str:
    if response is None:
        return ""
    text = " ".join(response.text.split())
    if text.lstrip().startswith("<"):
        text = ""  # an HTML error page says nothing useful in one line
    return f"HTTP {response.status_code}" + (f": {text[:200]}" if text else "")


class DoccanoSession:
    """A logged-in connection to one Doccano server as one user."""

    def __init__(self, settings: DoccanoSettings, *, retries: int = 4, backoff: float = 0.3,
                 timeout: float = 120.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self.client = DoccanoClient(settings.url)
        self.http: requests.Session = self.client._base_repository._session
        adapter = _retrying_adapter(retries, backoff)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)
        self._project_cache: dict[str, dict] = {}

    # -- errors ------------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def errors(self, what: str) -> Iterator[None]:
        where = f"Doccano at {self.settings.url}"
        try:
            yield
        except DoccanoError:
            raise
        except requests.ConnectionError:
            raise DoccanoError(f"cannot reach {where} while {what}: is the server running? "
                               f"(start one with `geostance doccano up`)") from None
        except requests.Timeout:
            raise DoccanoError(f"{where} did not answer in time while {what}") from None
        except DoccanoAPIError as exc:
            raise DoccanoError(f"{where} refused {what} as user {self.settings.username!r}: "
                               f"{_server_says(exc.response)}") from None
        except requests.HTTPError as exc:
            raise DoccanoError(f"{where} refused {what} as user {self.settings.username!r}: "
                               f"{_server_says(exc.response)}") from None
        except requests.RequestException as exc:
            raise DoccanoError(f"request to {where} failed while {what}: {type(exc).__name__}") from None

    # -- plumbing ------------------------------------------------------------------------------------------------
    def login(self) -> DoccanoSession:
        with self.errors("logging in"):
            response = self.http.post(f"{self.settings.url}/v1/auth/login/", timeout=self.timeout,
                                      json={"username": self.settings.username, "password": self.settings.password})
            if response.status_code in (400, 401, 403):
                raise DoccanoError(f"login to Doccano at {self.settings.url} as {self.settings.username!r} failed: "
                                   f"wrong username or password")
            response.raise_for_status()
            self.http.headers.update({"X-CSRFToken": self.http.cookies.get("csrftoken", "")})
        return self

    def request(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """Call `/v1/<path>` and return its JSON (None for an empty body)."""
        url = path if path.startswith("http") else f"{self.settings.url}/v1/{path.lstrip('/')}"
        kwargs.setdefault("timeout", self.timeout)
        with self.errors(what):
            response = self.http.request(method, url, **kwargs)
            response.raise_for_status()
            if not response.content:
                return None
            return response.json() if "json" in response.headers.get("content-type", "") else response.content

    def get(self, path: str, what: str, **kwargs: Any) -> Any:
        return self.request("GET", path, what, **kwargs)

    def post(self, path: str, what: str, **kwargs: Any) -> Any:
        return self.request("POST", path, what, **kwargs)

    def list_all(self, path: str, what: str, params: dict | None = None) -> list[dict]:
        """Every row of a paginated list, PAGE_SIZE rows per request."""
        rows: list[dict] = []
        page = self.get(path, what, params={**(params or {}), "limit": PAGE_SIZE, "offset": 0})
        while True:
            if isinstance(page, list):  # an unpaginated endpoint
                return page
            rows.extend(page["results"])
            if not page.get("next"):
                return rows
            page = self.get(page["next"], what)

    # -- projects --------------------------------------------------------------------------------------------------
    def find_project(self, name: str) -> dict | None:
        matches = [p for p in self.list_all("projects", "listing projects") if p["name"] == name]
        if len(matches) > 1:
            raise DoccanoError(f"Doccano at {self.settings.url} has {len(matches)} projects named {name!r} "
                               f"(ids {[p['id'] for p in matches]}); rename all but one")
        return matches[0] if matches else None

    def project(self, name: str | None = None) -> dict:
        """The project named `name` (default: DOCCANO_PROJECT); a clear error when it does not exist."""
        name = name or self.settings.project
        if name not in self._project_cache:
            found = self.find_project(name)
            if found is None:
                raise DoccanoError(f"no project named {name!r} on Doccano at {self.settings.url} visible to "
                                   f"{self.settings.username!r}; create it with `geostance doccano setup`")
            self._project_cache[name] = found
        return self._project_cache[name]

    def me(self) -> dict:
        return self.get("me", "reading the current user")

    # -- examples ---------------------------------------------------------------------------------------------------
    def list_examples(self, project_id: int) -> list[dict]:
        return self.list_all(f"projects/{project_id}/examples", "listing examples")

    # -- tasks and the worker -------------------------------------------------------------------------------------
    def check_worker(self) -> None:
        """Fail before an upload or export when Doccano's celery worker does not answer (imports would hang)."""
        with self.errors("checking the server's health"):
            response = self.http.get(f"{self.settings.url}/v1/health/", params={"format": "json"},
                                     timeout=self.timeout)
        try:
            report = response.json()
        except ValueError:
            report = {}
        celery = {k: v for k, v in report.items() if "celery" in k.lower()}
        bad = [v for v in celery.values() if v != "OK"]
        if bad or not celery:
            reason = bad[0] if bad else _server_says(response)
            raise DoccanoError(f"Doccano's task worker at {self.settings.url} is not running ({reason}); uploads and "
                               f"exports would hang: start it with `doccano task` (or `geostance doccano up`)")

    def wait_for_task(self, task_id: str, what: str, timeout: float = 600.0, poll: float = 0.2) -> dict:
        """The task's final status (`{"ready", "result", "error"}`); raises only when it does not finish in time.
        Doccano reports a task it does not know (or has not started) as not ready, like one still queued."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.get(f"tasks/status/{task_id}", what)
            if status["ready"]:
                return status
            if time.monotonic() > deadline:
                raise DoccanoError(f"Doccano's task for {what} did not finish within {timeout:.0f} s; "
                                   f"is the task worker running?")
            time.sleep(poll)

    def wait_task(self, task_id: str, what: str, timeout: float = 600.0, poll: float = 0.2) -> Any:
        """The task's result once it finished; raises when it failed or did not finish in time."""
        status = self.wait_for_task(task_id, what, timeout, poll)
        if status.get("error"):
            raise DoccanoError(f"Doccano's task for {what} failed: {status['error'].get('text', status['error'])}")
        return status["result"]

    def drain_worker(self, what: str, timeout: float = 600.0) -> None:
        """Return once the task worker has run every task queued before this call.

        Doccano's health check sends a task through the same queue and waits for it (a few seconds at most). A
        single worker runs its queue in order (what `geostance doccano up` starts: one process, solo pool), so a
        check that passes comes after every task queued earlier; one that times out behind a long import is
        repeated until the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.check_worker()
                return
            except DoccanoError:
                if time.monotonic() > deadline:
                    raise DoccanoError(f"Doccano's task worker did not run the tasks queued "
                                       f"before {what} within {timeout:.0f} s; is it running?") from None
                time.sleep(0.5)

    def start_import(self, project_id: int, path: Path, task: str, file_format: str = "JSONL") -> str:
        """Upload one file and queue its ingest (one worker task); return the task's id. The rows appear in the
        project only once the worker has run the task (`wait_for_task`)."""
        repo = self.client._data_import_repository
        with self.errors(f"uploading {path.name}"):
            upload_id = repo.upload(str(path))
            return repo.ingest(project_id, [upload_id], task, file_format, column_data="text", column_label="label")

    @staticmethod
    def raise_import_errors(status: dict, name: str) -> None:
        """Raise with the first problem when a finished import task failed or rejected rows."""
        if status.get("error"):
            raise DoccanoError(f"Doccano's task for importing {name} failed: "
                               f"{status['error'].get('text', status['error'])}")
        errors = (status.get("result") or {}).get("error") or []
        if errors:
            first = errors[0]
            raise DoccanoError(f"Doccano rejected {len(errors)} row(s) of {name}; first: line "
                               f"{first.get('line', '?')}: {first.get('message', first)}")


def connect(settings: DoccanoSettings, **kwargs: Any) -> DoccanoSession:
    """A logged-in session; raises DoccanoError in one line when the server is down or the password wrong."""
    return DoccanoSession(settings, **kwargs).login()


Progress = Callable[[int], None]
