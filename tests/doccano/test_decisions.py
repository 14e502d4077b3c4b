import json

import pytest

from geostance.doccano.decisions import read_decisions
from geostance.errors import InputError


def test_scores_must_give_one_number_per_entity_then_per_category(tmp_path, schema):
    path = tmp_path / "predictions.jsonl"
    good = {"unit_id": "a:p000", "entities": [[0, 5, "PERSON"]], "cats": ["alliance:FAVOR"], "scores": [1.0, 0.7]}
    short = {"unit_id": "a:p001", "entities": [[0, 5, "PERSON"]], "cats": ["alliance:FAVOR"], "scores": [1.0]}
    path.write_text(json.dumps(good) + "\n" + json.dumps(short) + "\n", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"predictions.jsonl:2: 'scores' has 1 numbers; expected one per entity, "
        r"then one per category \(2\)",
    ):
        read_decisions(path, schema)
    path.write_text(json.dumps(good) + "\n", encoding="utf-8")
    assert read_decisions(path, schema)[0].scores == (1.0, 0.7)
