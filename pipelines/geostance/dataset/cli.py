"""`geostance dataset ...`: build, validate, agreement. Options are parsed here; the work is in plain functions."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer
from rich.console import Console

from geostance.dataset.align import AlignPolicy
from geostance.dataset.readers.conll import TagScheme
from geostance.dataset.splits import DEFAULT_SPLIT_RATIOS

app = typer.Typer(help="Annotations → Hugging Face DatasetDict: build, validate, agreement.", no_args_is_help=True)
console = Console(stderr=True)


class InputKind(str, Enum):
    doccano = "doccano"
    conll = "conll"
    table = "table"


class LabelSource(str, Enum):
    schema = "schema"
    data = "data"


@app.command("build")
def build_cmd(
    paths: list[Path] = typer.Argument(None, help="Input files (with --from); split by article hash"),
    from_: InputKind = typer.Option(None, "--from", help="Input kind; without it: the latest snapshot + corpus"),
    out: Path = typer.Option(None, "--out", help="Output directory [default: models/dataset/]"),
    train: list[Path] = typer.Option(None, "--train", help="File(s) that are the train split"),
    dev: list[Path] = typer.Option(None, "--dev", help="File(s) that are the dev split"),
    test: list[Path] = typer.Option(None, "--test", help="File(s) that are the test split"),
    split_ratios: str = typer.Option(DEFAULT_SPLIT_RATIOS, "--split-ratios", help="train,dev,test shares"),
    seed: str = typer.Option("geostance", "--seed", help="Seed of the article-id hash that decides splits"),
    policy: AlignPolicy = typer.Option(AlignPolicy.expand, "--policy", help="Spans off token boundaries"),
    strict: bool = typer.Option(False, "--strict", help="Fail on any adjusted or dropped span"),
    force: bool = typer.Option(False, "--force", help="Rebuild even when inputs are unchanged"),
    text_col: str = typer.Option("text", "--text-col", help="Table: text column"),
    label_col: str = typer.Option("label", "--label-col", help="Table: label column"),
    target_col: str = typer.Option(None, "--target-col", help="Table: target column (a free string)"),
    id_col: str = typer.Option(None, "--id-col", help="Table: id column [default: line number]"),
    encoding: str = typer.Option("utf-8", "--encoding", help="Table/CoNLL/Doccano file encoding"),
    delimiter: str = typer.Option(None, "--delimiter", help="Table: field delimiter [default: tab for .tsv "
                                                            "or a header with tabs, else comma]"),
    label_map: str = typer.Option(None, "--label-map", help="NAME=value,... e.g. FAVOR=pos,AGAINST=neg"),
    scheme: TagScheme = typer.Option(TagScheme.auto, "--scheme", help="CoNLL tag scheme"),
    labels: LabelSource = typer.Option(None, "--labels", help="Doccano files: label names from the schema "
                                                              "(default) or from the data"),
    label_config: Path = typer.Option(None, "--label-config", help="Doccano 1.x: label definitions JSON "
                                                                   "(numeric label ids → names)"),
    snapshot: Path = typer.Option(None, "--snapshot", help="Snapshot dir [default: latest under "
                                                           "annotations/doccano/]"),
    corpus: Path = typer.Option(None, "--corpus", help="Corpus folder [default: corpus/]"),
    schema: Path = typer.Option(None, "--schema", help="Schema [default: annotations/schema.yaml]"),
    adjudication: Path = typer.Option(None, "--adjudication", help="Human decisions overriding the majority "
                                                                   "vote [default: annotations/adjudication.jsonl]"),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar"),
) -> None:
    """Build the DatasetDict (ner/ and stance/), Parquet copies, alignment report and dataset card."""
    from geostance.dataset.service import BuildRequest, run_build

    request = BuildRequest(
        kind=from_.value if from_ else None, paths=list(paths or []), out=out, train=list(train or []),
        dev=list(dev or []), test=list(test or []), split_ratios=split_ratios, seed=seed, policy=policy,
        strict=strict, force=force, text_col=text_col, label_col=label_col, target_col=target_col, id_col=id_col,
        encoding=encoding, delimiter=delimiter, label_map=label_map, scheme=scheme,
        labels=labels.value if labels else None, label_config=label_config, snapshot=snapshot, corpus=corpus,
        schema=schema, adjudication=adjudication, progress=not quiet)
    result = run_build(request)
    if result.skipped:
        console.print(f"Dataset at {result.out_dir} is up to date (fingerprint {result.fingerprint[:12]}).")
        return
    for task, per_split in result.counts.items():
        console.print(f"{task}: " + ", ".join(f"{s} {n}" for s, n in per_split.items()))
    al = result.alignment
    if al.get("spans_in"):
        console.print(f"spans: {al['spans_in']} in, {al['spans_exact']} exact, {al['spans_adjusted']} adjusted, "
                      f"{al['spans_dropped']} dropped (see alignment_report.md)")
    console.print(f"Wrote {result.out_dir}")


@app.command("validate")
def validate_cmd(
    snapshot: Path = typer.Option(None, "--snapshot", help="Snapshot dir [default: latest]"),
    corpus: Path = typer.Option(None, "--corpus", help="Corpus folder [default: corpus/]"),
    schema: Path = typer.Option(None, "--schema", help="Schema [default: annotations/schema.yaml]"),
) -> None:
    """Check a snapshot: spans inside units, no whitespace edges, schema labels, no overlaps, one stance per
    target, units map back onto their articles. Exit 1 on any problem."""
    from geostance.dataset.service import SnapshotRequest, run_validate

    used, problems = run_validate(SnapshotRequest(snapshot, corpus, schema))
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
    from geostance.dataset.service import SnapshotRequest, run_agreement

    res = run_agreement(SnapshotRequest(snapshot, corpus, schema), out)
    for target, e in res.result["stance"].items():
        k = e.get("cohen_kappa", e["fleiss_kappa"])
        console.print(f"{target}: κ {k if k is None else round(k, 3)}, α "
                      f"{e['krippendorff_alpha'] if e['krippendorff_alpha'] is None else round(e['krippendorff_alpha'], 3)}")
    console.print(f"{len(res.result['disagreements'])} disagreement(s). Wrote " + ", ".join(map(str, res.written)))


@app.command("card")
def card_cmd(
    data: Path = typer.Option(None, "--data", help="Built dataset [default: models/dataset/]"),
    out: Path = typer.Option(None, "--out", help="Card to write [default: annotations/README.md]"),
    template: Path = typer.Option(None, "--template", help="[default: annotations/CARD.template.md]"),
) -> None:
    """Write the corpus's dataset card: the template's prose with every count generated from the build."""
    from geostance.dataset.service import CardRequest, run_corpus_card

    console.print(f"Wrote {run_corpus_card(CardRequest(dataset=data, template=template, out=out))}")
