"""The corpus's dataset card, `annotations/README.md`: fixed prose from `annotations/CARD.template.md` with every
count filled in from the corpus, the schema, the latest snapshot and the built dataset. Pure: data in, text out."""

from __future__ import annotations

from typing import Any

from geostance.dataset.card import _table
from geostance.schema import Schema

SPLITS = ("train", "dev", "test")


def size_category(n: int) -> str:
    return "n<1K" if n < 1_000 else "1K<n<10K" if n < 10_000 else "10K<n<100K"


def unseen_mentions(mentions: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """For dev and test: how many entity mentions (and distinct mention texts) never occur as a mention in train."""
    seen = set(mentions.get("train", []))
    out = {}
    for split in ("dev", "test"):
        found = mentions.get(split, [])
        names = set(found)
        out[split] = {
            "mentions": len(found),
            "unseen": sum(m not in seen for m in found),
            "names": len(names),
            "unseen_names": sum(n not in seen for n in names),
        }
    return out


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def _unseen_text(mentions: dict[str, list[str]]) -> str:
    parts = [
        f"{split}: {_share(u['unseen'], u['mentions'])} of {u['mentions']} mentions "
        f"({_share(u['unseen_names'], u['names'])} of {u['names']} distinct names)"
        for split, u in unseen_mentions(mentions).items()
    ]
    return "; ".join(parts)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _agreement_slots(agreement: dict[str, Any] | None, schema: Schema) -> dict[str, str]:
    """Stance κ/α per target (and κ with "no label" as a category), the annotators' confusion per target, and
    entity span F1 (exact / overlapping) per label; "not measured" without a second annotator."""
    if not agreement or len(agreement.get("annotators", [])) < 2:
        none = "Not measured: a single annotator."
        return {"agreement_table": none, "agreement_confusion": "", "entity_agreement_table": none}
    stance = agreement["stance"]
    table = _table(
        ["target", "units both labelled", "Cohen's κ", "Krippendorff's α", 'κ with "no label" (units)'],
        [
            [
                f"`{t}`",
                e["pairwise_cohen_kappa"] and next(iter(e["pairwise_cohen_kappa"].values()))["units"],
                _fmt(e.get("cohen_kappa", e.get("fleiss_kappa"))),
                _fmt(e["krippendorff_alpha"]),
                f"{_fmt(e.get('with_no_label', {}).get('kappa_with_no_label'))} "
                f"({e.get('with_no_label', {}).get('units', 'n/a')})",
            ]
            for t, e in stance.items()
        ],
    )
    first, second = agreement["annotators"][:2]
    confusion = [f"Rows {first}, columns {second}, over every unit both annotated:"]
    for target, e in stance.items():
        if "with_no_label" in e:
            labels = e["with_no_label"]["labels"]
            rows = [[label, *row] for label, row in zip(labels, e["with_no_label"]["confusion"], strict=True)]
            confusion += ["", f"`{target}`", "", _table(["", *labels], rows)]
    pair = next(iter(agreement["entities"].values()))
    entity_rows = [
        [lab, v.get(first, ""), v.get(second, ""), _fmt(v["f1"]), _fmt(v.get("overlap_f1"))]
        for lab, v in pair["per_label"].items()
        if lab in schema.entity_names
    ]
    entity_rows.append(["all", "", "", _fmt(pair["micro_f1"]), _fmt(pair.get("overlap_micro_f1"))])
    return {
        "agreement_table": table,
        "agreement_confusion": "\n".join(confusion),
        "entity_agreement_table": _table(["label", first, second, "exact-span F1", "overlapping-span F1"], entity_rows),
    }


# Long on purpose: one table of template slots, one entry per line.
def render_corpus_card(
    template: str,
    *,
    schema: Schema,
    stats: dict[str, Any],
    build_info: dict[str, Any],
    stance_by_split: dict[str, dict[str, dict[str, int]]],
    agreement: dict[str, Any] | None = None,
    mentions: dict[str, list[str]] | None = None,
) -> str:
    """Fill the template's `{{name}}` slots. `stance_by_split[split][target][label]` counts stance rows;
    `agreement` is the build's agreement.json; `mentions` the gold mention texts per split."""
    ner_dist = build_info["label_distribution"]["ner"]
    splits = [s for s in SPLITS if s in build_info["counts"]["ner"]]
    entity_rows = [
        [
            e.name,
            e.definition,
            *(ner_dist.get(s, {}).get(e.name, 0) for s in splits),
            sum(ner_dist.get(s, {}).get(e.name, 0) for s in splits),
        ]
        for e in schema.entities
    ]
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
        "split_table": _table(
            ["task", *splits],
            [[task, *(build_info["counts"][task].get(s, 0) for s in splits)] for task in ("ner", "stance")],
        ),
        "entity_table": _table(["label", "definition", *splits, "total"], entity_rows),
        "stance_table": _table(["target", "label", *splits, "total"], stance_rows),
        "alignment": (
            f"{al['spans_in']} spans in, {al['spans_exact']} on spaCy token boundaries as given, "
            f"{al['spans_adjusted']} adjusted by the `{al['policy']}` policy, {al['spans_dropped']} dropped"
        ),
        "split_ratios": ", ".join(f"{k} {v:.2f}" for k, v in build_info["split_ratios"].items()),
        "fingerprint": build_info["fingerprint"][:16],
        "unseen_mentions": _unseen_text(mentions or {}),
        "adjudication": (build_info.get("adjudication") or {}).get("summary_markdown", "No adjudication."),
        "units_multi": (agreement or {}).get("units_multi_annotated", 0),
        **_agreement_slots(agreement, schema),
    }
    out = template
    for name, value in slots.items():
        out = out.replace("{{" + name + "}}", str(value))
    if "{{" in out:
        start = out.index("{{")
        raise ValueError(f"card template has an unknown slot {out[start : out.index('}}', start) + 2]!r}")
    return out
