"""`geostance dataset ...`: build (the shipped corpus), import (CoNLL, tables, Doccano files), validate, agreement,
stats, card. Options are parsed here; the work is in plain functions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from geostance.dataset.align import AlignPolicy
from geostance.dataset.build import BuildOptions, BuildResult, build_dataset
from geostance.dataset.inputs import DatasetInput, SplitFiles
from geostance.dataset.inputs.doccano_files import LabelSource
from geostance.dataset.readers.conll import TagScheme
from geostance.dataset.splits import DEFAULT_SEED, DEFAULT_SPLIT_RATIOS, parse_ratios

app = typer.Typer(
    help="Annotations → Hugging Face DatasetDict: build, import, validate, agreement, stats, card.",
    no_args_is_help=True,
)
import_app = typer.Typer(
    help="Build a dataset from other inputs: CoNLL files, stance tables, Doccano files.", no_args_is_help=True
)
app.add_typer(import_app, name="import")
console = Console(stderr=True)

# Options every build takes.
SplitRatios = Annotated[str, typer.Option("--split-ratios", help="train,dev,test shares")]
Seed = Annotated[str, typer.Option("--seed", help="Seed of the article-id hash that decides splits")]
Policy = Annotated[
    AlignPolicy,
    typer.Option(
        "--policy",
        help="Spans off token boundaries: grown to whole tokens (expand), shrunk (contract) or dropped (drop)",
    ),
]
Strict = Annotated[
    bool,
    typer.Option(
        "--strict", help="Fail unless every span is taken exactly as given and nothing was repaired on reading"
    ),
]
Force = Annotated[bool, typer.Option("--force", help="Rebuild even when inputs are unchanged")]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress bar")]
# Options of the imports.
Paths = Annotated[list[Path] | None, typer.Argument(help="Input files, split by article hash")]
Out = Annotated[Path, typer.Option("--out", help="Output directory")]
Train = Annotated[list[Path] | None, typer.Option("--train", help="File(s) that are the train split")]
Dev = Annotated[list[Path] | None, typer.Option("--dev", help="File(s) that are the dev split")]
Test = Annotated[list[Path] | None, typer.Option("--test", help="File(s) that are the test split")]
Encoding = Annotated[str, typer.Option("--encoding", help="File encoding")]
LabelMap = Annotated[
    str | None,
    typer.Option(
        "--label-map", help="NAME=value,... e.g. FAVOR=pos,AGAINST=neg: the dataset label NAME for a file's value"
    ),
]


def _options(split_ratios: str, seed: str, policy: AlignPolicy, strict: bool, force: bool, quiet: bool) -> BuildOptions:
    return BuildOptions(
        policy=policy, strict=strict, ratios=parse_ratios(split_ratios), seed=seed, force=force, progress=not quiet
    )


def _files(
    paths: list[Path] | None, train: list[Path] | None, dev: list[Path] | None, test: list[Path] | None
) -> SplitFiles:
    return SplitFiles(unsplit=list(paths or []), train=list(train or []), dev=list(dev or []), test=list(test or []))


def _build_and_say(data: DatasetInput, out: Path | None, options: BuildOptions) -> None:
    from geostance.paths import dataset_dir

    _say(build_dataset(data, out or dataset_dir(), options))


def _say(result: BuildResult) -> None:
    if result.skipped:
        console.print(f"Dataset at {result.out_dir} is up to date (fingerprint {result.fingerprint[:12]}).")
        return
    for task, per_split in result.counts.items():
        console.print(f"{task}: " + ", ".join(f"{s} {n}" for s, n in per_split.items()))
    al = result.alignment
    if al.get("spans_in"):
        console.print(
            f"spans: {al['spans_in']} in, {al['spans_exact']} exact, {al['spans_adjusted']} adjusted, "
            f"{al['spans_dropped']} dropped (see alignment_report.md)"
        )
    console.print(f"Wrote {result.out_dir}")


@app.command("build")
def build_cmd(
    snapshot: Path = typer.Option(None, "--snapshot", help="Snapshot dir [default: latest under annotations/doccano/]"),
    corpus: Path = typer.Option(None, "--corpus", help="Corpus folder [default: corpus/]"),
    schema: Path = typer.Option(None, "--schema", help="Schema [default: annotations/schema.yaml]"),
    adjudication: Path = typer.Option(
        None,
        "--adjudication",
        help="Human decisions overriding the majority vote [default: annotations/adjudication.jsonl]",
    ),
    out: Path = typer.Option(None, "--out", help="Output directory [default: models/dataset/]"),
    split_ratios: SplitRatios = DEFAULT_SPLIT_RATIOS,
    seed: Seed = DEFAULT_SEED,
    policy: Policy = AlignPolicy.expand,
    strict: Strict = False,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """The shipped dataset: the latest snapshot's annotator files, checked against the corpus, adjudicated, aligned
    and split by article, as a DatasetDict per task (ner/, stance/) with Parquet copies, reports and a card."""
    from geostance.dataset.inputs.snapshot import SnapshotInput

    data = SnapshotInput.open(snapshot, corpus, schema, adjudication)
    _build_and_say(data, out, _options(split_ratios, seed, policy, strict, force, quiet))


@import_app.command("conll")
def import_conll_cmd(
    out: Out,
    paths: Paths = None,
    train: Train = None,
    dev: Dev = None,
    test: Test = None,
    scheme: TagScheme = typer.Option(TagScheme.auto, "--scheme", help="Tag scheme"),
    label_map: LabelMap = None,
    encoding: Encoding = "utf-8",
    split_ratios: SplitRatios = DEFAULT_SPLIT_RATIOS,
    seed: Seed = DEFAULT_SEED,
    policy: Policy = AlignPolicy.expand,
    strict: Strict = False,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """CoNLL token files (IOB1 or IOB2; tokens kept as given) → a ner DatasetDict."""
    from geostance.dataset.inputs.conll import ConllInput
    from geostance.dataset.readers.table import parse_label_map

    data = ConllInput(_files(paths, train, dev, test), scheme, parse_label_map(label_map), encoding)
    _build_and_say(data, out, _options(split_ratios, seed, policy, strict, force, quiet))


@import_app.command("table")
def import_table_cmd(
    out: Out,
    paths: Paths = None,
    train: Train = None,
    dev: Dev = None,
    test: Test = None,
    text_col: str = typer.Option("text", "--text-col", help="Text column"),
    label_col: str = typer.Option("label", "--label-col", help="Label column"),
    target_col: str = typer.Option(None, "--target-col", help="Target column (a free string)"),
    id_col: str = typer.Option(None, "--id-col", help="Id column [default: line number]"),
    delimiter: str = typer.Option(
        None, "--delimiter", help="Field delimiter [default: tab for .tsv or a header with tabs, else comma]"
    ),
    label_map: LabelMap = None,
    encoding: Encoding = "utf-8",
    split_ratios: SplitRatios = DEFAULT_SPLIT_RATIOS,
    seed: Seed = DEFAULT_SEED,
    policy: Policy = AlignPolicy.expand,
    strict: Strict = False,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """Stance tables (CSV, TSV or JSONL with text, label and optional target and id columns) → a stance
    DatasetDict."""
    from geostance.dataset.inputs.table import TableInput
    from geostance.dataset.readers.table import TableSpec, parse_label_map

    spec = TableSpec(
        text_col=text_col,
        label_col=label_col,
        target_col=target_col,
        id_col=id_col,
        encoding=encoding,
        delimiter=delimiter,
        label_map=parse_label_map(label_map),
    )
    data = TableInput(_files(paths, train, dev, test), spec)
    _build_and_say(data, out, _options(split_ratios, seed, policy, strict, force, quiet))


@import_app.command("doccano")
def import_doccano_cmd(
    out: Out,
    paths: Paths = None,
    train: Train = None,
    dev: Dev = None,
    test: Test = None,
    labels: LabelSource = typer.Option(
        LabelSource.schema, "--labels", help="Label names from the schema or from the data"
    ),
    schema: Path = typer.Option(None, "--schema", help="Schema [default: annotations/schema.yaml]"),
    label_config: Path = typer.Option(
        None, "--label-config", help="Doccano 1.x: label definitions JSON (numeric label ids → names)"
    ),
    text_col: str = typer.Option("text", "--text-col", help="Text field or column"),
    label_col: str = typer.Option("label", "--label-col", help="Label field or column"),
    adjudication: Path = typer.Option(None, "--adjudication", help="Decisions overriding the majority vote"),
    encoding: Encoding = "utf-8",
    split_ratios: SplitRatios = DEFAULT_SPLIT_RATIOS,
    seed: Seed = DEFAULT_SEED,
    policy: Policy = AlignPolicy.expand,
    strict: Strict = False,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """Doccano export or import files of any shape (JSONL, JSON, CSV, fastText, CoNLL) → ner and/or stance
    DatasetDicts; each row's annotators are merged by majority vote."""
    from geostance.dataset.inputs.doccano_files import DoccanoFilesInput

    data = DoccanoFilesInput(
        _files(paths, train, dev, test), labels, schema, label_config, text_col, label_col, encoding, adjudication
    )
    _build_and_say(data, out, _options(split_ratios, seed, policy, strict, force, quiet))


@app.command("validate")
def validate_cmd(
    snapshot: Path = typer.Option(None, "--snapshot", help="Snapshot dir [default: latest]"),
    corpus: Path = typer.Option(None, "--corpus", help="Corpus folder [default: corpus/]"),
    schema: Path = typer.Option(None, "--schema", help="Schema [default: annotations/schema.yaml]"),
) -> None:
    """Check a snapshot: spans inside units, no whitespace edges, schema labels, no overlaps, one stance per
    target, units map back onto their articles. Exit 1 on any problem."""
    from geostance.dataset.reports import SnapshotChoice, run_validate

    used, problems = run_validate(SnapshotChoice(snapshot, corpus, schema))
    for p in problems:
        typer.echo(f"error: {p}", err=True)
    if problems:
        console.print(f"{len(problems)} problem(s) in {used}")
        raise typer.Exit(1)
    console.print(f"Snapshot {used} is valid.")


@app.command("agreement")
def agreement_cmd(
    snapshot: Path = typer.Option(None, "--snapshot", help="Snapshot dir [default: latest]"),
    corpus: Path = typer.Option(None, "--corpus", help="Corpus folder [default: corpus/]"),
    schema: Path = typer.Option(None, "--schema", help="Schema [default: annotations/schema.yaml]"),
    out: Path = typer.Option(None, "--out", help="Output folder [default: models/agreement/]"),
) -> None:
    """Inter-annotator agreement: Cohen's/Fleiss' κ and Krippendorff's α per stance target, pairwise exact-span
    F1 per entity label, disagreements; Markdown, JSON and a heat-map PNG."""
    from geostance.dataset.reports import SnapshotChoice, run_agreement

    res = run_agreement(SnapshotChoice(snapshot, corpus, schema), out)
    for target, e in res.result["stance"].items():
        k = e.get("cohen_kappa", e["fleiss_kappa"])
        alpha = e["krippendorff_alpha"]
        console.print(f"{target}: κ {k if k is None else round(k, 3)}, α {alpha if alpha is None else round(alpha, 3)}")
    console.print(f"{len(res.result['disagreements'])} disagreement(s). Wrote " + ", ".join(map(str, res.written)))


@app.command("stats")
def stats_cmd(
    snapshot: Path = typer.Option(None, "--snapshot", help="Snapshot dir [default: latest]"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table"),
) -> None:
    """Entity and stance label counts of a snapshot, over every annotator's work (before adjudication)."""
    import json

    from rich.table import Table

    from geostance.dataset.reports import snapshot_counts

    counts = snapshot_counts(snapshot)
    if as_json:
        typer.echo(json.dumps(counts, indent=2))
        return
    if counts is None:
        console.print("No annotation snapshot under annotations/doccano/ yet.")
        return
    table = Table(
        title=f"Annotations ({counts['snapshot']}: {counts['units']} units, annotators "
        f"{', '.join(counts['annotators'])})"
    )
    table.add_column("label")
    table.add_column("count", justify="right")
    for label, n in counts["entities"].items():
        table.add_row(f"entity {label}", str(n))
    for target, per_label in counts["stance"].items():
        for label, n in per_label.items():
            table.add_row(f"stance {target}:{label}", str(n))
    console.print(table)


@app.command("card")
def card_cmd(
    data: Path = typer.Option(None, "--data", help="Built dataset [default: models/dataset/]"),
    out: Path = typer.Option(None, "--out", help="Card to write [default: annotations/README.md]"),
    template: Path = typer.Option(None, "--template", help="[default: annotations/CARD.template.md]"),
) -> None:
    """Write the corpus's dataset card: the template's prose with every count generated from the build."""
    from geostance.dataset.reports import CardRequest, run_corpus_card

    console.print(f"Wrote {run_corpus_card(CardRequest(dataset=data, template=template, out=out))}")
