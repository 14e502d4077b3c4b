"""The model card (README.md of the package), generated from the models' meta and the evaluation. No I/O."""

from __future__ import annotations

from typing import Any

from geostance.evaluate.report import pct, summary_rows, with_ci


def render_model_card(package_name: str, version: str, ner_meta: dict[str, Any] | None,
                      stance_meta: dict[str, Any] | None, metrics: dict[str, Any] | None,
                      dataset_info: dict[str, Any] | None) -> str:
    ner_info = (ner_meta or {}).get("geostance", {})
    lines = [
        f"# {package_name} {version}",
        "",
        "Named entities and per-target stance for English geopolitical news, trained by the geostance project "
        "from its annotated corpus. One spaCy pipeline: "
        + " + ".join(f"`{name}`" for name in (ner_meta or {}).get("pipeline", ["tok2vec", "ner"]))
        + " (spaCy NER trained from `blank:en`; `entity_consistency`, where present, has no weights and makes "
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
    if ner_meta:
        lines += ["## Entities", "", f"Labels: {', '.join(ner_info.get('labels') or ner_meta.get('labels', {}).get('ner', []))}.",
                  ""]
    if stance_meta:
        lines += ["## Stance", "",
                  f"Targets: {', '.join(f'`{t}`' for t in stance_meta['targets'])}; labels "
                  f"{', '.join(stance_meta['labels'])}. Variant in use: **{stance_meta['selected']}** "
                  f"(chosen by {stance_meta['selection_score']}).", "",
                  f"Search: {stance_meta['cv']}; grid `{stance_meta['param_grid']}`; best CV score (global) "
                  f"{_fmt(stance_meta['search'].get('global', {}).get('cv_score'))}, chosen "
                  f"`{stance_meta['search'].get('global', {}).get('best_params')}`.", ""]
    lines += ["## Evaluation", ""]
    if metrics:
        lines += [f"Split `{metrics['split']}` of the dataset below; percent, 95% bootstrap CI in brackets.", "",
                  "| score | model | baseline | baseline is |", "|---|---|---|---|"]
        lines += ["| " + " | ".join(row) + " |" for row in summary_rows(metrics)]
        ner = metrics.get("ner")
        if ner:
            lines += ["", "| entity label | support | F1 |", "|---|---|---|"]
            lines += [f"| {lab} | {s['support']} | {pct(s['f1'])} |" for lab, s in ner["per_label"].items()]
        stance = metrics.get("stance")
        if stance:
            lines += ["", "| stance target | n | macro-F1 | F_avg |", "|---|---|---|---|"]
            lines += [f"| {t} | {s['n']} | {with_ci(s['macro_f1'], s['macro_f1_ci'])} | "
                      f"{with_ci(s['f_avg'], s['f_avg_ci'])} |" for t, s in stance["per_target"].items()]
        lines += [""]
    else:
        lines += ["Not evaluated (no metrics.json was given when this package was built).", ""]
    lines += ["## Training data", ""]
    if dataset_info:
        counts = dataset_info.get("counts", {})
        lines += [f"Dataset fingerprint `{dataset_info.get('fingerprint', '?')}` (source: "
                  f"{dataset_info.get('source', '?')}). Rows per split: "
                  + "; ".join(f"{task}: " + ", ".join(f"{k} {v}" for k, v in c.items()) for task, c in counts.items())
                  + ".", ""]
    else:
        fp = ner_info.get("dataset_fingerprint") or (stance_meta or {}).get("dataset_fingerprint", "?")
        lines += [f"Dataset fingerprint `{fp}`.", ""]
    lines += [
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
        "## Versions",
        "",
        "| library | version |", "|---|---|",
    ]
    versions = (stance_meta or {}).get("versions") or ner_info.get("versions") or {}
    lines += [f"| {name} | {v} |" for name, v in versions.items()]
    lines += [""]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"
