"""The generated dataset card (README.md) and the Markdown alignment report. Pure: dicts in, Markdown out."""

from __future__ import annotations

from typing import Any

MAX_LISTED = 200


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|").replace("\n", "⏎") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _feature_lines(desc: dict[str, Any]) -> list[str]:
    out = []
    for name, spec in desc.items():
        if spec.get("_type") == "Value":
            out.append(f"- `{name}`: {spec['dtype']}")
        elif spec.get("_type") == "ClassLabel":
            out.append(f"- `{name}`: ClassLabel {spec['names']}")
        elif spec.get("_type") in ("Sequence", "List"):
            inner = spec.get("feature", {})
            if inner.get("_type") == "ClassLabel":
                names = inner["names"]
                shown = names if len(names) <= 16 else names[:16] + ["…"]
                out.append(f"- `{name}`: sequence of ClassLabel ({len(names)} names: {', '.join(shown)})")
            elif inner.get("_type") == "Value":
                out.append(f"- `{name}`: sequence of {inner['dtype']}")
            else:
                parts = ", ".join(
                    f"{k}: {v.get('dtype') or ('ClassLabel ' + str(v.get('names')))}" for k, v in inner.items()
                )
                out.append(f"- `{name}`: sequence of {{{parts}}} (character offsets into `text`)")
        elif "_type" not in spec:  # Sequence of a dict: stored as a dict of lists
            parts = ", ".join(f"{k}: {_element_type(v.get('feature', {}))}" for k, v in spec.items())
            out.append(
                f"- `{name}`: sequence of {{{parts}}} (a dict of equal-length lists; character offsets into `text`)"
            )
        else:
            out.append(f"- `{name}`: {spec}")
    return out


def _element_type(feature: dict[str, Any]) -> str:
    return feature.get("dtype") or f"ClassLabel {feature.get('names')}"


# Long on purpose: the card's sections in reading order, one list of lines.
def render_card(info: dict[str, Any], features: dict[str, dict[str, Any]]) -> str:
    counts = info.get("counts", {})
    lines = [
        "---",
        "language: [en]",
        "task_categories: [token-classification, text-classification]",
        "pretty_name: geostance",
        "---",
        "# geostance dataset",
        "",
        f"Built by `geostance dataset build` from **{info.get('source')}** input "
        f"(builder v{info.get('builder_version')}, fingerprint `{info.get('fingerprint', '')[:16]}`).",
        'Load it with `datasets.load_from_disk("<dir>/ner")` (or `stance`), or with '
        '`load_dataset("parquet", data_files={"train": "<dir>/parquet/ner/train.parquet", ...})`.',
        "",
        "## Tasks and features",
    ]
    for task, desc in features.items():
        lines += ["", f"### `{task}`", "", *_feature_lines(desc)]
    lines += ["", "## Split sizes", ""]
    rows = [[task, *(counts[task].get(s, 0) for s in ("train", "dev", "test"))] for task in counts]
    lines.append(_table(["task", "train", "dev", "test"], rows))
    ratios = info.get("split_ratios")
    lines += [
        "",
        f"Splits are grouped by article and decided by a seeded hash of the article id "
        f"(seed `{info.get('seed')}`, ratios {ratios}); input split files override this. "
        "Adding articles never moves an old article to another split.",
    ]
    lines += ["", "## Label distribution per split"]
    for task, per_split in info.get("label_distribution", {}).items():
        labels = sorted({lab for d in per_split.values() for lab in d})
        lines += [
            "",
            f"### `{task}`",
            "",
            _table(["label", *per_split], [[lab, *(per_split[s].get(lab, 0) for s in per_split)] for lab in labels]),
        ]
    lines += ["", "## Agreement", ""]
    agreement = info.get("agreement")
    if not agreement:
        lines.append("Not measured (a single annotator, or the input carries no per-annotator labels).")
    else:
        lines.append(agreement.get("summary_markdown", "See `agreement.md`."))
    adjudication = info.get("adjudication")
    if adjudication:
        lines += ["", "## Adjudication", "", adjudication.get("summary_markdown", "")]
    al = info.get("alignment", {})
    lines += [
        "",
        "## Span alignment",
        "",
        f"Policy **{al.get('policy')}** on spaCy `blank:en` tokens. {al.get('spans_in', 0)} spans in, "
        f"{al.get('spans_exact', 0)} on token boundaries as given, {al.get('spans_adjusted', 0)} adjusted, "
        f"{al.get('spans_dropped', 0)} dropped, {al.get('spans_kept', 0)} kept. "
        f"Every case is listed in `alignment_report.md`.",
    ]
    issues = al.get("issues", {})
    if issues:
        lines += [
            "",
            _table(["issue", "action", "count"], [[k, a, n] for k, acts in issues.items() for a, n in acts.items()]),
        ]
    if info.get("read_issues"):
        lines += ["", f"{info['read_issues']} input repair(s) on reading (listed in `alignment_report.md`)."]
    return "\n".join(lines) + "\n"


def render_alignment_markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Alignment report",
        "",
        f"Policy: **{report['policy']}**. Units: {report['units']}, tokens: {report['tokens']}, "
        f"spans in: {report['spans_in']}, exact: {report['spans_exact']}, adjusted: "
        f"{report['spans_adjusted']}, dropped: {report['spans_dropped']}, kept: {report['spans_kept']}.",
        "",
    ]
    if report["issues"]:
        lines.append(
            _table(
                ["issue", "action", "count"],
                [[k, a, n] for k, acts in report["issues"].items() for a, n in acts.items()],
            )
        )
    items = report.get("items", [])
    if items:
        lines += ["", "## Every case", ""]
        rows = [
            [
                i["origin"],
                i["unit_id"],
                i["kind"],
                i["action"],
                i.get("label"),
                f"{i.get('start')}–{i.get('end')}",
                repr(i.get("text", "")),
                repr(i["new_text"]) if "new_text" in i else "",
                i["reason"],
            ]
            for i in items[:MAX_LISTED]
        ]
        lines.append(_table(["where", "unit", "issue", "action", "label", "offsets", "text", "now", "reason"], rows))
        if len(items) > MAX_LISTED:
            lines.append(f"\n… and {len(items) - MAX_LISTED} more in `alignment_report.json`.")
    if report.get("read_issues"):
        lines += ["", "## Input repairs", "", *(f"- {r}" for r in report["read_issues"][:MAX_LISTED])]
        if len(report["read_issues"]) > MAX_LISTED:
            lines.append(f"- … and {len(report['read_issues']) - MAX_LISTED} more in `alignment_report.json`.")
    if not items and not report.get("read_issues"):
        lines += ["", "Every span was taken exactly as given."]
    return "\n".join(lines) + "\n"
