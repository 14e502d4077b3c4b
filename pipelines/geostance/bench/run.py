"""Run bench parts, merge each into results.json and re-render BENCHMARKS.md after every part.

A part's working files (built datasets, trained models) go under `<out>/work/<part>/`, git-ignored with the rest
of models/, so a finished run can be inspected.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geostance.bench.machine import machine_info, run_record
from geostance.bench.report import load_results, merge_part, pct, write_results
from geostance.errors import GeostanceError
from geostance.paths import configs_dir, dataset_dir, models_dir, shared_data_dir

PARTS = ("realnews", "ner", "stance", "speed", "active_learning")

# The CoNLL budget: three members of 4,000 steps each (the learning rate decays to 0 at the last step), sized to
# finish within the 60 minutes on 2 CPU cores (see BENCHMARKS.md, ablations). The config's own limits stay
# sized for the small shipped corpus.
NER_MAX_STEPS = 4000
NER_PATIENCE = 4000
NER_EVAL_FREQUENCY = 1000
NER_MEMBERS = 3


@dataclass
class NerBudget:
    max_steps: int = NER_MAX_STEPS
    patience: int = NER_PATIENCE
    eval_frequency: int = NER_EVAL_FREQUENCY
    members: int = NER_MEMBERS

    @classmethod
    def make(
        cls, max_steps: int | None, patience: int | None, eval_frequency: int | None, members: int | None = None
    ) -> NerBudget:
        budget = cls(
            NER_MAX_STEPS if max_steps is None else max_steps,
            NER_PATIENCE if patience is None else patience,
            NER_EVAL_FREQUENCY if eval_frequency is None else eval_frequency,
            NER_MEMBERS if members is None else members,
        )
        if min(budget.max_steps, budget.patience, budget.eval_frequency, budget.members) <= 0:
            raise GeostanceError("--max-steps, --patience, --eval-frequency and --members must be positive")
        return budget

    def overrides(self) -> dict[str, Any]:
        return {
            "training.max_steps": self.max_steps,
            "training.patience": self.patience,
            "training.eval_frequency": self.eval_frequency,
        }


@dataclass
class BenchOptions:
    data_dir: Path
    out_dir: Path
    ner_config: Path
    ner_budget: NerBudget = field(default_factory=NerBudget)
    document_context: bool = False
    build_sizes: tuple[int, ...] = (1000, 100000)
    push_units: int = 2000
    doccano: bool = True
    ner_model: Path | None = None
    stance_model: Path | None = None
    progress: bool = True
    base_model: str | None = None
    scratch_model: Path | None = None
    predict_units: int = 100000  # the Dask-vs-local predict comparison (0: leave it out)
    ner_base_row: bool = True  # the CoNLL part also fine-tunes one model from the base pipeline
    predict_rounds: int = 2

    @classmethod
    def make(
        cls,
        data_dir: Path | None,
        out_dir: Path | None,
        *,
        ner_config: Path | None = None,
        document_context: bool = False,
        ner_budget: NerBudget | None = None,
        build_sizes: str = "1000,100000",
        push_units: int = 2000,
        doccano: bool = True,
        ner_model: Path | None = None,
        stance_model: Path | None = None,
        progress: bool = True,
        base_model: str | None = None,
        scratch_model: Path | None = None,
        predict_units: int = 100000,
        ner_base_row: bool = True,
        predict_rounds: int = 2,
    ) -> BenchOptions:
        try:
            sizes = tuple(int(s) for s in build_sizes.split(",") if s.strip())
        except ValueError:
            raise GeostanceError(f"--sizes {build_sizes!r}: expected whole numbers like 1000,100000") from None
        if not sizes or min(sizes) <= 0 or push_units <= 0:
            raise GeostanceError("--sizes and --push-units must be positive")
        data = Path(data_dir) if data_dir else shared_data_dir()
        if not data.is_dir():
            raise GeostanceError(f"{data}: data folder not found (pass --data-dir)")
        return cls(
            data_dir=data,
            out_dir=Path(out_dir) if out_dir else models_dir() / "bench",
            ner_config=Path(ner_config) if ner_config else configs_dir() / "ner.cfg",
            ner_budget=ner_budget or NerBudget(),
            document_context=document_context,
            build_sizes=sizes,
            push_units=push_units,
            doccano=doccano,
            ner_model=ner_model,
            stance_model=stance_model,
            progress=progress,
            base_model=base_model,
            scratch_model=scratch_model,
            predict_units=max(0, predict_units),
            ner_base_row=ner_base_row,
            predict_rounds=max(1, predict_rounds),
        )


PartResult = tuple[dict[str, Any], list[str]]


def _realnews_part(options: BenchOptions, work: Path, say: Callable[[str], None]) -> PartResult:
    from geostance.bench.realnews import DEFAULT_BASE, RealnewsSettings, run_realnews_bench

    realnews = RealnewsSettings(
        shipped=options.ner_model or models_dir() / "ner",
        dataset=dataset_dir(),
        base=options.base_model or DEFAULT_BASE,
        scratch=options.scratch_model,
        progress=options.progress,
    )
    value = run_realnews_bench(options.data_dir, work, realnews, say=say)
    return value, [
        f"real news eng.testb F1 {name}: {pct(row['realnews']['f1'])} (corpus test {pct(row['corpus_test']['f1'])})"
        for name, row in value["rows"].items()
    ]


def _ner_part(options: BenchOptions, work: Path, say: Callable[[str], None]) -> PartResult:
    from geostance.bench.ner import NerBenchSettings, run_ner_bench
    from geostance.bench.realnews import DEFAULT_BASE

    settings = NerBenchSettings(
        config=options.ner_config,
        overrides=options.ner_budget.overrides(),
        members=options.ner_budget.members,
        document_context=options.document_context,
        progress=options.progress,
    )
    value = run_ner_bench(options.data_dir, work, settings, say=say)
    from_base = None
    if options.ner_base_row:
        base = options.base_model or DEFAULT_BASE
        say(f"CoNLL-2003 again, fine-tuned from {base} (one model)")
        from_base_settings = NerBenchSettings(
            config=configs_dir() / "ner-finetune.cfg",
            overrides=options.ner_budget.overrides(),
            members=1,
            progress=options.progress,
            base_model=base,
        )
        from_base = run_ner_bench(options.data_dir, work / "from_base", from_base_settings, say=say)
    return {"conll2003": value, "conll2003_from_base": from_base}, [
        f"NER CoNLL-2003: testb F1 {pct(value['test_f1'])} (testa {pct(value['dev_f1'])}), "
        f"training {value['train_seconds'] / 60:.1f} min"
    ]


def _stance_part(options: BenchOptions, work: Path, say: Callable[[str], None]) -> PartResult:
    from geostance.bench.stance import run_stance_bench

    value = run_stance_bench(options.data_dir, work, progress=options.progress, say=say)
    return {"semeval2016": value}, [
        f"Stance SemEval-2016 A: F_avg {pct(value['f_avg'])} (FAVOR {pct(value['f_favor'])}, "
        f"AGAINST {pct(value['f_against'])}), variant {value['selected_variant']}"
    ]


def _speed_part(options: BenchOptions, work: Path, say: Callable[[str], None]) -> PartResult:
    from geostance.bench.speed import SpeedSettings, run_speed_bench

    settings = SpeedSettings(
        work_dir=work,
        build_sizes=options.build_sizes,
        push_units=options.push_units,
        doccano=options.doccano,
        ner_dir=options.ner_model,
        stance_dir=options.stance_model,
        predict_units=options.predict_units,
        predict_rounds=options.predict_rounds,
    )
    value = run_speed_bench(settings, say=say)
    return value, [f"{row['name']}: {row['ratio']:.2f}x" for row in value["rows"]]


def _active_part(options: BenchOptions, work: Path, say: Callable[[str], None]) -> PartResult:
    from geostance.bench.active import run_active_bench

    return run_active_bench(options.data_dir, dataset_dir(), options.out_dir, say, options.progress)


_PART_RUNNERS: dict[str, Callable[[BenchOptions, Path, Callable[[str], None]], PartResult]] = {
    "realnews": _realnews_part,
    "ner": _ner_part,
    "stance": _stance_part,
    "speed": _speed_part,
    "active_learning": _active_part,
}


def _run_part(part: str, options: BenchOptions, say: Callable[[str], None]) -> PartResult:
    if part not in _PART_RUNNERS:
        raise GeostanceError(f"unknown bench part {part!r}; choose from {list(PARTS)}")
    return _PART_RUNNERS[part](options, options.out_dir / "work" / part, say)


def run_parts(
    parts: Iterable[str], options: BenchOptions, say: Callable[[str], None] = lambda m: None
) -> tuple[tuple[Path, Path], list[str]]:
    """Run each part in turn; after each, merge it into results.json and rewrite BENCHMARKS.md."""
    lines: list[str] = []
    paths: tuple[Path, Path] | None = None
    for part in parts:
        started = datetime.now(UTC)
        machine = machine_info()
        t0 = time.monotonic()
        value, part_lines = _run_part(part, options, say)
        results = merge_part(
            load_results(options.out_dir), part, value, run_record(started, time.monotonic() - t0, machine)
        )
        paths = write_results(options.out_dir, results)
        lines += part_lines
    if paths is None:
        raise GeostanceError("no bench part to run")
    return paths, lines
