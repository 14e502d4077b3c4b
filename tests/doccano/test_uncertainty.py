from __future__ import annotations

from pathlib import Path

import pytest

from geostance.doccano.uncertainty import ner_uncertainty, stance_uncertainty, unit_uncertainty
from tests.train.fixtures import trained_models

TEXTS = [
    "Kim Jong Un met Vladimir Putin in Vladivostok.",
    "Sanctions on Russia have failed to stop the arms trade.",
    "Seoul, Tokyo and Washington held a joint exercise near Jeju.",
    "It rained.",
]


@pytest.fixture(scope="module")
def models(tmp_path_factory, repo_root: Path) -> dict[str, Path]:
    return trained_models(tmp_path_factory, repo_root / "pipelines" / "configs" / "ner.cfg")


def test_every_unit_gets_bounded_scores_for_every_target_the_model_knows(models) -> None:
    import json

    targets = json.loads((models["stance"] / "meta.json").read_text())["targets"]
    scores = unit_uncertainty(TEXTS, models["ner"], models["stance"])
    assert len(scores) == len(TEXTS)
    for s in scores:
        assert set(s.stance_by_target) == set(targets)
        assert s.stance == max(s.stance_by_target.values())
        assert 0.0 <= s.stance <= 1.0 and 0.0 <= s.ner <= 1.0
        assert s.combined == pytest.approx((s.stance + s.ner) / 2)


def test_scores_do_not_depend_on_the_batch_a_unit_is_scored_in(models) -> None:
    alone = [ner_uncertainty(models["ner"], [t])[0] for t in TEXTS]
    assert ner_uncertainty(models["ner"], TEXTS, batch_size=3) == pytest.approx(alone)
    assert stance_uncertainty(models["stance"], TEXTS)[1] == stance_uncertainty(models["stance"], TEXTS[1:2])[0]


def test_a_task_without_a_model_is_left_out(models) -> None:
    only_stance = unit_uncertainty(TEXTS, None, models["stance"])
    assert all(s.ner is None and s.combined == s.stance for s in only_stance)
    with pytest.raises(ValueError, match="needs a trained"):
        unit_uncertainty(TEXTS, None, None)


def test_a_stance_model_loaded_once_scores_as_one_loaded_from_its_folder(models) -> None:
    from geostance.runtime.stance_component import MODEL_FILE, load_stance_model

    bundle = load_stance_model(models["stance"] / MODEL_FILE)
    assert unit_uncertainty(TEXTS, None, models["stance"], stance_bundle=bundle) == unit_uncertainty(
        TEXTS, None, models["stance"]
    )
