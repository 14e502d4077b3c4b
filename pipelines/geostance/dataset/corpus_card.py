"""The corpus's dataset card, `annotations/README.md`: fixed prose from `annotations/CARD.template.md` with every
count filled in from the corpus, the schema, the latest snapshot and the built dataset. Pure: data in, text out."""

from __future__ import annotations

from typing import Any

from geostance.dataset.card import _table
from geostance.schema import Schema

SPLITS = ("train", "dev", "test")


def size_category(n: int) -> str:
    return "n<1K" if n < 1_000 else "1K<n<10K" if n < 10_000 else "10K<n<100K"


def render_corpus_card(template: str, *, schema: Schema, stats: dict[str, Any], build_info: dict[str, Any],
                       stance_by_split: dict[str, dict[str, dict[str, int]]]) -> str:
    """Fill the template's `{{name}}` slots. `stance_by_split[split][target][label]` counts stance rows."""
    ner_dist = build_info["label_distribution"]["ner"]
    splits = [s for s in SPLITS if s in build_info["counts"]["ner"]]
    entity_rows = [[e.name, e.definition, *(ner_dist.get(s, {}).get(e.name, 0) for s in splits),
                    sum(ner_dist.get(s, {}).get(e.name, 0) for s in splits)] for e in schema.entities]
    stance_rows = []
    for t in schema.targets:
        for label in schema.stance_labels:
            per = [stance_by_split.get(s, {}).get(t.id, {}).get(label, 0) for s in splits]
            stance_rows.append([f"`{t.id}`", label, *per, sum(per)])
    al = build_info["alignment"]
    slots = {
        "size_category": size_category(stats["units"]),
        "articles": stats["articles"],
        "synthetic": stats["synthetic"],
        "words": f"{stats['words']:,}",
        "units": stats["units"],
        "genres": ", ".join(f"{g} {n}" for g, n in stats["genres"].items()),
        "snapshot": build_info["snapshot"].rstrip("/").rsplit("/", 1)[-1],
        "annotators": ", ".join(build_info["annotators"]),
        "targets_table": _table(["target", "proposition"], [[f"`{t.id}`", t.proposition] for t in schema.targets]),
        "split_table": _table(["task", *splits], [[task, *(build_info["counts"][task].get(s, 0) for s in splits)]
                                                  for task in ("ner", "stance")]),
        "entity_table": _table(["label", "definition", *splits, "total"], entity_rows),
        "stance_table": _table(["target", "label", *splits, "total"], stance_rows),
        "alignment": (f"{al['spans_in']} spans in, {al['spans_exact']} on spaCy token boundaries as given, "
                      f"{al['spans_adjusted']} adjusted by the `{al['policy']}` policy, {al['spans_dropped']} dropped"),
        "split_ratios": ", ".join(f"{k} {v:.2f}" for k, v in build_info["split_ratios"].items()),
        "fingerprint": build_info["fingerprint"][:16],
    }
    out = template
    for name, value in slots.items():
        out = out.replace("{{" + name + "}}", str(value))
    if "{{" in out:
        start = out.index("{{")
        raise ValueError(f"card template has an unknown slot {out[start:out.index('}}', start) + 2]!r}")
    return out
