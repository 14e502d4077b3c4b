"""The component inside the pipeline (in this environment; the fresh-venv test covers the installed wheel)."""

import spacy

from geostance.runtime.assemble import assemble_pipeline


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


def test_margins_from_distinct_strings_equal_the_pipelines_own(models):
    """The prediction path vectorises each distinct text once; it must give sklearn's decision values exactly."""
    import numpy as np

    from geostance.runtime.stance_component import model_margins, stance_inputs
    from geostance.train.stance import load_stance_dir

    bundle, _ = load_stance_dir(models["stance"])
    texts = ["China condemns the sanctions.", "Japan welcomes the alliance.", "Rain in Seoul.", ""] * 3
    targets = ["alliance", "sanctions"] * 6
    X = stance_inputs(texts, targets)
    for model in [bundle["global"], *bundle.get("per_target", {}).values()]:
        ours = model_margins(model, X, [str(c) for c in model.classes_])
        raw = np.asarray(model.decision_function(X), dtype=float)
        assert np.allclose(ours, raw if raw.ndim == 2 else np.stack([-raw, raw], axis=1))
