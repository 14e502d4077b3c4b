import pytest

from geostance.doccano.bench import bench_push


@pytest.mark.doccano
def test_bench_push_smoke(doccano_server, admin):
    before = {p.name for p in admin.api.list_projects()}
    result = bench_push(6, doccano_server, batch_size=4)
    assert result["uploaded_first"] == 6 and result["uploaded_second"] == 0 and result["examples_in_project"] == 6
    assert result["second_push_listing"].startswith("cache of 6 rows")
    assert result["push_s"] > 0 and result["per_example_s"] > 0 and result["peak_memory_mb"] > 0
    assert result["speedup"] == pytest.approx(result["per_example_s"] / result["push_s"], rel=0.05, abs=0.01)
    assert {p.name for p in admin.api.list_projects()} == before  # throw-away projects deleted
