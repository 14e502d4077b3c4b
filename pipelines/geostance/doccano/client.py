"""One connection to a Doccano server as one user: doccano-client's public API, and a thin layer for what it lacks.

`DoccanoSession.api` is doccano-client's `DoccanoClient`; the calls it covers (creating, updating and deleting
projects; label types, users, members, single examples) are made through it. What it lacks, and only that, is here:

- Retries and one-line errors. doccano-client takes no session, adapter or timeout, so every call, its own and
  ours, goes through `call` (a request that may safely run twice: retried on connection errors, timeouts and 5xx)
  or `call_once` (one that changes state each time, such as a create or the confirm toggle: retried only when no
  connection was made). Failures leave as a `DoccanoError` naming the server, the user and what was being done,
  never the password.
- A session of our own (timeouts, kept-alive connections, safe to share between threads) for the endpoints it lacks
  or gets wrong: finding the project by name (its `Project` model drops `created_at`/`updated_at`, which name the
  push cache and go into snapshot.json, and refuses a project with an empty description, Doccano's default for one
  made through the API, so one such project anywhere on the server would stop every lookup), example pages of any
  size at any offset (its lists page 5 rows at a time, about 3 ms a row on the server), Doccano's health report,
  the import/export tasks in `tasks.py`, and a user's labels and confirmations (`user_labels.py`): those are
  thousands of small requests sent from a thread pool, and each needs a timeout, so that one stuck request fails
  the run instead of hanging it. doccano-client's own session cannot be shared without its private attributes, so
  each logs in once (`login`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import requests
from doccano_client import DoccanoClient
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from geostance.doccano.health import health_report
from geostance.doccano.settings import DoccanoSettings
from geostance.errors import GeostanceError

PAGE_SIZE = 10_000  # one request lists up to this many rows (Doccano's default page is 5)
RETRY_STATUSES = frozenset({500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
LOGIN_REFUSED = frozenset({400, 401, 403})

P = ParamSpec("P")
T = TypeVar("T")


class DoccanoError(GeostanceError):
    """A Doccano request that failed, described in one line; `status` is the HTTP status when the server answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _server_says(response: requests.Response | None) -> str:
    if response is None:
        return ""
    text = " ".join(response.text.split())
    if text.lstrip().startswith("<"):
        text = ""  # an HTML error page says nothing useful in one line
    return f"HTTP {response.status_code}" + (f": {text[:200]}" if text else "")


def _never_connected(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the server (connection refused or not made in time)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _worth_retrying(exc: requests.RequestException, idempotent: bool) -> bool:
    if _never_connected(exc):
        return True
    if not idempotent:
        return False  # a POST that may have run is not repeated blindly; push and annotate re-check state instead
    if isinstance(exc, requests.HTTPError):
        return exc.response is not None and exc.response.status_code in RETRY_STATUSES
    return isinstance(exc, requests.ConnectionError | requests.Timeout)


class DoccanoSession:
    """A logged-in connection to one Doccano server as one user (see the module's docstring)."""

    def __init__(
        self,
        settings: DoccanoSettings,
        *,
        retries: int = 4,
        backoff: float = 0.3,
        timeout: float = 120.0,
        pool_size: int = 8,
    ) -> None:
        self.settings = settings
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.api = DoccanoClient(settings.url)
        self._http = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size)
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)
        self._http_logged_in = False
        self._login_lock = threading.Lock()

    # -- retries and errors --------------------------------------------------------------------------------------
    def call(self, what: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` for a request that may safely run twice (a read, a PUT, a DELETE); `what` says what
        it does, for the error message."""
        return self._retrying(what, True, lambda: fn(*args, **kwargs))

    def call_once(self, what: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` for a request that changes state each time it runs; sent again only when the first
        try never reached the server."""
        return self._retrying(what, False, lambda: fn(*args, **kwargs))

    def _retrying(self, what: str, idempotent: bool, thunk: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return thunk()
            except DoccanoError:
                raise
            except requests.RequestException as exc:
                if attempt >= self.retries or not _worth_retrying(exc, idempotent):
                    raise self._describe(exc, what) from None
            except ValueError as exc:
                # doccano-client's own checks ("not found", "already exists") and its models refusing an answer
                raise DoccanoError(f"Doccano at {self.settings.url}: {what}: {' '.join(str(exc).split())}") from None
            time.sleep(self.backoff * 2**attempt)
            attempt += 1

    def _describe(self, exc: requests.RequestException, what: str) -> DoccanoError:
        where = f"Doccano at {self.settings.url}"
        if isinstance(exc, requests.ConnectionError):
            return DoccanoError(
                f"cannot reach {where} while {what}: is the server running? (start one with `geostance doccano up`)"
            )
        if isinstance(exc, requests.Timeout):
            return DoccanoError(f"{where} did not answer in time while {what}")
        if isinstance(exc, requests.HTTPError):
            status = exc.response.status_code if exc.response is not None else None
            return DoccanoError(
                f"{where} refused {what} as user {self.settings.username!r}: {_server_says(exc.response)}", status
            )
        return DoccanoError(f"request to {where} failed while {what}: {type(exc).__name__}")

    # -- login ---------------------------------------------------------------------------------------------------
    def login(self) -> DoccanoSession:
        """Log doccano-client in now (so a wrong password fails here); our own session logs in on first use."""
        self._login("logging in", lambda: self.api.login(self.settings.username, self.settings.password))
        return self

    def _login(self, what: str, send: Callable[[], None]) -> None:
        try:
            self.call(what, send)
        except DoccanoError as exc:
            if exc.status in LOGIN_REFUSED:
                raise DoccanoError(
                    f"login to Doccano at {self.settings.url} as {self.settings.username!r} failed: "
                    f"wrong username or password",
                    exc.status,
                ) from None
            raise

    def _send_login(self) -> None:
        response = self._http.post(
            f"{self.settings.url}/v1/auth/login/",
            timeout=self.timeout,
            json={"username": self.settings.username, "password": self.settings.password},
        )
        response.raise_for_status()
        # Session authentication: Django checks this header against the cookie on every unsafe request.
        self._http.headers["X-CSRFToken"] = self._http.cookies.get("csrftoken", "")

    def _logged_in_http(self) -> requests.Session:
        with self._login_lock:
            if not self._http_logged_in:
                self._login("logging in", self._send_login)
                self._http_logged_in = True
        return self._http

    # -- our own requests ------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, what: str, *, idempotent: bool | None = None, **kwargs: Any) -> Any:
        """`/v1/<path>` on our own session, for an endpoint doccano-client lacks; the answer's JSON, its bytes when
        it is not JSON, or None when empty. GET/PUT/DELETE (and any request with `idempotent=True`, such as a PATCH
        that sets a field) are retried as `call`, the others as `call_once`."""
        url = f"{self.settings.url}/v1/{path.lstrip('/')}"
        kwargs.setdefault("timeout", self.timeout)

        def send() -> Any:
            response = self._logged_in_http().request(method, url, **kwargs)
            response.raise_for_status()
            if not response.content:
                return None
            return response.json() if "json" in response.headers.get("content-type", "") else response.content

        if idempotent if idempotent is not None else method.upper() in IDEMPOTENT_METHODS:
            return self.call(what, send)
        return self.call_once(what, send)

    def health(self) -> dict[str, str]:
        """Doccano's health report (`health.health_report`), through this session's retries."""
        return self.call(
            "checking the server's health", health_report, self.settings.url, http=self._http, timeout=self.timeout
        )

    def list_rows(self, path: str, what: str, offset: int = 0) -> list[dict]:
        """Every row of a paginated list from position `offset` on, PAGE_SIZE rows per request."""
        rows: list[dict] = []
        while True:
            page = self.request("GET", path, what, params={"limit": PAGE_SIZE, "offset": offset + len(rows)})
            rows.extend(page["results"])
            if not page.get("next") or not page["results"]:
                return rows

    # -- projects ----------------------------------------------------------------------------------------------------
    def find_project(self, name: str) -> dict | None:
        """The record of the project named `name`, as the server sends it, or None."""
        matches = [p for p in self.list_rows("projects", "listing projects") if p["name"] == name]
        if len(matches) > 1:
            raise DoccanoError(
                f"Doccano at {self.settings.url} has {len(matches)} projects named {name!r} "
                f"(ids {[p['id'] for p in matches]}); rename all but one"
            )
        return matches[0] if matches else None

    def project(self, name: str | None = None) -> dict:
        """The project named `name` (default: DOCCANO_PROJECT); a clear error when it does not exist."""
        name = name or self.settings.project
        found = self.find_project(name)
        if found is None:
            raise DoccanoError(
                f"no project named {name!r} on Doccano at {self.settings.url} visible to "
                f"{self.settings.username!r}; create it with `make push` or `geostance doccano setup`"
            )
        return found

    # -- examples ------------------------------------------------------------------------------------------------------
    def example_page(self, project_id: int, offset: int, limit: int) -> dict:
        """`{"count", "next", "results"}`: up to `limit` examples from position `offset` (creation order)."""
        return self.request(
            "GET", f"projects/{project_id}/examples", "listing examples", params={"limit": limit, "offset": offset}
        )

    def list_examples(self, project_id: int, offset: int = 0) -> list[dict]:
        """Every example from position `offset` on, as the server's dicts."""
        return self.list_rows(f"projects/{project_id}/examples", "listing examples", offset)


def connect(settings: DoccanoSettings, **kwargs: Any) -> DoccanoSession:
    """A logged-in session; raises DoccanoError in one line when the server is down or the password wrong."""
    return DoccanoSession(settings, **kwargs).login()
