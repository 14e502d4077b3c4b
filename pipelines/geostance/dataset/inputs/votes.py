"""A Doccano row's labels as votes per annotator (`UnitVotes`), the shape adjudication reads.

Stance categories are `<target>:<label>` with schema labels, or, with labels from the data, any category
(`target:label`, or a bare label with an empty target).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geostance.dataset.adjudicate import UnitVotes
from geostance.dataset.readers.doccano import DoccanoRow
from geostance.schema import Schema


@dataclass
class CategoryParser:
    """Category name → (target, label), or a message saying why it is rejected."""

    schema: Schema | None  # None: labels from the data

    def __call__(self, cat: str) -> tuple[str, str] | str:
        if self.schema is not None:
            try:
                return self.schema.parse_category(cat)
            except ValueError as exc:
                return str(exc)
        target, sep, label = cat.rpartition(":")
        return (target, label) if sep and label else ("", cat)


@dataclass
class RowVotes:
    """One row's labels split by annotator (Doccano 1.x puts every user's labels in one row), and what was
    dropped on the way (listed in the alignment report's input repairs)."""

    votes: UnitVotes
    issues: list[str] = field(default_factory=list)


def row_votes(row: DoccanoRow, unit_id: str, parse_cat: CategoryParser, default_user: str) -> RowVotes:
    """`default_user` stands for labels without a user (a file of one annotator's work)."""
    users = sorted({u or default_user for *_, u in row.spans} | {u or default_user for _, u in row.cats})
    votes = UnitVotes(unit_id=unit_id, annotators=users or [default_user])
    issues: list[str] = []
    for start, end, label, user in row.spans:
        mine = votes.spans.setdefault(user or default_user, set())
        if (start, end, label) in mine:
            issues.append(
                f"{row.origin}: span [{start}, {end}, {label!r}] given twice by {user or default_user}; counted once"
            )
        mine.add((start, end, label))
    given: dict[str, dict[str, str | None]] = {}  # annotator → target → label (None: two labels, dropped)
    for cat, user in row.cats:
        who = user or default_user
        parsed = parse_cat(cat)
        if isinstance(parsed, str):
            issues.append(f"{row.origin}: category {cat!r} dropped: {parsed}")
            continue
        target, label = parsed
        labels = given.setdefault(who, {})
        if target not in labels:
            labels[target] = label
        elif labels[target] is None:
            issues.append(f"{row.origin}: {who} gave target {target!r} another label ({label}); dropped too")
        elif labels[target] != label:
            issues.append(
                f"{row.origin}: {who} gave target {target!r} two labels ({labels[target]}, {label}); both dropped"
            )
            labels[target] = None
    votes.stances = {who: {t: lab for t, lab in labels.items() if lab is not None} for who, labels in given.items()}
    return RowVotes(votes, issues)
