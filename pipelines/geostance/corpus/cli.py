"""`geostance corpus ...`: import, validate and describe the raw-article corpus."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from geostance.corpus.stats import corpus_stats
from geostance.corpus.store import Corpus, import_sources, validate_corpus
from geostance.paths import corpus_dir

app = typer.Typer(help="Import, validate and describe the raw-article corpus.", no_args_is_help=True)
console = Console()


@app.command("import")
def import_cmd(
    paths: list[Path] = typer.Argument(..., help="Raw files: .txt (+ .meta.yaml sidecar), .md, .html, .jsonl"),
    corpus: Path = typer.Option(None, "--corpus", help="Corpus folder [default: corpus/]"),
) -> None:
    """Normalise raw articles and add them to the corpus; a re-run with unchanged input is a no-op."""
    store = Corpus(corpus or corpus_dir())
    report = import_sources(paths, store)
    for article_id in report.added + report.updated:
        for r in report.removals.get(article_id, []):
            console.print(f"[dim]{article_id}: removed {r['kind']}: {r['text'][:90]!r}[/dim]")
    for dup in report.duplicates:
        console.print(
            f"[yellow]duplicate[/yellow] {dup['origin']} ({dup['id']}) has the same text as "
            f"{dup['duplicate_of']}: not imported"
        )
    if not report.changed:
        console.print(f"Nothing to import: {len(report.unchanged)} article(s) already in the corpus, unchanged.")
    else:
        console.print(
            f"Imported: {len(report.added)} added, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.duplicates)} duplicate(s)."
        )


@app.command("import-annotated")
def import_annotated_cmd(
    drafts: list[Path] = typer.Argument(..., help="Markdown drafts with [[surface|LABEL]] and {{target=LABEL}} markup"),
    decisions: Path = typer.Option(..., "--decisions", help="Where to write the per-unit decision records (JSONL)"),
    corpus: Path = typer.Option(None, "--corpus", help="Corpus folder [default: corpus/]"),
    schema: Path = typer.Option(None, "--schema", help="Label schema [default: annotations/schema.yaml]"),
) -> None:
    """Import pre-annotated drafts: clean text into the corpus, annotations into a decisions file for Doccano."""
    from geostance.corpus.annotated_import import import_annotated
    from geostance.fileio import atomic_write_jsonl
    from geostance.schema import load_schema

    result = import_annotated(drafts, Corpus(corpus or corpus_dir()), load_schema(schema))
    atomic_write_jsonl(decisions, result.decisions)
    r = result.report
    console.print(
        f"Imported: {len(r.added)} added, {len(r.updated)} updated, {len(r.unchanged)} unchanged, "
        f"{len(r.duplicates)} duplicate(s). {len(result.decisions)} unit decisions → {decisions}"
    )


@app.command("validate")
def validate_cmd(corpus: Path = typer.Option(None, "--corpus", help="Corpus folder [default: corpus/]")) -> None:
    """Check hashes, normalisation, unit offsets and the manifest; exit 1 on any problem."""
    problems = validate_corpus(Corpus(corpus or corpus_dir()))
    for p in problems:
        console.print(f"[red]error[/red] {p}")
    if problems:
        raise typer.Exit(1)
    console.print("Corpus is valid.")


@app.command("stats")
def stats_cmd(
    corpus: Path = typer.Option(None, "--corpus", help="Corpus folder [default: corpus/]"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables"),
) -> None:
    """Articles, words, units and genres. Label counts of the annotations: `geostance dataset stats`."""
    stats = corpus_stats(Corpus(corpus or corpus_dir()).articles()).as_dict()
    if as_json:
        typer.echo(json.dumps(stats, indent=2))
        return
    table = Table(title="Corpus")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in ("articles", "synthetic", "words", "units"):
        table.add_row(key, str(stats[key]))
    for genre, n in stats["genres"].items():
        table.add_row(f"genre: {genre}", str(n))
    console.print(table)
    # The snapshot belongs to a later stage than the corpus: its counts are that stage's command.
    console.print("Entity and stance counts of the annotations: `geostance dataset stats`.")
