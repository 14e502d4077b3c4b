"""`predict --engine dask` on a real LocalCluster (2 single-threaded worker processes on loopback, each with a
nanny): same rows as local predict on the corpus, re-runs skip finished partitions, a worker killed while a
partition is in flight is replaced and its partition redone, bad input is one error naming file and line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from distributed import WorkerPlugin
from typer.testing import CliRunner

from geostance.batch.engines import DaskEngine
from geostance.batch.job import PartitionTask, PredictJob, predict_partition, run_job
from geostance.batch.output import MANIFEST, SUCCESS, read_manifest, read_predictions
from geostance.batch.partitions import plan_partitions
from geostance.cli import build_app
from geostance.errors import GeostanceError
from geostance.predict import ModelSpec, describe_model, load_spec, predict_records, read_inputs


@pytest.fixture(scope="module")
def spec(models) -> ModelSpec:
    return ModelSpec.make(None, models["ner"], models["stance"])


@pytest.fixture(scope="module")
def engine():
    with DaskEngine(n_workers=2) as dask_engine:
        yield dask_engine


@pytest.fixture(scope="module")
def corpus(repo_root) -> Path:
    return repo_root / "corpus" / "articles"


@pytest.fixture(scope="module")
def local_records(spec, corpus) -> list[dict]:
    """What `geostance predict corpus/articles --out x.jsonl` writes: one process, one nlp.pipe stream."""
    return list(predict_records(load_spec(spec), read_inputs([corpus]).items, model=describe_model(spec)))


def test_dask_output_equals_local_predict_row_for_row_on_the_corpus(engine, spec, corpus, local_records, tmp_path):
    out = tmp_path / "preds"
    summary = run_job(PredictJob([corpus], out, spec, partition_rows=60), engine)
    rows = read_predictions(out)
    assert rows == local_records
    assert len(rows) == summary.rows == len({r["id"] for r in rows}) > 300
    assert summary.computed == summary.partitions > 3 and len(summary.worker_peak_rss_mb) == 2
    manifest = read_manifest(out)
    assert manifest["rows"] == len(rows) and manifest["model_fingerprint"] == rows[0]["model_fingerprint"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MANIFEST, SUCCESS, *(p["file"] for p in manifest["partitions"])]
    )


def test_rerun_skips_finished_partitions_and_redoes_only_a_missing_one(engine, spec, corpus, local_records, tmp_path):
    out = tmp_path / "preds"
    job = PredictJob([corpus], out, spec, partition_rows=150)
    run_job(job, engine)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = run_job(job, engine)
    assert (again.computed, again.reused) == (0, again.partitions)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before  # nothing rewritten, manifest included
    victim = read_manifest(out)["partitions"][1]["file"]
    (out / victim).unlink()
    (out / f".{victim}.x1y2.tmp").write_bytes(b"half a file from a killed writer")
    third = run_job(job, engine)
    assert (third.computed, third.removed) == (1, [f".{victim}.x1y2.tmp"])
    assert read_predictions(out) == local_records


class KillSecondTask(WorkerPlugin):
    """Ends its worker process (os._exit, no clean-up) the moment a second partition task starts executing there;
    the first worker to get there dies, once (the flag file records which process and task)."""

    name = "test-kill-second-task"

    def __init__(self, flag: str) -> None:
        self.flag = flag
        self.started = 0

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish != "executing" or not str(key).startswith("geostance-predict-"):
            return
        self.started += 1
        if self.started < 2:
            return
        try:
            fd = os.open(self.flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, json.dumps({"pid": os.getpid(), "key": str(key)}).encode())
        os.close(fd)
        os._exit(1)


def test_a_worker_killed_mid_run_is_retried_and_every_row_appears_once(engine, spec, corpus, local_records, tmp_path):
    client = engine.client
    pids_before = set(client.run(os.getpid).values())
    flag = tmp_path / "killed.json"
    client.register_plugin(KillSecondTask(str(flag)))
    try:
        summary = run_job(PredictJob([corpus], tmp_path / "preds", spec, partition_rows=30), engine)
    finally:
        client.unregister_worker_plugin(KillSecondTask.name)
    killed = json.loads(flag.read_text())
    assert killed["pid"] in pids_before
    with pytest.raises(ProcessLookupError):
        os.kill(killed["pid"], 0)  # the process is gone, not just disconnected
    redone = next(r for r in summary.results if f"geostance-predict-{r.file}" == killed["key"])
    assert redone.computed and not redone.worker.endswith(f":{killed['pid']}")
    rows = read_predictions(tmp_path / "preds")
    assert [r["id"] for r in rows] == [r["id"] for r in local_records]  # every row, once, in input order
    assert rows == local_records
    client.wait_for_workers(2, timeout=60)  # the nanny restarted the worker for the tests after this one


def test_a_partition_task_run_twice_writes_one_file(spec, corpus, tmp_path):
    """A retry after the first attempt wrote its file (its worker died before reporting) finds it and reuses it."""
    part = plan_partitions([corpus], 30, "salt")[0]
    task = PartitionTask(part, str(tmp_path), spec, describe_model(spec).fingerprint)
    first, second = predict_partition(task), predict_partition(task)
    assert first.computed and not second.computed
    assert (first.file, first.rows) == (second.file, second.rows) and len(list(tmp_path.iterdir())) == 1


def test_a_worker_with_another_model_refuses_the_task(spec, corpus, tmp_path):
    part = plan_partitions([corpus], 30, "salt")[0]
    task = PartitionTask(part, str(tmp_path), spec, "sha256:" + "0" * 64)  # planned with another model
    with pytest.raises(GeostanceError, match=r"is not the one the job was planned with \(sha256:0000"):
        predict_partition(task)
    assert not list(tmp_path.iterdir())


def test_bad_line_on_a_worker_is_one_error_naming_file_and_line(engine, spec, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    good = "".join(json.dumps({"id": f"g{i}", "text": f"Japan backs the alliance, {i}."}) + "\n" for i in range(6))
    (inputs / "a.jsonl").write_text(good, encoding="utf-8")
    (inputs / "b.jsonl").write_text(good + '{"text": 5}\n', encoding="utf-8")
    with pytest.raises(GeostanceError) as info:
        run_job(PredictJob([inputs], tmp_path / "out", spec, partition_rows=4), engine)
    assert str(info.value).splitlines() == [
        f"{inputs / 'b.jsonl'}:7: no text: each line needs a non-empty string field 'text'"
    ]
    assert not (tmp_path / "out" / SUCCESS).exists()
    summary = run_job(PredictJob([inputs], tmp_path / "out", spec, partition_rows=4, skip_bad=True), engine)
    assert summary.rows == 12 and summary.skipped == [
        f"{inputs / 'b.jsonl'}:7: no text: each line needs a non-empty string field 'text'"
    ]


def test_cli_dask_engine_with_scheduler_address_on_parquet_and_jsonl(engine, models, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    inputs = tmp_path / "in"
    inputs.mkdir()
    texts = [
        "Vladimir Putin met Kim Jong Un on Tuesday.",
        "Japan strongly supports the alliance in a statement.",
        "China condemns the sanctions in a statement.",
    ] * 4
    pq.write_table(
        pa.table({"id": [f"p{i}" for i in range(12)], "text": texts}), inputs / "a.parquet", row_group_size=4
    )
    (inputs / "b.jsonl").write_text(
        "".join(json.dumps({"text": t, "n": i}) + "\n" for i, t in enumerate(texts)), encoding="utf-8"
    )
    model_args = ["--ner-model", str(models["ner"]), "--stance-model", str(models["stance"])]
    runner = CliRunner()
    local = runner.invoke(build_app(), ["predict", str(inputs), *model_args, "--out", str(tmp_path / "l.jsonl")])
    assert local.exit_code == 0, local.output
    dask = runner.invoke(
        build_app(),
        [
            "predict",
            str(inputs),
            *model_args,
            "--out",
            str(tmp_path / "d"),
            "--engine",
            "dask",
            "--scheduler",
            engine.client.scheduler.address,
            "--partition-rows",
            "5",
        ],
    )
    assert dask.exit_code == 0, dask.output
    assert "24 text(s) in 5 partition(s)" in dask.output and "dask: scheduler tcp://127.0.0.1:" in dask.output
    expected = [json.loads(line) for line in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert read_predictions(tmp_path / "d") == expected
    assert expected[0]["stance"] and expected[13]["meta"] == {"n": 1}


def test_a_model_the_workers_cannot_load_fails_before_any_task(engine, spec, tmp_path):
    (tmp_path / "in.txt").write_text("Japan backs the alliance.\n", encoding="utf-8")
    missing = ModelSpec(ner_dir=str(tmp_path / "no-such-model"))
    with pytest.raises(GeostanceError, match=rf"a Dask worker could not load the model: .*{tmp_path}/no-such-model"):
        engine.prepare(missing)
    summary = run_job(PredictJob([tmp_path / "in.txt"], tmp_path / "out", spec), engine)  # the cluster still works
    assert summary.rows == 1
