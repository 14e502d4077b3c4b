"""The component inside the pipeline (in this environment; the fresh-venv test covers the installed wheel)."""

import spacy

from geostance.package.assemble import assemble_pipeline


def test_assembled_pipeline_round_trips_through_disk(tmp_path, models):
    nlp = assemble_pipeline(models["ner"], models["stance"])
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    doc = loaded("China condemns the sanctions in a statement.")
    assert doc._.stance["sanctions"] == "AGAINST"
    assert set(doc.cats) == {f"{t}:{lab}" for t in ("alliance", "sanctions") for lab in ("FAVOR", "AGAINST", "NONE")}
    assert ("China", "GPE") in [(e.text, e.label_) for e in doc.ents]


def test_stance_only_pipeline(models):
    nlp = assemble_pipeline(None, models["stance"])
    assert nlp.pipe_names == ["geostance_stance"]
    assert nlp("Japan welcomes the alliance in a statement.")._.stance["alliance"] == "FAVOR"


def test_saving_a_loaded_pipeline_over_itself_keeps_the_model(tmp_path, models):
    assemble_pipeline(models["ner"], models["stance"]).to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    loaded.to_disk(tmp_path / "p")
    assert spacy.load(tmp_path / "p")("Japan welcomes the alliance in a statement.")._.stance["alliance"] == "FAVOR"
