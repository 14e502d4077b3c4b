import json

import pytest

from geostance.errors import GeostanceError, InputError
from geostance.train.data import (
    dataset_alignment,
    dataset_fingerprint,
    entity_label_names,
    load_task,
    ner_tag_names,
    row_spans,
    stance_rows,
)


def test_label_names_come_from_the_datasets_features(small_dataset):
    ner = load_task(small_dataset, "ner")
    features = ner.split("train").features
    assert entity_label_names(features) == ["PERSON", "GPE", "ORG"]
    assert ner_tag_names(features) == ["O", "B-PERSON", "I-PERSON", "B-GPE", "I-GPE", "B-ORG", "I-ORG"]
    row = ner.split("train")[0]
    assert all(row["text"][s:e] for s, e, _ in row_spans(row, entity_label_names(features)))
    texts, targets, labels, articles = stance_rows(load_task(small_dataset, "stance").split("dev"))
    assert len(texts) == len(targets) == len(labels) == len(articles) and set(labels) <= {"FAVOR", "AGAINST", "NONE"}


def test_fingerprint_and_alignment_come_from_build_info(small_dataset, tmp_path):
    assert dataset_fingerprint(small_dataset) == "sha256:test-fixture"
    assert dataset_alignment(small_dataset) is None  # the fixture's build_info has no counts
    info = small_dataset / "build_info.json"
    info.write_text(json.dumps({"fingerprint": "f", "alignment": {"spans_in": 3}}))
    assert dataset_alignment(small_dataset) == {"spans_in": 3}
    info.write_text("{broken")
    with pytest.raises(InputError, match="build_info.json:1: bad JSON"):
        dataset_alignment(small_dataset)
    assert dataset_alignment(tmp_path) is None


def test_a_missing_split_or_task_is_a_clear_error(small_dataset, tmp_path):
    with pytest.raises(InputError, match=r"no split 'extra' \(has \['dev', 'test', 'train'\]\)"):
        load_task(small_dataset, "ner").split("extra")
    with pytest.raises(GeostanceError, match="no built stance dataset here"):
        load_task(tmp_path, "stance")
