"""Inter-annotator agreement from per-annotator votes. Pure: votes in, numbers (and Markdown / PNG bytes) out.

- stance, per target: Cohen's κ for each pair of annotators (units both labelled), Fleiss' κ over the units every
  annotator labelled, Krippendorff's α (nominal; missing labels allowed);
- entities: pairwise exact-span F1 per label (a span matches only with the same start, end and label);
- a disagreement list to review.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from geostance.dataset.adjudicate import UnitVotes


def _clean(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """κ = (p_o − p_e) / (1 − p_e); None when undefined (no items, or chance agreement is 1)."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    po = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if pe == 1:
        return None
    return (po - pe) / (1 - pe)


def fleiss_kappa(items: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' κ over items that each have the same number (≥ 2) of ratings."""
    items = [list(x) for x in items]
    if not items:
        return None
    n = len(items[0])
    if n < 2 or any(len(x) != n for x in items):
        return None
    categories = sorted({c for x in items for c in x})
    big_n = len(items)
    p_i = []
    totals: Counter = Counter()
    for ratings in items:
        counts = Counter(ratings)
        totals.update(counts)
        p_i.append((sum(v * v for v in counts.values()) - n) / (n * (n - 1)))
    p_bar = sum(p_i) / big_n
    pe = sum((totals[c] / (big_n * n)) ** 2 for c in categories)
    if pe == 1:
        return None
    return (p_bar - pe) / (1 - pe)


def krippendorff_alpha(matrix: Sequence[Sequence[str | None]], categories: Sequence[str]) -> float | None:
    """Nominal α; rows are annotators, columns units, None is missing."""
    import krippendorff
    import numpy as np

    index = {c: i for i, c in enumerate(categories)}
    data = np.array([[np.nan if v is None else index[v] for v in row] for row in matrix], dtype=float)
    paired = (~np.isnan(data)).sum(axis=0) >= 2
    if data.size == 0 or not paired.any() or len({v for row in matrix for v in row if v is not None}) < 2:
        return None
    try:
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except (ValueError, ZeroDivisionError):
        return None


def span_f1(a: set[tuple[int, int, str]], b: set[tuple[int, int, str]]) -> tuple[int, int, int]:
    """(matches, |a|, |b|): F1 = 2·matches / (|a| + |b|)."""
    return len(a & b), len(a), len(b)


def _f1(tp: int, na: int, nb: int) -> float | None:
    return None if na + nb == 0 else 2 * tp / (na + nb)


def compute_agreement(units: Sequence[UnitVotes], annotators: Sequence[str], targets: Sequence[str],
                      stance_labels: Sequence[str], entity_labels: Sequence[str]) -> dict[str, Any]:
    annotators = sorted(annotators)
    pairs = list(combinations(annotators, 2))
    stance: dict[str, Any] = {}
    disagreements: list[dict[str, Any]] = []
    pair_kappas: dict[tuple[str, str], list[float]] = {p: [] for p in pairs}
    for target in targets:
        matrix = [[u.stances.get(a, {}).get(target) if a in u.annotators else None for u in units]
                  for a in annotators]
        per_pair = {}
        for a, b in pairs:
            ia, ib = annotators.index(a), annotators.index(b)
            both = [(x, y) for x, y in zip(matrix[ia], matrix[ib]) if x is not None and y is not None]
            k = cohen_kappa([x for x, _ in both], [y for _, y in both])
            per_pair[f"{a}|{b}"] = {"kappa": _clean(k), "units": len(both)}
            if k is not None:
                pair_kappas[(a, b)].append(k)
        complete = [[row[j] for row in matrix] for j in range(len(units)) if all(row[j] is not None for row in matrix)]
        entry: dict[str, Any] = {
            "units_labelled": sum(any(row[j] is not None for row in matrix) for j in range(len(units))),
            "pairwise_cohen_kappa": per_pair,
            "fleiss_kappa": _clean(fleiss_kappa(complete)) if len(annotators) >= 2 else None,
            "fleiss_units": len(complete),
            "krippendorff_alpha": _clean(krippendorff_alpha(matrix, stance_labels)),
        }
        if len(annotators) == 2:
            entry["cohen_kappa"] = per_pair[f"{annotators[0]}|{annotators[1]}"]["kappa"]
        stance[target] = entry
        for j, u in enumerate(units):
            votes = {a: matrix[i][j] for i, a in enumerate(annotators) if a in u.annotators}
            if len(votes) >= 2 and len(set(votes.values())) > 1:
                disagreements.append({"unit_id": u.unit_id, "kind": "stance", "target": target, "votes": votes})

    entities: dict[str, Any] = {}
    pair_f1: dict[tuple[str, str], float | None] = {}
    for a, b in pairs:
        per_label = {lab: [0, 0, 0] for lab in entity_labels}
        total = [0, 0, 0]
        for u in units:
            if a not in u.annotators or b not in u.annotators:
                continue
            sa, sb = u.spans.get(a, set()), u.spans.get(b, set())
            for lab in set(entity_labels) | {s[2] for s in sa | sb}:
                la = {s for s in sa if s[2] == lab}
                lb = {s for s in sb if s[2] == lab}
                tp, na, nb = span_f1(la, lb)
                acc = per_label.setdefault(lab, [0, 0, 0])
                acc[0] += tp
                acc[1] += na
                acc[2] += nb
                total[0] += tp
                total[1] += na
                total[2] += nb
        pair_f1[(a, b)] = _f1(*total)
        entities[f"{a}|{b}"] = {"micro_f1": _clean(_f1(*total)),
                                "per_label": {lab: {"f1": _clean(_f1(*v)), "matches": v[0], a: v[1], b: v[2]}
                                              for lab, v in sorted(per_label.items())}}
    for u in units:
        if len(u.annotators) < 2:
            continue
        all_spans = set().union(*(u.spans.get(a, set()) for a in u.annotators))
        for span in sorted(all_spans):
            marked = sorted(a for a in u.annotators if span in u.spans.get(a, set()))
            if len(marked) != len(u.annotators):
                disagreements.append({"unit_id": u.unit_id, "kind": "span", "start": span[0], "end": span[1],
                                      "label": span[2], "marked_by": marked,
                                      "not_by": sorted(set(u.annotators) - set(marked))})
    return {
        "annotators": annotators,
        "units": len(units),
        "units_multi_annotated": sum(len(u.annotators) >= 2 for u in units),
        "stance": stance,
        "entities": entities,
        "pairwise": {"stance_mean_kappa": {f"{a}|{b}": _clean(sum(v) / len(v)) if v else None
                                           for (a, b), v in pair_kappas.items()},
                     "entity_micro_f1": {f"{a}|{b}": _clean(v) for (a, b), v in pair_f1.items()}},
        "disagreements": disagreements,
    }


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def agreement_markdown(result: dict[str, Any], max_listed: int = 200) -> str:
    lines = ["# Inter-annotator agreement", "",
             f"Annotators: {', '.join(result['annotators'])}. Units: {result['units']} "
             f"({result['units_multi_annotated']} labelled by two or more).", "", "## Stance (per target)", "",
             "| target | units | Cohen's κ (2 annotators) | Fleiss' κ (units) | Krippendorff's α |", "|---|---|---|---|---|"]
    for target, e in result["stance"].items():
        lines.append(f"| {target} | {e['units_labelled']} | {_fmt(e.get('cohen_kappa'))} | "
                     f"{_fmt(e['fleiss_kappa'])} ({e['fleiss_units']}) | {_fmt(e['krippendorff_alpha'])} |")
    lines += ["", "## Entities: pairwise exact-span F1", ""]
    for pair, e in result["entities"].items():
        labels = e["per_label"]
        lines.append(f"**{pair.replace('|', ' vs ')}**: micro F1 {_fmt(e['micro_f1'])}; " +
                     ", ".join(f"{lab} {_fmt(v['f1'])}" for lab, v in labels.items() if v["f1"] is not None))
    dis = result["disagreements"]
    lines += ["", f"## Disagreements to review ({len(dis)})", ""]
    for d in dis[:max_listed]:
        if d["kind"] == "stance":
            lines.append(f"- `{d['unit_id']}` stance `{d['target']}`: " +
                         ", ".join(f"{a}={v or '—'}" for a, v in d["votes"].items()))
        else:
            lines.append(f"- `{d['unit_id']}` span {d['start']}–{d['end']} {d['label']}: marked by "
                         f"{', '.join(d['marked_by'])}; not by {', '.join(d['not_by'])}")
    if len(dis) > max_listed:
        lines.append(f"- … and {len(dis) - max_listed} more in `agreement.json`.")
    return "\n".join(lines) + "\n"


def agreement_summary_markdown(result: dict[str, Any]) -> str:
    parts = [f"{t}: κ/α {_fmt(e.get('cohen_kappa', e['fleiss_kappa']))}/{_fmt(e['krippendorff_alpha'])}"
             for t, e in result["stance"].items()]
    f1s = [e["micro_f1"] for e in result["entities"].values() if e["micro_f1"] is not None]
    ent = f"mean pairwise exact-span F1 {_fmt(sum(f1s) / len(f1s))}" if f1s else "entity F1 n/a"
    return (f"{len(result['annotators'])} annotators over {result['units_multi_annotated']} shared unit(s). "
            f"Stance {'; '.join(parts)}. Entities: {ent}. {len(result['disagreements'])} disagreement(s) "
            "listed in `agreement.md`.")


def agreement_heatmap_png(result: dict[str, Any]) -> bytes:
    """Annotator × annotator heat maps: mean stance Cohen's κ and entity micro F1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = result["annotators"]
    n = len(names)
    fig, axes = plt.subplots(1, 2, figsize=(4 + 1.2 * n, 2.5 + 0.5 * n))
    for ax, key, title in ((axes[0], "stance_mean_kappa", "stance: mean Cohen's κ"),
                           (axes[1], "entity_micro_f1", "entities: exact-span F1")):
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
                ax.text(j, i, "n/a" if np.isnan(mat[i, j]) else f"{mat[i, j]:.2f}", ha="center", va="center",
                        color="white", fontsize=8)
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
