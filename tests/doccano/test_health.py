import pytest

from geostance.doccano.health import health_report, worker_problem


def test_worker_problem_reads_doccanos_health_report():
    assert worker_problem({"CeleryHealthCheckCelery": "OK", "Cache": "OK"}) is None
    assert "took too long" in worker_problem(
        {"CeleryHealthCheckCelery": "unavailable: TimeoutError: The task took too long to return a result"}
    )
    assert (
        worker_problem({"http": "status 502, no health report"})
        == "the health report has no celery check (status 502, no health report)"
    )


@pytest.mark.doccano
def test_health_report_of_a_running_server_has_every_check_ok(doccano_server):
    report = health_report(doccano_server.url)
    assert report and all(v == "OK" for v in report.values())
    assert any("celery" in k.lower() for k in report)
