import json

import pytest
import spacy

from geostance.errors import GeostanceError
from geostance.runtime.ner_ensemble import vote_spans
from geostance.train.ner import train_ner
from tests.train.fixtures import FAST_NER


@pytest.mark.slow
def test_members_train_with_their_own_seeds_and_one_pipeline_votes_over_them(tmp_path, small_dataset, ner_config):
    out = tmp_path / "ner"
    result = train_ner(small_dataset, out, ner_config, overrides=dict(FAST_NER), members=3, seed=5)
    nlp = spacy.load(out)
    assert nlp.pipe_names == [
        "ner_0",
        "stash_0",
        "ner_1",
        "stash_1",
        "ner_2",
        "stash_2",
        "ner_vote",
        "entity_consistency",
    ]
    info = json.loads((out / "meta.json").read_text())["geostance"]
    assert [m["seed"] for m in info["members"]] == [5, 6, 7]
    assert all(0.0 <= m["ents_f"] <= 1.0 for m in info["members"])
    assert info["labels"] == result.labels == ["GPE", "ORG", "PERSON"]
    assert result.dev_scores["ents_f"] > 0.8 and info["dev_scores"] == result.dev_scores
    # each member owns its tok2vec, and the members differ (different seeds): not one model three times
    weights = [nlp.get_pipe(f"ner_{i}").model.get_ref("tok2vec").to_bytes() for i in range(3)]
    assert len(set(weights)) == 3
    with nlp.select_pipes(disable=["entity_consistency"]):
        for text in ["Vladimir Putin met officials in Japan .", "Reuters reported that Berlin agreed ."]:
            doc = nlp(text)
            members = [[(s.start, s.end, s.label_) for s in doc.spans[f"ner_{i}"]] for i in range(3)]
            assert [(e.start, e.end, e.label_) for e in doc.ents] == vote_spans(members)


def test_members_must_be_positive(tmp_path, small_dataset, ner_config):
    with pytest.raises(GeostanceError, match="members must be 1 or more"):
        train_ner(small_dataset, tmp_path / "ner", ner_config, members=0)
