"""The model card (README.md of the package), generated from the models' meta and the evaluation. No I/O."""

from __future__ import annotations

from typing import Any

from geostance.evaluate.report import pct, summary_rows, with_ci


def _intro(package_name: str, version: str, ner_meta: dict[str, Any] | None, ner_info: dict[str, Any]) -> list[str]:
    return [
        f"# {package_name} {version}",
        "",
        "Named entities and per-target stance for English geopolitical news, trained by the geostance project "
        "from its annotated corpus. One spaCy pipeline: "
        + " + ".join(f"`{name}`" for name in (ner_meta or {}).get("pipeline", ["tok2vec", "ner"]))
        + f" ({_ner_origin(ner_info)}; `entity_consistency`, where present, has no weights and makes "
        "entity labels consistent within a Doc; `ner_vote`, where present, keeps the entities most of the "
        "`ner_<i>` members agree on) and `geostance_stance` (a scikit-learn TF-IDF + linear SVM model stored "
        "with skops).",
        "",
        "## Use",
        "",
        "```python",
        "import spacy",
        f'nlp = spacy.load("{package_name}")',
        'doc = nlp("Russia and North Korea signed a mutual-defence treaty in Pyongyang.")',
        "[(e.text, e.label_) for e in doc.ents]   # entities",
        "doc._.stance                             # {target: 'FAVOR' | 'AGAINST' | 'NONE'}",
        "doc.cats                                 # {'<target>:<label>': score}, scores sum to 1 per target",
        "```",
        "",
        "`doc.cats` scores are a softmax over SVM margins (or logistic-regression probabilities): a ranking, "
        "not calibrated probabilities. The components' code ships in this package and is registered "
        "through the `spacy_factories` entry point; the project itself need not be installed. The skops file "
        "is loaded only if every type in it is on the component's explicit trusted list.",
        "",
    ]


def _models(ner_meta: dict[str, Any] | None, ner_info: dict[str, Any], stance_meta: dict[str, Any] | None) -> list[str]:
    lines: list[str] = []
    if ner_meta:
        labels = ner_info.get("dataset_labels") or ner_info.get("labels") or []
        lines += ["## Entities", "", f"Labels: {', '.join(labels)}.", "", *_base_lines(ner_info)]
    if stance_meta:
        lines += [
            "## Stance",
            "",
            f"Targets: {', '.join(f'`{t}`' for t in stance_meta['targets'])}; labels "
            f"{', '.join(stance_meta['labels'])}. Variant in use: **{stance_meta['selected']}** "
            f"(chosen by {stance_meta['selection_score']}).",
            "",
            f"Search: {stance_meta['cv']}; grid `{stance_meta['param_grid']}`; best CV score (global) "
            f"{_fmt(stance_meta['search'].get('global', {}).get('cv_score'))}, chosen "
            f"`{stance_meta['search'].get('global', {}).get('best_params')}`.",
            "",
        ]
    return lines


def _evaluation(metrics: dict[str, Any] | None) -> list[str]:
    if not metrics:
        return ["## Evaluation", "", "Not evaluated (no metrics.json was given when this package was built).", ""]
    lines = [
        "## Evaluation",
        "",
        f"Split `{metrics['split']}` of the dataset below; percent, 95% bootstrap CI in brackets.",
        "",
        "| score | model | baseline | baseline is |",
        "|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in summary_rows(metrics)]
    ner = metrics.get("ner")
    if ner:
        lines += ["", "| entity label | support | F1 |", "|---|---|---|"]
        lines += [f"| {lab} | {s['support']} | {pct(s['f1'])} |" for lab, s in ner["per_label"].items()]
    news = metrics.get("realnews")
    if news:
        lines += [
            "",
            f"Real news the model never saw: `{news['data']}` (CoNLL-2003, {news['documents']} Reuters "
            f"documents), labels mapped "
            + ", ".join(f"{k}→{v}" for k, v in news["label_map"].items() if k != v)
            + f"; exact spans. F1 {with_ci(news['f1'], news['f1_ci'])}; per label: "
            + ", ".join(f"{lab} {pct(s['f1'])}" for lab, s in news["per_label"].items())
            + ".",
        ]
    stance = metrics.get("stance")
    if stance:
        lines += ["", "| stance target | n | macro-F1 | F_avg |", "|---|---|---|---|"]
        lines += [
            f"| {t} | {s['n']} | {with_ci(s['macro_f1'], s['macro_f1_ci'])} | {with_ci(s['f_avg'], s['f_avg_ci'])} |"
            for t, s in stance["per_target"].items()
        ]
    return lines + [""]


def _training_data(
    dataset_info: dict[str, Any] | None, ner_info: dict[str, Any], stance_meta: dict[str, Any] | None
) -> list[str]:
    lines = ["## Training data", ""]
    if dataset_info:
        counts = dataset_info.get("counts", {})
        lines += [
            f"Dataset fingerprint `{dataset_info.get('fingerprint', '?')}` (source: "
            f"{dataset_info.get('source', '?')}). Rows per split: "
            + "; ".join(f"{task}: " + ", ".join(f"{k} {v}" for k, v in c.items()) for task, c in counts.items())
            + ".",
            "",
        ]
    else:
        fp = ner_info.get("dataset_fingerprint") or (stance_meta or {}).get("dataset_fingerprint", "?")
        lines += [f"Dataset fingerprint `{fp}`.", ""]
    return lines


# What the card says about every release, whatever the models' figures.
_USE_AND_LIMITS = [
    "The geostance corpus: English news and opinion articles on Russia, North Korea and their partners, split "
    "into paragraphs and annotated in Doccano with 7 entity types and a stance (FAVOR / AGAINST / NONE) "
    "towards fixed targets. Splits are grouped by article.",
    "",
    "## Intended use",
    "",
    "Research and teaching: tagging entities and surfacing explicit stance in geopolitical news text similar "
    "to the training corpus, as a first pass a person checks.",
    "",
    "## Limits",
    "",
    "- Small training set and a small test split: read the confidence intervals, not the point scores.",
    "- The corpus is partly synthetic and narrow in topic; expect lower scores on other sources, registers "
    "or periods. English only.",
    "- Stance is predicted for the fixed targets above only; a text that does not discuss a target still gets "
    "a label for it (usually NONE). Sarcasm, quotation and reported speech are hard for a bag-of-n-grams model.",
    "- Not for decisions about people, and not a fact-checking tool.",
    "",
]


def _versions(ner_info: dict[str, Any], stance_meta: dict[str, Any] | None) -> list[str]:
    versions = (stance_meta or {}).get("versions") or ner_info.get("versions") or {}
    return [
        "## Versions",
        "",
        "| library | version |",
        "|---|---|",
        *[f"| {name} | {v} |" for name, v in versions.items()],
        "",
    ]


def render_model_card(
    package_name: str,
    version: str,
    ner_meta: dict[str, Any] | None,
    stance_meta: dict[str, Any] | None,
    metrics: dict[str, Any] | None,
    dataset_info: dict[str, Any] | None,
) -> str:
    """The package's README.md: what the models are, how to use them, their scores, data, limits, versions."""
    ner_info = (ner_meta or {}).get("geostance", {})
    lines = [
        *_intro(package_name, version, ner_meta, ner_info),
        *_models(ner_meta, ner_info, stance_meta),
        *_evaluation(metrics),
        *_training_data(dataset_info, ner_info, stance_meta),
        *_USE_AND_LIMITS,
        *_versions(ner_info, stance_meta),
    ]
    return "\n".join(lines)


def _ner_origin(ner_info: dict[str, Any]) -> str:
    base = ner_info.get("base_model")
    if isinstance(base, dict):
        return f"spaCy NER fine-tuned from `{base['pipeline']}` {base.get('version', '')}".rstrip()
    return f"spaCy NER fine-tuned from `{base}`" if base else "spaCy NER trained from `blank:en`"


def _base_lines(ner_info: dict[str, Any]) -> list[str]:
    """Where the NER's knowledge of English comes from: the base pipeline, its licence, and the rehearsal."""
    base = ner_info.get("base_model")
    if not isinstance(base, dict):
        return []
    lines = [
        f"The NER starts from the pretrained pipeline `{base['pipeline']}` {base.get('version', '')} "
        f"(licence {base.get('license', '?')}; trained by Explosion on {', '.join(base.get('sources') or ['?'])}; "
        f"its own reported NER F1 {_fmt(base.get('ents_f_reported'))} on OntoNotes), and is fine-tuned on the "
        "geostance corpus. The base's tokenizer and vocabulary come with it; its tagger and parser do not."
    ]
    rehearsal = ner_info.get("rehearsal")
    if rehearsal:
        lines.append(
            f"Against forgetting, {rehearsal['docs']} paragraphs of unlabelled general news written for "
            "the project, labelled by the base model itself (its entities of the schema's labels), "
            "trained alongside the corpus (rehearsal)."
        )
    if ner_info.get("labels") and set(ner_info["labels"]) - set(ner_info.get("dataset_labels") or []):
        lines.append(
            "The NER keeps the base's other labels in its output layer (spaCy cannot remove a label); "
            "fine-tuning teaches it to leave them out, so they are rare, but a DATE or MONEY entity may "
            "appear."
        )
    return lines + [""]


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"
