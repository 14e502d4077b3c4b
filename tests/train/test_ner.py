import json

import pytest
import spacy
from typer.testing import CliRunner

from geostance.cli import build_app
from geostance.errors import GeostanceError
from geostance.train.data import load_task
from geostance.train.ner import AlignmentStats, parse_overrides, rows_to_docs, train_ner
from tests.train.fixtures import FAST_NER


def test_meta_records_fingerprint_labels_versions_and_dev_scores(models):
    meta = json.loads((models["ner"] / "meta.json").read_text())
    info = meta["geostance"]
    assert info["dataset_fingerprint"] == "sha256:test-fixture"
    assert info["labels"] == ["GPE", "ORG", "PERSON"]
    assert info["versions"]["spacy"] == spacy.__version__
    assert 0.0 <= info["dev_scores"]["ents_f"] <= 1.0
    assert info["train_docs"] == 120 and info["dev_docs"] == 24
    # the template sentences are learnable: a trained model finds their entities on dev
    assert info["dev_scores"]["ents_f"] > 0.8


@pytest.mark.slow
def test_cli_fills_paths_and_applies_overrides(tmp_path, small_dataset, ner_config):
    """The config's [paths] are null; the command fills them, and --set reaches spaCy's training config."""
    out = tmp_path / "ner"
    sets = [f"--set={k}={v}" for k, v in FAST_NER.items() if k != "components.tok2vec.model.encode.width"]
    result = CliRunner().invoke(build_app(), ["train", "ner", "--data", str(small_dataset), "--out", str(out),
                                              "--config", str(ner_config), *sets,
                                              "--set", "components.tok2vec.model.encode.width=48"])
    assert result.exit_code == 0, result.output
    config = spacy.util.load_config(out / "config.cfg")
    assert config["components"]["tok2vec"]["model"]["encode"]["width"] == 48
    assert config["training"]["max_steps"] == 150
    meta = json.loads((out / "meta.json").read_text())
    assert meta["geostance"]["overrides"]["components.tok2vec.model.encode.width"] == 48
    nlp = spacy.load(out)
    assert nlp.get_pipe("tok2vec").model.get_dim("nO") == 48
    assert "dev: F1" in result.output


def test_bad_override_is_a_clear_error():
    with pytest.raises(GeostanceError, match="expected section.key=value"):
        parse_overrides(["max_steps=5"])
    assert parse_overrides(["training.max_steps=5", "nlp.lang=en"]) == {"training.max_steps": 5, "nlp.lang": "en"}


def test_missing_config_and_missing_dataset_are_errors(tmp_path, small_dataset):
    with pytest.raises(GeostanceError, match="spaCy config not found"):
        train_ner(small_dataset, tmp_path / "ner", tmp_path / "nope.cfg")
    with pytest.raises(GeostanceError, match="no built ner dataset"):
        load_task(tmp_path / "empty", "ner")


def test_misaligned_spans_are_adjusted_or_dropped_and_listed():
    nlp = spacy.blank("en")
    rows = [{"id": "r1", "text": "Kim Jong Un met Putin.", "spans": {"start": [0, 1, 16], "end": [6, 3, 21],
                                                                         "label": [0, 0, 1]}}]
    stats = AlignmentStats()
    docs = rows_to_docs(nlp, rows, ["PERSON", "GPE"], stats)
    assert stats.spans == 3
    # "Kim Jo" expands to "Kim Jong"; "im" lies inside the token "Kim", which expands to an overlap and is dropped
    assert [a["to"] for a in stats.adjusted] == [[0, 8], [0, 3]]
    assert [d["reason"] for d in stats.dropped] == ["overlaps another span"]
    assert [(e.text, e.label_) for e in docs[0].ents] == [("Kim Jong", "PERSON"), ("Putin", "GPE")]


@pytest.mark.slow
def test_base_model_starts_from_an_existing_pipeline(tmp_path, models, ner_config):
    out = tmp_path / "ner2"
    result = train_ner(models["data"], out, ner_config, base_model=str(models["ner"]),
                       overrides={"training.max_steps": 20, "training.eval_frequency": 10})
    meta = json.loads((out / "meta.json").read_text())
    assert meta["geostance"]["base_model"] == str(models["ner"])
    # started from a trained model, so it is already good at the first evaluation
    assert result.dev_scores["ents_f"] > 0.8
