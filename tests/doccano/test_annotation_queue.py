import json
from datetime import UTC, datetime

import pytest

from geostance.corpus.model import Unit
from geostance.doccano.annotation_queue import (
    QueueOptions,
    model_fingerprint,
    queue_record,
    rank_candidates,
    write_queue_record,
)
from geostance.doccano.candidates import Candidate, CandidatePool
from geostance.doccano.settings import DoccanoSettings
from geostance.doccano.uncertainty import UnitUncertainty
from geostance.doccano.user_labels import LabelReport
from geostance.errors import GeostanceError, InputError


def pool_of(articles):
    """Candidates from `{article: n_units}`; example ids count from 100 in order."""
    candidates = []
    for article, n in articles.items():
        for i in range(n):
            unit = Unit(article, f"{article}:p{i:03d}", i, 0, 4, "text")
            candidates.append(Candidate(unit, {"id": 100 + len(candidates), "text": "text"}))
    return CandidatePool(candidates=candidates)


def scores(values):
    return [UnitUncertainty(stance=v, ner=v / 2, stance_by_target={"alliance": v}) for v in values]


def test_the_queue_takes_the_most_uncertain_units_at_most_k_from_one_article():
    pool = pool_of({"a": 4, "b": 2})
    queue = rank_candidates(pool, scores([0.9, 0.8, 0.7, 0.6, 0.1, 0.5]), size=4, per_article=2)
    assert [(q.rank, q.unit_id, q.example_id) for q in queue] == [
        (1, "a:p000", 100),
        (2, "a:p001", 101),
        (3, "b:p001", 105),
        (4, "b:p000", 104),
    ]
    assert queue[0].uncertainty == pytest.approx(0.675) and queue[0].stance == 0.9 and queue[0].ner == 0.45
    assert queue[0].stance_by_target == {"alliance": 0.9}
    assert rank_candidates(pool_of({}), [], size=5, per_article=3) == []
    with pytest.raises(ValueError, match="2 scores for 6 candidates"):
        rank_candidates(pool, scores([0.1, 0.2]), size=4, per_article=2)


def make_model(folder, meta):
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "weights").mkdir()
    (folder / "weights" / "model.bin").write_bytes(b"\x00\x01")
    return folder


def test_a_model_fingerprint_changes_with_any_file_and_names_its_dataset(tmp_path):
    ner = make_model(tmp_path / "ner", {"geostance": {"dataset_fingerprint": "sha256:data"}})
    stance = make_model(tmp_path / "stance", {"dataset_fingerprint": "sha256:data"})
    first = model_fingerprint(ner)
    assert first["dataset_fingerprint"] == "sha256:data" == model_fingerprint(stance)["dataset_fingerprint"]
    (ner / "weights" / "model.bin").write_bytes(b"\x00\x02")
    second = model_fingerprint(ner)
    assert second["files_sha256"] != first["files_sha256"] and second["meta_sha256"] == first["meta_sha256"]
    (ner / "meta.json").write_text("{not json")
    with pytest.raises(InputError, match="meta.json: not JSON"):
        model_fingerprint(ner)


def test_options_name_a_missing_model_and_refuse_bad_sizes(tmp_path):
    ner = make_model(tmp_path / "ner", {})
    with pytest.raises(InputError, match="no trained stance model here"):
        QueueOptions(ner_dir=ner, stance_dir=tmp_path / "nothing").check()
    with pytest.raises(GeostanceError, match="per-article"):
        QueueOptions(ner_dir=ner, stance_dir=ner, per_article=0).check()


def test_the_record_holds_every_score_the_models_and_what_was_written(tmp_path):
    ner = make_model(tmp_path / "ner", {"geostance": {"dataset_fingerprint": "d1"}})
    stance = make_model(tmp_path / "stance", {"dataset_fingerprint": "d1"})
    pool = pool_of({"a": 2})
    queue = rank_candidates(pool, scores([0.2, 0.4]), size=2, per_article=3)
    report = LabelReport(user="ann_alice", examples=2, spans_added=3, cats_added=1, skipped_labelled=["a:p001"])
    record = queue_record(
        DoccanoSettings("http://127.0.0.1:9", "admin", "secret", "geo"),
        {"id": 4, "name": "geo", "project_type": "IntentDetectionAndSlotFilling"},
        QueueOptions(ner_dir=ner, stance_dir=stance, size=2),
        pool,
        queue,
        tmp_path / "snap",
        [report],
        {"queued": 2, "scores_written": 2, "scores_reset": 0},
        now=datetime(2026, 12, 1, 10, 0, 5, tzinfo=UTC),
    )
    assert record["queue"] == "20261201T100005Z" and record["project"] == {"id": 4, "name": "geo"}
    assert record["annotation_url"].endswith(
        "/projects/4/intent-detection-and-slot-filling?page=1&ordering=score&isChecked=false"
    )
    assert [(u["rank"], u["unit_id"], u["example_id"]) for u in record["units"]] == [
        (1, "a:p001", 101),
        (2, "a:p000", 100),
    ]
    assert record["units"][0]["stance_by_target"] == {"alliance": 0.4} and record["units"][0]["ner"] == 0.2
    assert record["models"]["ner"]["dataset_fingerprint"] == "d1" and record["models"]["stance"]["files_sha256"]
    assert record["settings"] == {"size": 2, "per_article": 3, "threshold": 0.5, "workers": 8}
    assert record["preannotation"] == {
        "ann_alice": {"examples": 2, "spans_added": 3, "cats_added": 1, "skipped_labelled": ["a:p001"]}
    }
    assert "secret" not in json.dumps(record)


def test_records_are_written_whole_and_never_overwritten(tmp_path):
    first = write_queue_record(tmp_path / "queues", {"queue": "q", "units": [1]}, "20261201T100005Z")
    second = write_queue_record(tmp_path / "queues", {"queue": "q", "units": [2]}, "20261201T100005Z")
    assert first.name == "20261201T100005Z.json" and second.name == "20261201T100005Z-2.json"
    assert json.loads(first.read_text())["units"] == [1] and json.loads(second.read_text())["units"] == [2]
    assert {p.name for p in (tmp_path / "queues").iterdir()} == {first.name, second.name}  # no temp files left


def test_the_suggestion_pipeline_scores_as_the_assembled_one_from_one_loaded_model(tmp_path_factory, repo_root):
    from geostance.doccano.annotation_queue import load_stance, suggestion_pipeline
    from geostance.runtime.assemble import assemble_pipeline
    from tests.train.fixtures import trained_models

    models = trained_models(tmp_path_factory, repo_root / "pipelines" / "configs" / "ner.cfg")
    texts = ["Kim Jong Un met Vladimir Putin in Vladivostok.", "Japan condemns the sanctions in a statement."]
    ours = list(suggestion_pipeline(models["ner"], load_stance(models["stance"])).pipe(texts))
    assembled = list(assemble_pipeline(models["ner"], models["stance"]).pipe(texts))
    for a, b in zip(ours, assembled, strict=True):
        assert a.cats and a.cats == pytest.approx(b.cats)
        assert [(e.start_char, e.end_char, e.label_) for e in a.ents] == [
            (e.start_char, e.end_char, e.label_) for e in b.ents
        ]
    with pytest.raises(InputError, match="model.skops"):
        load_stance(tmp_path_factory.mktemp("empty"))
