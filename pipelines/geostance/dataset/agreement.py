"""Inter-annotator agreement from per-annotator votes. Pure: votes in, numbers (and Markdown / PNG bytes) out.

- stance, per target: Cohen's κ for each pair of annotators (units both labelled), Fleiss' κ over the units every
  annotator labelled, Krippendorff's α (nominal; missing labels allowed);
- stance with two annotators, also over every unit both annotated with "no label" as a category (the commonest
  disagreement is one annotator's NONE against the other's no label, which κ over units both labelled never sees),
  and the confusion between the two;
- entities: pairwise exact-span F1 per label (a span matches only with the same start, end and label) and
  overlapping-span F1 (same label, at least one shared character);
- a disagreement list to review.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from geostance.dataset.adjudicate import UnitVotes
from geostance.metrics import Span, cohen_kappa, confusion, entity_counts, fleiss_kappa, krippendorff_alpha, overlap_f1

NO_LABEL = "no label"

Pair = tuple[str, str]


def _clean(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)


def _pair_key(pair: Pair) -> str:
    return f"{pair[0]}|{pair[1]}"


def _stance_matrix(units: Sequence[UnitVotes], annotators: list[str], target: str) -> list[list[str | None]]:
    """Rows are annotators, columns units; None where an annotator did not label the unit (or the target)."""
    return [[u.stances.get(a, {}).get(target) if a in u.annotators else None for u in units] for a in annotators]


def _pair_kappas(
    matrix: list[list[str | None]], annotators: list[str], pairs: list[Pair]
) -> dict[Pair, tuple[float | None, int]]:
    """Cohen's κ of each pair over the units both labelled, and how many units that is."""
    out = {}
    for a, b in pairs:
        row_a, row_b = matrix[annotators.index(a)], matrix[annotators.index(b)]
        both = [(x, y) for x, y in zip(row_a, row_b, strict=True) if x is not None and y is not None]
        out[(a, b)] = (cohen_kappa([x for x, _ in both], [y for _, y in both]), len(both))
    return out


def _target_agreement(
    matrix: list[list[str | None]],
    annotators: list[str],
    kappas: dict[Pair, tuple[float | None, int]],
    stance_labels: Sequence[str],
) -> dict[str, Any]:
    """One target's entry: pairwise κ, Fleiss' κ over the units everyone labelled, Krippendorff's α over all."""
    columns = list(zip(*matrix, strict=True))
    complete = [list(col) for col in columns if all(v is not None for v in col)]
    entry: dict[str, Any] = {
        "units_labelled": sum(any(v is not None for v in col) for col in columns),
        "pairwise_cohen_kappa": {_pair_key(p): {"kappa": _clean(k), "units": n} for p, (k, n) in kappas.items()},
        "fleiss_kappa": _clean(fleiss_kappa(complete)) if len(annotators) >= 2 else None,
        "fleiss_units": len(complete),
        "krippendorff_alpha": _clean(krippendorff_alpha(matrix, stance_labels)),
    }
    if len(annotators) == 2:
        entry["cohen_kappa"] = _clean(next(iter(kappas.values()))[0])
    return entry


def _pair_with_absent(
    units: Sequence[UnitVotes], pair: Pair, target: str, stance_labels: Sequence[str]
) -> dict[str, Any]:
    """Two annotators over every unit both annotated, "no label" counted as a category: κ and the confusion
    (rows: the first annotator, columns: the second)."""
    a, b = pair
    shared = [u for u in units if a in u.annotators and b in u.annotators]
    x = [u.stances.get(a, {}).get(target) or NO_LABEL for u in shared]
    y = [u.stances.get(b, {}).get(target) or NO_LABEL for u in shared]
    labels = [*stance_labels, NO_LABEL]
    return {
        "kappa_with_no_label": _clean(cohen_kappa(x, y)),
        "units": len(shared),
        "labels": labels,
        "confusion": confusion(x, y, labels).tolist(),
    }


def _stance_disagreements(
    units: Sequence[UnitVotes], annotators: list[str], target: str, matrix: list[list[str | None]]
) -> list[dict[str, Any]]:
    out = []
    for j, u in enumerate(units):
        votes = {a: matrix[i][j] for i, a in enumerate(annotators) if a in u.annotators}
        if len(votes) >= 2 and len(set(votes.values())) > 1:
            out.append({"unit_id": u.unit_id, "kind": "stance", "target": target, "votes": votes})
    return out


def _f1_or_none(tp: int, fp: int, fn: int, f1: float) -> float | None:
    """F1 as scored, or None when neither annotator marked anything (nothing to agree on)."""
    return None if tp + fp + fn == 0 else f1


def _pair_entity_agreement(
    units: Sequence[UnitVotes], pair: Pair, entity_labels: Sequence[str]
) -> tuple[float | None, dict[str, Any]]:
    """Exact-span F1 of two annotators over the units both labelled, micro and per label (a as gold, b as
    predicted: a match is symmetric, so F1 does not depend on the order)."""
    a, b = pair
    shared = [u for u in units if a in u.annotators and b in u.annotators]
    counts = entity_counts([u.spans.get(a, set()) for u in shared], [u.spans.get(b, set()) for u in shared])
    micro = counts.micro
    micro_f1 = _f1_or_none(micro.tp, micro.fp, micro.fn, micro.fscore)
    per_label = {}
    for label in sorted(set(entity_labels) | set(counts.per_label)):
        s = counts.per_label.get(label)
        tp, fp, fn = (s.tp, s.fp, s.fn) if s is not None else (0, 0, 0)
        per_label[label] = {
            "f1": _clean(_f1_or_none(tp, fp, fn, s.fscore if s is not None else 0.0)),
            "matches": tp,
            a: tp + fn,
            b: tp + fp,
        }
    overlap = overlap_f1([u.spans.get(a, set()) for u in shared], [u.spans.get(b, set()) for u in shared])
    for label, scores in overlap.items():
        if label in per_label:
            per_label[label]["overlap_f1"] = _clean(scores["f1"])
    overlap_micro = _clean(overlap["all"]["f1"]) if "all" in overlap else None
    return micro_f1, {"micro_f1": _clean(micro_f1), "overlap_micro_f1": overlap_micro, "per_label": per_label}


def _span_disagreements(units: Sequence[UnitVotes]) -> list[dict[str, Any]]:
    """Every span some but not all of a unit's annotators marked."""
    out = []
    for u in units:
        if len(u.annotators) < 2:
            continue
        all_spans: set[Span] = set().union(*(u.spans.get(a, set()) for a in u.annotators))
        for span in sorted(all_spans):
            marked = sorted(a for a in u.annotators if span in u.spans.get(a, set()))
            if len(marked) != len(u.annotators):
                out.append(
                    {
                        "unit_id": u.unit_id,
                        "kind": "span",
                        "start": span[0],
                        "end": span[1],
                        "label": span[2],
                        "marked_by": marked,
                        "not_by": sorted(set(u.annotators) - set(marked)),
                    }
                )
    return out


def compute_agreement(
    units: Sequence[UnitVotes],
    annotators: Sequence[str],
    targets: Sequence[str],
    stance_labels: Sequence[str],
    entity_labels: Sequence[str],
) -> dict[str, Any]:
    """Stance agreement per target, entity agreement per pair of annotators, and the disagreements to review."""
    names = sorted(annotators)
    pairs = list(combinations(names, 2))
    stance: dict[str, Any] = {}
    disagreements: list[dict[str, Any]] = []
    pair_kappas: dict[Pair, list[float]] = {p: [] for p in pairs}
    for target in targets:
        matrix = _stance_matrix(units, names, target)
        kappas = _pair_kappas(matrix, names, pairs)
        stance[target] = _target_agreement(matrix, names, kappas, stance_labels)
        if len(pairs) == 1:
            stance[target]["with_no_label"] = _pair_with_absent(units, pairs[0], target, stance_labels)
        for pair, (kappa, _) in kappas.items():
            if kappa is not None:
                pair_kappas[pair].append(kappa)
        disagreements += _stance_disagreements(units, names, target, matrix)
    entities: dict[str, Any] = {}
    pair_f1: dict[Pair, float | None] = {}
    for pair in pairs:
        pair_f1[pair], entities[_pair_key(pair)] = _pair_entity_agreement(units, pair, entity_labels)
    return {
        "annotators": names,
        "units": len(units),
        "units_multi_annotated": sum(len(u.annotators) >= 2 for u in units),
        "stance": stance,
        "entities": entities,
        "pairwise": {
            "stance_mean_kappa": {_pair_key(p): _clean(sum(v) / len(v)) if v else None for p, v in pair_kappas.items()},
            "entity_micro_f1": {_pair_key(p): _clean(v) for p, v in pair_f1.items()},
        },
        "disagreements": disagreements + _span_disagreements(units),
    }


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def agreement_markdown(result: dict[str, Any], max_listed: int = 200) -> str:
    lines = [
        "# Inter-annotator agreement",
        "",
        f"Annotators: {', '.join(result['annotators'])}. Units: {result['units']} "
        f"({result['units_multi_annotated']} labelled by two or more).",
        "",
        "## Stance (per target)",
        "",
        "| target | units | Cohen's κ (2 annotators) | Fleiss' κ (units) | Krippendorff's α |",
        "|---|---|---|---|---|",
    ]
    for target, e in result["stance"].items():
        lines.append(
            f"| {target} | {e['units_labelled']} | {_fmt(e.get('cohen_kappa'))} | "
            f"{_fmt(e['fleiss_kappa'])} ({e['fleiss_units']}) | {_fmt(e['krippendorff_alpha'])} |"
        )
    lines += _no_label_lines(result)
    lines += ["", "## Entities: pairwise span F1 (exact / overlapping)", ""]
    for pair, e in result["entities"].items():
        labels = e["per_label"]
        lines.append(
            f"**{pair.replace('|', ' vs ')}**: micro F1 {_fmt(e['micro_f1'])} / "
            f"{_fmt(e.get('overlap_micro_f1'))}; "
            + ", ".join(
                f"{lab} {_fmt(v['f1'])} / {_fmt(v.get('overlap_f1'))}"
                for lab, v in labels.items()
                if v["f1"] is not None
            )
        )
    dis = result["disagreements"]
    lines += ["", f"## Disagreements to review ({len(dis)})", ""]
    for d in dis[:max_listed]:
        if d["kind"] == "stance":
            lines.append(
                f"- `{d['unit_id']}` stance `{d['target']}`: "
                + ", ".join(f"{a}={v or '—'}" for a, v in d["votes"].items())
            )
        else:
            lines.append(
                f"- `{d['unit_id']}` span {d['start']}–{d['end']} {d['label']}: marked by "
                f"{', '.join(d['marked_by'])}; not by {', '.join(d['not_by'])}"
            )
    if len(dis) > max_listed:
        lines.append(f"- … and {len(dis) - max_listed} more in `agreement.json`.")
    return "\n".join(lines) + "\n"


def _no_label_lines(result: dict[str, Any]) -> list[str]:
    """Two annotators: κ with "no label" as a category, and each target's confusion between them."""
    entries = {t: e["with_no_label"] for t, e in result["stance"].items() if "with_no_label" in e}
    if not entries:
        return []
    first, second = result["annotators"]
    lines = ["", f'### Every shared unit, "no label" as a category (rows {first}, columns {second})', ""]
    for target, e in entries.items():
        lines += [
            f"**{target}**: κ {_fmt(e['kappa_with_no_label'])} over {e['units']} units",
            "",
            "| | " + " | ".join(e["labels"]) + " |",
            "|---" * (len(e["labels"]) + 1) + "|",
        ]
        lines += [
            f"| {label} | " + " | ".join(str(v) for v in row) + " |"
            for label, row in zip(e["labels"], e["confusion"], strict=True)
        ]
        lines.append("")
    return lines


def agreement_summary_markdown(result: dict[str, Any]) -> str:
    parts = [
        f"{t}: κ/α {_fmt(e.get('cohen_kappa', e['fleiss_kappa']))}/{_fmt(e['krippendorff_alpha'])}"
        for t, e in result["stance"].items()
    ]
    f1s = [e["micro_f1"] for e in result["entities"].values() if e["micro_f1"] is not None]
    ent = f"mean pairwise exact-span F1 {_fmt(sum(f1s) / len(f1s))}" if f1s else "entity F1 n/a"
    return (
        f"{len(result['annotators'])} annotators over {result['units_multi_annotated']} shared unit(s). "
        f"Stance {'; '.join(parts)}. Entities: {ent}. {len(result['disagreements'])} disagreement(s) "
        "listed in `agreement.md`."
    )


def agreement_heatmap_png(result: dict[str, Any]) -> bytes:
    """Annotator × annotator heat maps: mean stance Cohen's κ and entity micro F1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = result["annotators"]
    n = len(names)
    fig, axes = plt.subplots(1, 2, figsize=(4 + 1.2 * n, 2.5 + 0.5 * n))
    for ax, key, title in (
        (axes[0], "stance_mean_kappa", "stance: mean Cohen's κ"),
        (axes[1], "entity_micro_f1", "entities: exact-span F1"),
    ):
        mat = np.full((n, n), np.nan)
        for i in range(n):
            mat[i, i] = 1.0
        for pair, v in result["pairwise"][key].items():
            a, b = pair.split("|")
            if v is not None:
                i, j = names.index(a), names.index(b)
                mat[i, j] = mat[j, i] = v
        im = ax.imshow(mat, vmin=-0.2 if "kappa" in key else 0, vmax=1, cmap="viridis")
        ax.set_xticks(range(n), names, rotation=45, ha="right")
        ax.set_yticks(range(n), names)
        ax.set_title(title, fontsize=9)
        for i in range(n):
            for j in range(n):
                ax.text(
                    j,
                    i,
                    "n/a" if np.isnan(mat[i, j]) else f"{mat[i, j]:.2f}",
                    ha="center",
                    va="center",
                    color="white",
                    fontsize=8,
                )
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
