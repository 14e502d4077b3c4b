"""Create or update the Doccano project from `annotations/schema.yaml`, without duplicates.

Project type IntentDetectionAndSlotFilling: entity labels are span types, stances are category types named
`<target>:<label>`; colours and shortcut keys come from the schema; the guideline is `annotations/GUIDELINES.md`.
Annotator accounts (optional) are created and added as members with the `annotator` role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geostance.doccano.client import DoccanoError, DoccanoSession
from geostance.errors import InputError
from geostance.schema import Schema, category_name

PROJECT_TYPE = "IntentDetectionAndSlotFilling"
ANNOTATOR_ROLE = "annotator"


@dataclass(frozen=True)
class Account:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class LabelSpec:
    kind: str  # "span" or "category"
    text: str
    color: str
    suffix_key: str | None


@dataclass
class SetupReport:
    project_id: int
    project_created: bool = False
    project_updated: list[str] = field(default_factory=list)
    labels_created: list[str] = field(default_factory=list)
    labels_updated: list[str] = field(default_factory=list)
    labels_unchanged: int = 0
    labels_not_in_schema: list[str] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    members_added: list[str] = field(default_factory=list)


def read_accounts(path: Path) -> list[Account]:
    """`username:password` per line; blank lines and `#` comments are skipped. Keep this file out of git."""
    accounts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        username, sep, password = line.partition(":")
        if not sep or not username.strip() or not password:
            raise InputError(path, "expected 'username:password'", number)  # never echo the line: it holds a secret
        accounts.append(Account(username.strip(), password))
    names = [a.username for a in accounts]
    if len(set(names)) != len(names):
        raise InputError(path, "a username appears twice")
    return accounts


def label_specs(schema: Schema) -> list[LabelSpec]:
    specs = [LabelSpec("span", e.name, e.color, e.key) for e in schema.entities]
    for target in schema.targets:
        for label in schema.stance_labels:
            specs.append(LabelSpec("category", category_name(target.id, label), target.color, target.keys.get(label)))
    return specs


def _desired_project(schema: Schema, guideline: str) -> dict:
    propositions = "; ".join(f"{t.id}: {t.proposition}" for t in schema.targets)
    return {
        "description": f"geostance: entities {', '.join(schema.entity_names)}; stance targets: {propositions}",
        # Doccano trims the guideline it stores (a file's final newline goes): compare and send it trimmed, or
        # every setup would find it changed and send it again.
        "guideline": guideline.strip(),
        "collaborative_annotation": schema.collaborative_annotation,
        "random_order": False,
    }


def setup_project(
    session: DoccanoSession, schema: Schema, guideline: str, accounts: Sequence[Account] = (), name: str | None = None
) -> SetupReport:
    name = name or session.settings.project
    desired = _desired_project(schema, guideline)
    project = session.find_project(name)
    if project is None:
        created = session.call_once(
            f"creating project {name!r}", session.api.create_project, name=name, project_type=PROJECT_TYPE, **desired
        )
        report = SetupReport(project_id=created.id, project_created=True)
    else:
        if project["project_type"] != PROJECT_TYPE:
            raise DoccanoError(
                f"project {name!r} on {session.settings.url} has type {project['project_type']}, "
                f"expected {PROJECT_TYPE}; use another DOCCANO_PROJECT"
            )
        report = SetupReport(project_id=project["id"])
        changed = {k: v for k, v in desired.items() if k in project and project[k] != v}
        if changed:
            session.call(f"updating project {name!r}", session.api.update_project, project["id"], **changed)
            report.project_updated = sorted(changed)
    _sync_labels(session, report, label_specs(schema))
    for account in accounts:
        _ensure_annotator(session, report, account)
    return report


def _sync_labels(session: DoccanoSession, report: SetupReport, specs: list[LabelSpec]) -> None:
    pid = report.project_id
    for kind in ("span", "category"):
        existing = {t.text: t for t in session.call(f"listing {kind} labels", session.api.list_label_types, pid, kind)}
        wanted = [s for s in specs if s.kind == kind]
        for spec in wanted:
            current = existing.get(spec.text)
            if current is None:
                session.call_once(
                    f"creating {kind} label {spec.text!r}",
                    session.api.create_label_type,
                    pid,
                    kind,
                    spec.text,
                    prefix_key=None,
                    suffix_key=spec.suffix_key,
                    color=spec.color,
                )
                report.labels_created.append(spec.text)
            elif (current.background_color, current.suffix_key) != (spec.color, spec.suffix_key):
                session.call(
                    f"updating {kind} label {spec.text!r}",
                    session.api.update_label_type,
                    pid,
                    current.id,
                    kind,
                    prefix_key=None,
                    suffix_key=spec.suffix_key,
                    color=spec.color,
                )
                report.labels_updated.append(spec.text)
            else:
                report.labels_unchanged += 1
        report.labels_not_in_schema += sorted(set(existing) - {s.text for s in wanted})


def _ensure_annotator(session: DoccanoSession, report: SetupReport, account: Account) -> None:
    api = session.api
    users = session.call("listing users", api.search_users, account.username)
    if account.username not in {u.username for u in users}:
        session.call_once(f"creating user {account.username!r}", api.create_user, account.username, account.password)
        report.users_created.append(account.username)
    members = session.call("listing members", api.list_members, report.project_id)
    if account.username not in {m.username for m in members}:
        session.call_once(
            f"adding {account.username!r} as annotator",
            api.add_member,
            report.project_id,
            account.username,
            ANNOTATOR_ROLE,
        )
        report.members_added.append(account.username)
