"""`geostance predict`: parse options, read inputs, run the pipeline, write JSONL; summary on stderr."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from geostance import paths

app = typer.Typer(help="Batch prediction (entities + stance) over text, JSONL or corpus files → JSONL.",
                  invoke_without_command=True,
                  # a command group stops reading options at the first file name unless told otherwise
                  context_settings={"allow_interspersed_args": True})


@app.callback()
def predict_cmd(
    inputs: list[Path] = typer.Argument(..., help=".txt (one text per line), .jsonl (field 'text'), corpus .md "
                                        "articles, or folders of them"),
    out: Path = typer.Option(Path("-"), "--out", "-o", help="Output JSONL file ('-' = stdout)"),
    model: str = typer.Option(None, "--model", help="spaCy pipeline name or folder, e.g. en_geostance "
                              "[default: models/ner + models/stance]"),
    ner_model: Path = typer.Option(None, "--ner-model", help="NER folder when --model is not given"),
    stance_model: Path = typer.Option(None, "--stance-model", help="Stance folder when --model is not given"),
    batch_size: int = typer.Option(64, "--batch-size", help="Texts per nlp.pipe batch"),
    n_process: int = typer.Option(1, "--n-process", help="Worker processes for nlp.pipe"),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Skip bad input lines (counted and listed) instead of "
                                  "stopping at the first"),
) -> None:
    """Each output line: id, source (file:line), text, entities [{start, end, label, text}], stance {target: label},
    stance_scores {"target:LABEL": score}."""
    from tqdm import tqdm

    from geostance.fileio import atomic_write_jsonl
    from geostance.predict import load_pipeline, predict_records, read_inputs

    read = read_inputs(inputs, skip_bad=skip_bad)
    nlp = load_pipeline(model, ner_model or paths.models_dir() / "ner", stance_model or paths.models_dir() / "stance")
    bar = lambda docs, total: tqdm(docs, total=total, desc="predict", unit="text", file=sys.stderr)  # noqa: E731
    records = predict_records(nlp, read.items, batch_size=batch_size, n_process=n_process, progress=bar)
    if str(out) == "-":
        import json

        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        atomic_write_jsonl(out, list(records))
    typer.echo(f"{len(read.items)} text(s) predicted" + (f" → {out}" if str(out) != "-" else ""), err=True)
    if read.skipped:
        typer.echo(f"skipped {len(read.skipped)} bad line(s):", err=True)
        for error in read.skipped:
            typer.echo(f"  {error}", err=True)
