"""The steps as plain typed functions taking connection settings: what the CLI calls, and what scripts call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from geostance.corpus.store import Corpus
from geostance.corpus.units import UnitMode, split_units
from geostance.doccano.annotate import annotate_from_file
from geostance.doccano.client import connect
from geostance.doccano.decisions import read_decisions
from geostance.doccano.preannotate import preannotate, predict_with_spacy, project_texts
from geostance.doccano.pull import PullReport, pull_project
from geostance.doccano.push import DEFAULT_BATCH_SIZE, PushReport, push_units
from geostance.doccano.server import local_server_version, server_home_path
from geostance.doccano.settings import DoccanoSettings
from geostance.doccano.setup import Account, SetupReport, read_accounts, setup_project
from geostance.doccano.user_labels import LabelReport
from geostance.errors import InputError
from geostance.paths import corpus_dir, guidelines_path
from geostance.schema import Schema, load_schema


def run_setup(settings: DoccanoSettings, *, schema: Schema | None = None, guidelines: Path | None = None,
              accounts_file: Path | None = None) -> SetupReport:
    schema = schema or load_schema()
    guidelines = guidelines or guidelines_path()
    try:
        guideline = guidelines.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(guidelines, "guidelines file not found") from None
    accounts = read_accounts(accounts_file) if accounts_file else []
    return setup_project(connect(settings), schema, guideline, accounts)


def run_push(settings: DoccanoSettings, *, corpus: Path | None = None, mode: UnitMode = UnitMode.paragraph,
             annotators: Sequence[str] = (), overlap: int = 1, batch_size: int = DEFAULT_BATCH_SIZE,
             on_batch: Callable[[int, int], None] = lambda _d, _t: None, refresh: bool = False,
             cache_dir: Path | None = None) -> PushReport:
    store = Corpus(corpus or corpus_dir())
    units = [u for article in store.articles() for u in split_units(article, mode)]
    return push_units(connect(settings), units, annotators=annotators, overlap=overlap, batch_size=batch_size,
                      on_batch=on_batch, cache_dir=cache_dir or server_home_path() / "push-cache", refresh=refresh)


def run_pull(settings: DoccanoSettings, *, out: Path | None = None, approved_only: bool = False,
             echo: Callable[[str], None] = lambda _m: None) -> PullReport:
    return pull_project(connect(settings), out=out, approved_only=approved_only,
                        server_version=local_server_version(settings.url), echo=echo)


def run_annotate(settings: DoccanoSettings, decisions: Path, *, schema: Schema | None = None, confirm: bool = True,
                 progress: Callable[[int, int], None] = lambda _d, _t: None) -> LabelReport:
    return annotate_from_file(connect(settings), decisions, schema or load_schema(), confirm=confirm,
                              progress=progress)


def run_preannotate(settings: DoccanoSettings, *, model: Path | None = None, predictions: Path | None = None,
                    accounts_file: Path | None = None, schema: Schema | None = None, threshold: float = 0.5,
                    progress: Callable[[str, int, int], None] = lambda _u, _d, _t: None) -> list[LabelReport]:
    schema = schema or load_schema()
    if (model is None) == (predictions is None):
        raise InputError(model or "--model", "give exactly one of --model DIR or --predictions FILE")
    if model is not None:
        decisions = predict_with_spacy(model, project_texts(connect(settings)), schema, threshold)
    elif predictions is not None:
        decisions = read_decisions(predictions, schema)
    accounts: list[Account] = read_accounts(accounts_file) if accounts_file else []
    return preannotate(settings, decisions, accounts, progress=progress)
