"""Rendering metrics as Markdown (report.md) and as the short summary table `make train` prints. No I/O."""

from __future__ import annotations

from typing import Any


def pct(value: float) -> str:
    return f"{100 * value:.1f}"


def with_ci(value: float, ci: list[float] | None) -> str:
    return f"{pct(value)} [{pct(ci[0])}, {pct(ci[1])}]" if ci else pct(value)


def summary_rows(metrics: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(score, model [95% CI], baseline [95% CI], baseline name) rows, in percent."""
    rows = []
    ner = metrics.get("ner")
    if ner:
        rows.append(
            (
                "NER micro-F1",
                with_ci(ner["f1"], ner.get("f1_ci")),
                with_ci(ner["baseline_f1"], ner.get("baseline_f1_ci")) if "baseline_f1" in ner else "-",
                "lookup",
            )
        )
        if "f1_minus_baseline" in ner:
            rows.append(
                (
                    "NER micro-F1 minus baseline (paired)",
                    with_ci(ner["f1_minus_baseline"], ner.get("f1_minus_baseline_ci")),
                    "-",
                    "same resampled articles",
                )
            )
    news = metrics.get("realnews")
    if news:
        rows.append(("NER on real news (CoNLL testb, mapped)", with_ci(news["f1"], news.get("f1_ci")), "-", "-"))
    stance = metrics.get("stance")
    if stance:
        rows.append(
            (
                f"stance macro-F1 ({stance['variant']})",
                with_ci(stance["macro_f1"], stance.get("macro_f1_ci")),
                with_ci(stance["baseline_macro_f1"], stance.get("baseline_macro_f1_ci"))
                if "baseline_macro_f1" in stance
                else "-",
                "majority per target",
            )
        )
        rows.append(
            (
                f"stance F_avg ({stance['variant']})",
                with_ci(stance["f_avg"], stance.get("f_avg_ci")),
                with_ci(stance["baseline_f_avg"], stance.get("baseline_f_avg_ci"))
                if "baseline_f_avg" in stance
                else "-",
                "majority per target",
            )
        )
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _header(metrics: dict[str, Any]) -> list[str]:
    boot = metrics["bootstrap"]
    return [
        "# geostance evaluation report",
        "",
        f"Split **{metrics['split']}** of `{metrics['dataset']}` "
        f"(fingerprint `{metrics.get('dataset_fingerprint', '?')}`).",
        f"Scores in percent. Brackets: {boot['confidence']:.0%} bootstrap confidence interval "
        f"({boot['resamples']} resamples; test sets are small, read the intervals). Resampled: "
        + "; ".join(
            f"{task}: {metrics[task]['bootstrap_unit']}"
            for task in ("ner", "stance")
            if task in metrics and "bootstrap_unit" in metrics[task]
        )
        + ".",
        "",
        "## Summary",
        "",
        _table(["score", "model", "baseline", "baseline is"], [list(r) for r in summary_rows(metrics)]),
    ]


def _plot(metrics: dict[str, Any], png: str, caption: str) -> list[str]:
    """The Markdown image line of a plot this run wrote (none for a plot it did not)."""
    return ["", f"![{caption}]({png})"] if png in metrics.get("plots", []) else []


def _ner_section(metrics: dict[str, Any], ner: dict[str, Any]) -> list[str]:
    baseline = ner.get("baseline") or {}
    overall = [
        [
            "model",
            with_ci(ner["precision"], ner["precision_ci"]),
            with_ci(ner["recall"], ner["recall_ci"]),
            with_ci(ner["f1"], ner["f1_ci"]),
        ]
    ]
    if ner.get("baseline"):
        overall.append(
            [
                "baseline",
                pct(baseline["precision"]),
                pct(baseline["recall"]),
                with_ci(ner["baseline_f1"], ner["baseline_f1_ci"]),
            ]
        )
    per_label = [
        [
            lab,
            s["support"],
            pct(s["precision"]),
            pct(s["recall"]),
            pct(s["f1"]),
            pct(baseline.get("per_label", {}).get(lab, {}).get("f1", 0.0)),
        ]
        for lab, s in ner["per_label"].items()
    ]
    return [
        "",
        "## Named entities",
        "",
        f"Model `{ner['model']}`: {ner['n_docs']} documents, {ner['n_gold']} gold entities, "
        f"{ner['n_pred']} predicted. Exact match of start, end and label.",
        "",
        _table(["", "precision", "recall", "F1"], overall),
        "",
        "Per label:",
        "",
        _table(["label", "support", "precision", "recall", "F1", "baseline F1"], per_label),
        *_plot(metrics, "ner_per_label.png", "NER F1 per label"),
    ]


def _realnews_section(news: dict[str, Any]) -> list[str]:
    rows = [
        [lab, s["support"], pct(s["precision"]), pct(s["recall"]), pct(s["f1"])] for lab, s in news["per_label"].items()
    ]
    rows.append(
        [
            "all",
            news["n_gold"],
            with_ci(news["precision"], news["precision_ci"]),
            with_ci(news["recall"], news["recall_ci"]),
            with_ci(news["f1"], news["f1_ci"]),
        ]
    )
    return [
        "",
        "## Named entities on real news",
        "",
        f"`{news['data']}`: {news['documents']} Reuters documents ({news['words']:,} words) the model never "
        "saw; labels mapped "
        + ", ".join(f"{k}→{v}" for k, v in news["label_map"].items() if k != v)
        + "; exact spans.",
        "",
        _table(["label", "support", "precision", "recall", "F1"], rows),
    ]


def _stance_variants(stance: dict[str, Any]) -> list[str]:
    """global vs per_target vs ensemble, when the model has more than one variant."""
    if len(stance.get("variants", {})) <= 1:
        return []
    targets = list(stance["per_target"])
    return [
        "",
        "One model for all targets (`global`), one model per target (`per_target`) and their mean (`ensemble`):",
        "",
        _table(
            ["variant", "macro-F1", "F_avg", *[f"F_avg {t}" for t in targets]],
            [
                [
                    v,
                    with_ci(s["macro_f1"], s["macro_f1_ci"]),
                    with_ci(s["f_avg"], s["f_avg_ci"]),
                    *[pct(s["per_target"].get(t, {}).get("f_avg", 0.0)) for t in targets],
                ]
                for v, s in stance["variants"].items()
            ],
        ),
    ]


def _stance_section(metrics: dict[str, Any], stance: dict[str, Any]) -> list[str]:
    return [
        "",
        "## Stance",
        "",
        f"Model `{stance['model']}`, variant used: **{stance['variant']}**. {stance['n']} (text, target) pairs. "
        f"F_avg = mean F1 of {' and '.join(stance['f_avg_labels'])} (SemEval-2016 metric).",
        "",
        _table(
            ["label", "support", "precision", "recall", "F1"],
            [
                [lab, s["support"], pct(s["precision"]), pct(s["recall"]), pct(s["f1"])]
                for lab, s in stance["per_class"].items()
            ],
        ),
        "",
        "Per target:",
        "",
        _table(
            ["target", "n", "macro-F1", "F_avg", "baseline macro-F1", "baseline F_avg"],
            [
                [
                    t,
                    s["n"],
                    with_ci(s["macro_f1"], s["macro_f1_ci"]),
                    with_ci(s["f_avg"], s["f_avg_ci"]),
                    pct(s.get("baseline_macro_f1", 0.0)),
                    pct(s.get("baseline_f_avg", 0.0)),
                ]
                for t, s in stance["per_target"].items()
            ],
        ),
        *_stance_variants(stance),
        *_plot(metrics, "stance_confusion.png", "Stance confusion matrix"),
    ]


def _curve_section(metrics: dict[str, Any], curve: dict[str, Any]) -> list[str]:
    header = ["share of train", *[f"{f:.0%}" for f in curve["fractions"]]]
    rows = [
        [name, *[pct(v) for v in curve[key]]]
        for key, name in (
            ("ner_f1", "NER F1"),
            ("stance_macro_f1", "stance macro-F1"),
            ("stance_f_avg", "stance F_avg"),
        )
        if key in curve
    ]
    return [
        "",
        "## Learning curve",
        "",
        "Each model retrained on a growing share of the train articles (same settings), scored on "
        f"{curve['split']}. A curve still rising at 100% says more annotation should pay off.",
        "",
        _table(header, rows),
        *_plot(metrics, "learning_curve.png", "Learning curve"),
    ]


def render_report(metrics: dict[str, Any]) -> str:
    """report.md: summary, then a section for each part the metrics hold."""
    out = _header(metrics)
    if metrics.get("ner"):
        out += _ner_section(metrics, metrics["ner"])
    if metrics.get("realnews"):
        out += _realnews_section(metrics["realnews"])
    if metrics.get("stance"):
        out += _stance_section(metrics, metrics["stance"])
    if metrics.get("learning_curve"):
        out += _curve_section(metrics, metrics["learning_curve"])
    out += ["", "Machine-readable: `metrics.json` (scores are fractions in [0, 1]).", ""]
    return "\n".join(out)
