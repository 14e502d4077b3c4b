"""The steps as plain typed functions taking connection settings: what the CLI calls, and what scripts call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from geostance.corpus.model import Unit
from geostance.corpus.store import Corpus
from geostance.corpus.units import UnitMode, split_units
from geostance.doccano.annotate import annotate_from_file
from geostance.doccano.annotation_queue import QueueOptions, QueueReport, make_queue
from geostance.doccano.client import DoccanoSession, connect
from geostance.doccano.decisions import read_decisions
from geostance.doccano.preannotate import preannotate, predict_with_spacy, project_texts
from geostance.doccano.pull import PullReport, pull_project
from geostance.doccano.push import DEFAULT_BATCH_SIZE, PushReport, push_units
from geostance.doccano.server import local_server_version, server_home_path
from geostance.doccano.settings import DoccanoSettings
from geostance.doccano.setup import Account, SetupReport, read_accounts, setup_project
from geostance.doccano.user_labels import LabelReport
from geostance.errors import InputError
from geostance.paths import annotations_dir, corpus_dir, doccano_snapshots_dir, guidelines_path
from geostance.schema import Schema, load_schema


def run_setup(
    settings: DoccanoSettings,
    *,
    schema: Schema | None = None,
    guidelines: Path | None = None,
    accounts_file: Path | None = None,
) -> SetupReport:
    accounts = read_accounts(accounts_file) if accounts_file else []
    return setup_project(connect(settings), schema or load_schema(), read_guideline(guidelines), accounts)


def read_guideline(guidelines: Path | None = None) -> str:
    guidelines = guidelines or guidelines_path()
    try:
        return guidelines.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(guidelines, "guidelines file not found") from None


def ensure_project(
    session: DoccanoSession, schema: Schema | None = None, guidelines: Path | None = None
) -> SetupReport | None:
    """Set the project up from the schema and the guidelines when the server has none of that name (as `setup`
    does); None when it exists, which is left as it is (`geostance doccano setup` updates it)."""
    if session.find_project(session.settings.project) is not None:
        return None
    return setup_project(session, schema or load_schema(), read_guideline(guidelines))


def run_push(
    settings: DoccanoSettings,
    *,
    corpus: Path | None = None,
    mode: UnitMode = UnitMode.paragraph,
    annotators: Sequence[str] = (),
    overlap: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int, int], None] = lambda _d, _t: None,
    refresh: bool = False,
    cache_dir: Path | None = None,
    setup: bool = True,
) -> PushReport:
    """Upload the corpus units not in the project yet; with `setup`, create the project first when it is missing."""
    session = connect(settings)
    created = ensure_project(session) if setup else None
    report = push_units(
        session,
        corpus_units(corpus, mode),
        annotators=annotators,
        overlap=overlap,
        batch_size=batch_size,
        on_batch=on_batch,
        cache_dir=cache_dir or server_home_path() / "push-cache",
        refresh=refresh,
    )
    report.project_created = created is not None
    return report


def corpus_units(corpus: Path | None = None, mode: UnitMode = UnitMode.paragraph) -> list[Unit]:
    store = Corpus(corpus or corpus_dir())
    return [u for article in store.articles() for u in split_units(article, mode)]


def run_pull(
    settings: DoccanoSettings,
    *,
    out: Path | None = None,
    approved_only: bool = False,
    echo: Callable[[str], None] = lambda _m: None,
) -> PullReport:
    return pull_project(
        connect(settings),
        out=out,
        approved_only=approved_only,
        server_version=local_server_version(settings.url),
        echo=echo,
    )


def run_annotate(
    settings: DoccanoSettings,
    decisions: Path,
    *,
    schema: Schema | None = None,
    confirm: bool = True,
    progress: Callable[[int, int], None] = lambda _d, _t: None,
) -> LabelReport:
    return annotate_from_file(connect(settings), decisions, schema or load_schema(), confirm=confirm, progress=progress)


def run_preannotate(
    settings: DoccanoSettings,
    *,
    model: Path | None = None,
    predictions: Path | None = None,
    accounts_file: Path | None = None,
    schema: Schema | None = None,
    threshold: float = 0.5,
    progress: Callable[[str, int, int], None] = lambda _u, _d, _t: None,
) -> list[LabelReport]:
    schema = schema or load_schema()
    if (model is None) == (predictions is None):
        raise InputError(model or "--model", "give exactly one of --model DIR or --predictions FILE")
    if model is not None:
        decisions = predict_with_spacy(model, project_texts(connect(settings)), schema, threshold)
    elif predictions is not None:
        decisions = read_decisions(predictions, schema)
    accounts: list[Account] = read_accounts(accounts_file) if accounts_file else []
    return preannotate(settings, decisions, accounts, progress=progress)


def queues_dir() -> Path:
    return annotations_dir() / "queues"


def run_queue(
    settings: DoccanoSettings,
    options: QueueOptions,
    *,
    accounts_file: Path | None = None,
    corpus: Path | None = None,
    mode: UnitMode = UnitMode.paragraph,
    schema: Schema | None = None,
    snapshots: Path | None = None,
    out: Path | None = None,
    echo: Callable[[str], None] = lambda _m: None,
) -> QueueReport:
    accounts: list[Account] = read_accounts(accounts_file) if accounts_file else []
    return make_queue(
        connect(settings),
        settings,
        corpus_units(corpus, mode),
        accounts,
        options,
        schema or load_schema(),
        snapshots_dir=snapshots or doccano_snapshots_dir(),
        queues_dir=out or queues_dir(),
        echo=echo,
    )
