"""Doccano's own health report, read in one place: by `up` while the server starts, and by push and pull before they
queue work for the task worker (a stopped worker makes imports and exports hang without a word).

Doccano's `/v1/health/` runs each check (database, cache, a round trip through the celery worker) and answers 500
with the same JSON body when one fails, so the status code is not an error here: the report says what failed.
"""

from __future__ import annotations

import requests


def health_report(url: str, *, http: requests.Session | None = None, timeout: float = 10.0) -> dict[str, str]:
    """{check: "OK" or why not}; raises requests' errors when the server cannot be reached. No login is needed."""
    get = http.get if http is not None else requests.get
    response = get(f"{url}/v1/health/", params={"format": "json"}, timeout=timeout)
    try:
        report = response.json()
    except ValueError:
        report = None
    if not isinstance(report, dict):
        return {"http": f"status {response.status_code}, no health report"}
    return {str(k): str(v) for k, v in report.items()}


def worker_problem(report: dict[str, str]) -> str | None:
    """None when the celery worker answered the health check, else why not."""
    celery = {k: v for k, v in report.items() if "celery" in k.lower()}
    if not celery:
        return "the health report has no celery check" + (f" ({report['http']})" if "http" in report else "")
    bad = [f"{k}: {v}" for k, v in celery.items() if v != "OK"]
    return "; ".join(bad) or None
