import pytest

from geostance.doccano.bench import BENCH_ENTITIES, bench_preannotate, bench_push, synthetic_decisions, synthetic_units


@pytest.mark.doccano
def test_bench_push_smoke(doccano_server, admin):
    before = {p.name for p in admin.api.list_projects()}
    result = bench_push(6, doccano_server, batch_size=4)
    assert result["uploaded_first"] == 6 and result["uploaded_second"] == 0 and result["examples_in_project"] == 6
    assert result["second_push_listing"].startswith("cache of 6 rows")
    assert result["push_s"] > 0 and result["per_example_s"] > 0 and result["peak_memory_mb"] > 0
    assert result["speedup"] == pytest.approx(result["per_example_s"] / result["push_s"], rel=0.05, abs=0.01)
    assert {p.name for p in admin.api.list_projects()} == before  # throw-away projects deleted


def test_synthetic_decisions_mark_every_bench_name_and_one_stance_per_target(schema):
    units = synthetic_units(3)
    decisions = synthetic_decisions(units, schema)
    for unit, decision in zip(units, decisions, strict=True):
        assert {unit.text[s:e] for s, e, _ in decision.entities} == set(BENCH_ENTITIES)
        assert [c.split(":")[0] for c in decision.cats] == list(schema.target_ids)
        assert len(decision.scores) == len(decision.entities) + len(decision.cats) == 10


@pytest.mark.doccano
def test_bench_preannotate_smoke(doccano_server, admin):
    before = {p.name for p in admin.api.list_projects()}
    result = bench_preannotate(6, doccano_server, workers=3, chunks=2)
    assert result["labels_posted"] == result["labels_posted_one_at_a_time"] == 60  # 10 labels a unit, both sides
    assert result["ours_s"] > 0 and result["one_at_a_time_s"] > 0
    assert result["speedup"] == pytest.approx(
        result["ours_labels_per_s"] / result["one_at_a_time_labels_per_s"], rel=0.05
    )
    assert {p.name for p in admin.api.list_projects()} == before  # throw-away projects deleted
