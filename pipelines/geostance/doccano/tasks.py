"""Work Doccano does in its task worker: bulk imports and exports, the tasks' status, and the worker's health.

doccano-client cannot be used for these. Its `upload()` returns only once the import has run, so the task's id
cannot be recorded before (push announces each batch with it, see push.py); its `download()` saves the export under
the file name the server's Content-Disposition header gives, unchecked (`../x` or `/x` would write outside the
folder asked for); it has no task-status call and no health check; and it polls once a second, where an import
batch takes about one. So these go through `DoccanoSession.request`, with its retries, timeouts and errors.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from geostance.doccano.client import DoccanoError, DoccanoSession
from geostance.doccano.health import worker_problem

TASK_POLL_S = 0.2


def check_worker(session: DoccanoSession) -> None:
    """Fail before an upload or export when Doccano's celery worker does not answer (imports would hang)."""
    problem = worker_problem(session.health())
    if problem is not None:
        raise DoccanoError(
            f"Doccano's task worker at {session.settings.url} is not running ({problem}); uploads "
            f"and exports would hang: start it with `doccano task` (or `geostance doccano up`)"
        )


def task_status(session: DoccanoSession, task_id: str, what: str) -> dict:
    """`{"ready", "result", "error"}` of one worker task. Doccano reports a task it does not know (or has not
    started) as not ready, like one still queued."""
    return session.request("GET", f"tasks/status/{task_id}", what)


def wait_for_task(
    session: DoccanoSession, task_id: str, what: str, timeout: float = 600.0, poll: float = TASK_POLL_S
) -> dict:
    """The task's final status; raises only when it does not finish in time."""
    deadline = time.monotonic() + timeout
    while True:
        status = task_status(session, task_id, what)
        if status["ready"]:
            return status
        if time.monotonic() > deadline:
            raise DoccanoError(
                f"Doccano's task for {what} did not finish within {timeout:.0f} s; is the task worker running?"
            )
        time.sleep(poll)


def wait_task(session: DoccanoSession, task_id: str, what: str, timeout: float = 600.0) -> Any:
    """The task's result once it finished; raises when it failed or did not finish in time."""
    status = wait_for_task(session, task_id, what, timeout)
    if status.get("error"):
        raise DoccanoError(f"Doccano's task for {what} failed: {_task_error(status)}")
    return status["result"]


def drain_worker(session: DoccanoSession, what: str, timeout: float = 600.0) -> None:
    """Return once the task worker has run every task queued before this call.

    Doccano's health check sends a task through the same queue and waits for it (a few seconds at most). A
    single worker runs its queue in order (what `geostance doccano up` starts: one process, solo pool), so a
    check that passes comes after every task queued earlier; one that times out behind a long import is
    repeated until the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check_worker(session)
            return
        except DoccanoError:
            if time.monotonic() > deadline:
                raise DoccanoError(
                    f"Doccano's task worker did not run the tasks queued "
                    f"before {what} within {timeout:.0f} s; is it running?"
                ) from None
            time.sleep(0.5)


def upload_file(session: DoccanoSession, path: Path) -> str:
    """Send one file to Doccano's upload area; return its upload id (the file is not in a project yet)."""
    with path.open("rb") as fh:
        answer = session.request(
            "POST",
            "fp/process/",
            f"uploading {path.name}",
            files={"filepond": (path.name, fh)},
            headers={"Accept": "*/*"},
        )
    return answer.decode() if isinstance(answer, bytes) else str(answer)


def ingest(session: DoccanoSession, project_id: int, upload_ids: list[str], task: str, file_format: str) -> str:
    """Queue the import of uploaded files into the project; return the worker task's id."""
    answer = session.request(
        "POST",
        f"projects/{project_id}/upload",
        f"importing {len(upload_ids)} file(s)",
        json={
            "uploadIds": upload_ids,
            "task": task,
            "format": file_format,
            "column_data": "text",
            "column_label": "label",
        },
    )
    return answer["task_id"]


def start_import(session: DoccanoSession, project_id: int, path: Path, task: str, file_format: str = "JSONL") -> str:
    """Upload one file and queue its import (one worker task); return the task's id. The rows appear in the
    project only once the worker has run the task (`wait_for_task`)."""
    return ingest(session, project_id, [upload_file(session, path)], task, file_format)


def raise_import_errors(status: dict, name: str) -> None:
    """Raise with the first problem when a finished import task failed or rejected rows (Doccano reports rejected
    rows in the task's result and still calls the task a success)."""
    if status.get("error"):
        raise DoccanoError(f"Doccano's task for importing {name} failed: {_task_error(status)}")
    errors = (status.get("result") or {}).get("error") or []
    if errors:
        first = errors[0]
        raise DoccanoError(
            f"Doccano rejected {len(errors)} row(s) of {name}; first: line "
            f"{first.get('line', '?')}: {first.get('message', first)}"
        )


def download_export(session: DoccanoSession, project_id: int, file_format: str, approved_only: bool) -> Any:
    """The project's export (Doccano's zip, as bytes) once the worker has written it."""
    check_worker(session)
    task = session.request(
        "POST",
        f"projects/{project_id}/download",
        "starting the export",
        json={"format": file_format, "exportApproved": approved_only},
    )
    wait_task(session, task["task_id"], "exporting the project")
    return session.request(
        "GET", f"projects/{project_id}/download", "downloading the export", params={"taskId": task["task_id"]}
    )


def _task_error(status: dict) -> str:
    error = status["error"]
    return str(error.get("text", error)) if isinstance(error, dict) else str(error)
