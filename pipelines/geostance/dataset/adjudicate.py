"""Adjudication into gold: majority vote, ties listed for review, human decisions override, provenance kept.

The rule (documented in the card):
- a span (start, end, label) is gold when more than half of the unit's annotators marked exactly it;
  exactly half is a tie (listed, left out until decided); fewer is rejected;
- a stance target gets the label most annotators who labelled that target gave (annotators who left the target
  unlabelled abstain); a tie at the top is listed and left out until decided;
- a decision in the adjudication file (`annotations/adjudication.jsonl`) overrides the rule for its item:
  `{"unit_id": ..., "kind": "span", "start": 0, "end": 6, "label": "GPE", "accept": true, "by": "lead", "note": ""}`
  `{"unit_id": ..., "kind": "stance", "target": "alliance", "label": "FAVOR", "by": "lead"}` (label null: no label).
Every gold item records who voted for what and which rule or decision made it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.errors import InputError
from geostance.fields import check_scalar
from geostance.jsonl import iter_json_objects
from geostance.textfile import read_lines

SpanKey = tuple[int, int, str]


@dataclass
class UnitVotes:
    unit_id: str
    annotators: list[str]
    spans: dict[str, set[SpanKey]] = field(default_factory=dict)  # annotator → spans
    stances: dict[str, dict[str, str]] = field(default_factory=dict)  # annotator → target → label


@dataclass(frozen=True)
class Decision:
    unit_id: str
    kind: str  # "span" or "stance"
    key: tuple  # (start, end, label) for spans, (target,) for stance
    label: str | None  # stance label (None: no label); for spans the label is in the key
    accept: bool  # spans: accept or reject
    by: str
    note: str
    origin: str


@dataclass
class UnitGold:
    unit_id: str
    spans: list[SpanKey]
    stances: dict[str, str]
    provenance: list[dict[str, Any]]


@dataclass
class AdjudicationSummary:
    units: int = 0
    counts: Counter = field(default_factory=Counter)  # rule → n
    ties: list[dict[str, Any]] = field(default_factory=list)
    unused_decisions: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # origins of the decisions that matched an item

    def note_unused(self, decisions: dict[tuple, Decision]) -> None:
        self.unused_decisions = sorted(d.origin for d in decisions.values() if d.origin not in self.used)

    def build_info(self) -> dict[str, Any]:
        """The adjudication entry of build_info.json (the ties themselves are in adjudication.json)."""
        return {
            "rules": dict(sorted(self.counts.items())),
            "ties": len(self.ties),
            "unused_decisions": self.unused_decisions,
            "summary_markdown": self.markdown(),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "rules": dict(sorted(self.counts.items())),
            "ties": self.ties,
            "unused_decisions": self.unused_decisions,
        }

    def markdown(self) -> str:
        rules = ", ".join(f"{k}: {v}" for k, v in sorted(self.counts.items())) or "none"
        text = (
            f"Gold by majority vote over {self.units} unit(s) (a span needs more than half of the unit's "
            f"annotators; a stance the most votes among those who labelled the target); decisions in the "
            f"adjudication file override. Items by rule: {rules}. Unresolved ties (left out, listed in "
            f"`adjudication.json`): {len(self.ties)}."
        )
        if self.unused_decisions:
            text += f" Decisions that matched nothing: {len(self.unused_decisions)}."
        return text


def _rule(votes: int, n: int) -> str:
    if n == 1:
        return "single annotator"
    return "unanimous" if votes == n else "majority"


def decisions_by_unit(decisions: dict[tuple, Decision]) -> dict[str, list[Decision]]:
    by_unit: dict[str, list[Decision]] = {}
    for decision in decisions.values():
        by_unit.setdefault(decision.unit_id, []).append(decision)
    return by_unit


def adjudicate_unit(unit: UnitVotes, decisions: list[Decision], summary: AdjudicationSummary) -> UnitGold:
    """Gold spans and stances of one unit by the module's rule; `decisions` are the unit's own (they override).
    The decisions used are recorded in `summary.used` (by origin)."""
    summary.units += 1
    spans, span_provenance = _adjudicate_spans(unit, [d for d in decisions if d.kind == "span"], summary)
    stances, stance_provenance = _adjudicate_stances(unit, [d for d in decisions if d.kind == "stance"], summary)
    return UnitGold(unit.unit_id, spans, stances, span_provenance + stance_provenance)


def _adjudicate_spans(
    unit: UnitVotes, decisions: list[Decision], summary: AdjudicationSummary
) -> tuple[list[SpanKey], list[dict[str, Any]]]:
    n = len(unit.annotators)
    gold: list[SpanKey] = []
    provenance: list[dict[str, Any]] = []
    proposed: dict[SpanKey, list[str]] = {}
    for annotator in unit.annotators:
        for span in unit.spans.get(annotator, ()):
            proposed.setdefault(span, []).append(annotator)
    decided = {d.key: d for d in decisions}
    for span in sorted(set(proposed) | set(decided)):
        voters = proposed.get(span, [])
        item = {
            "unit_id": unit.unit_id,
            "kind": "span",
            "start": span[0],
            "end": span[1],
            "label": span[2],
            "votes": f"{len(voters)}/{n}",
            "by": sorted(voters),
        }
        decision = decided.get(span)
        if decision is not None:
            summary.used.add(decision.origin)
            summary.counts["span: adjudicated"] += 1
            if decision.accept:
                gold.append(span)
            rule = f"adjudicated by {decision.by}" + (" (accepted)" if decision.accept else " (rejected)")
            provenance.append({**item, "rule": rule, "note": decision.note, "gold": decision.accept})
        elif 2 * len(voters) > n:
            rule = _rule(len(voters), n)
            gold.append(span)
            summary.counts[f"span: {rule}"] += 1
            provenance.append({**item, "rule": rule, "gold": True})
        elif 2 * len(voters) == n:
            summary.counts["span: tie"] += 1
            summary.ties.append({**item, "rule": "tie"})
            provenance.append({**item, "rule": "tie (left out until decided)", "gold": False})
        else:
            summary.counts["span: minority"] += 1
            provenance.append({**item, "rule": "minority (rejected)", "gold": False})
    return sorted(gold), provenance


def _adjudicate_stances(
    unit: UnitVotes, decisions: list[Decision], summary: AdjudicationSummary
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    gold: dict[str, str] = {}
    provenance: list[dict[str, Any]] = []
    decided = {d.key[0]: d for d in decisions}
    targets = sorted({t for a in unit.annotators for t in unit.stances.get(a, {})} | set(decided))
    for target in targets:
        votes = {a: unit.stances[a][target] for a in unit.annotators if target in unit.stances.get(a, {})}
        item = {"unit_id": unit.unit_id, "kind": "stance", "target": target, "votes": votes}
        decision = decided.get(target)
        if decision is not None:
            summary.used.add(decision.origin)
            summary.counts["stance: adjudicated"] += 1
            if decision.label is not None:
                gold[target] = decision.label
            provenance.append(
                {
                    **item,
                    "label": decision.label,
                    "rule": f"adjudicated by {decision.by}",
                    "note": decision.note,
                    "gold": decision.label is not None,
                }
            )
            continue
        counts = Counter(votes.values()).most_common()
        top, top_n = counts[0]
        if len(counts) > 1 and counts[1][1] == top_n:
            tied = sorted(lab for lab, c in counts if c == top_n)
            summary.counts["stance: tie"] += 1
            summary.ties.append({**item, "rule": "tie", "tied": tied})
            provenance.append(
                {**item, "label": None, "rule": f"tie between {tied} (left out until decided)", "gold": False}
            )
            continue
        rule = _rule(top_n, len(votes)) if top_n == len(votes) or len(votes) == 1 else "majority"
        summary.counts[f"stance: {rule}"] += 1
        gold[target] = top
        provenance.append({**item, "label": top, "rule": f"{rule} {top_n}/{len(votes)}", "gold": True})
    return gold, provenance


def adjudicate(
    units: Iterable[UnitVotes], decisions: dict[tuple, Decision] | None = None
) -> tuple[list[UnitGold], AdjudicationSummary]:
    decisions = decisions or {}
    by_unit = decisions_by_unit(decisions)
    summary = AdjudicationSummary()
    gold = [adjudicate_unit(u, by_unit.get(u.unit_id, []), summary) for u in units]
    summary.note_unused(decisions)
    return gold, summary


def parse_decisions(lines: Iterable[str], path: str) -> dict[tuple, Decision]:
    """The adjudication file: one JSON decision per line (see the module docstring)."""
    out: dict[tuple, Decision] = {}
    for n, obj in iter_json_objects(lines, path, skip_comments=True):
        unit_id, kind, by = obj.get("unit_id"), obj.get("kind"), obj.get("by")
        if not isinstance(unit_id, str) or not unit_id:
            raise InputError(path, "decision needs a string 'unit_id'", n)
        if not isinstance(by, str) or not by:
            raise InputError(path, "decision needs 'by' (who decided)", n)
        note = check_scalar(obj.get("note"), path, n, "note") or ""
        if kind == "span":
            start, end, label = obj.get("start"), obj.get("end"), obj.get("label")
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)) or not isinstance(
                label, str
            ):
                raise InputError(path, "span decision needs integer 'start', 'end' and a string 'label'", n)
            accept = obj.get("accept")
            if not isinstance(accept, bool):
                raise InputError(path, "span decision needs 'accept': true or false", n)
            key: tuple = (unit_id, "span", (start, end, label))
            decision = Decision(unit_id, "span", (start, end, label), None, accept, by, note, f"{path}:{n}")
        elif kind == "stance":
            target, label = obj.get("target"), obj.get("label")
            if not isinstance(target, str) or not (label is None or isinstance(label, str)):
                raise InputError(path, "stance decision needs a string 'target' and a 'label' (string or null)", n)
            key = (unit_id, "stance", (target,))
            decision = Decision(unit_id, "stance", (target,), label, True, by, note, f"{path}:{n}")
        else:
            raise InputError(path, f"'kind' must be 'span' or 'stance', got {kind!r}", n)
        if key in out:
            raise InputError(path, f"a second decision for the same item (first at {out[key].origin})", n)
        out[key] = decision
    return out


def load_decisions(path: Path | None) -> dict[tuple, Decision]:
    if path is None or not Path(path).is_file():
        return {}
    return parse_decisions(read_lines(path), str(path))
