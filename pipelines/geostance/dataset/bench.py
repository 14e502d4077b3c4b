"""Dataset build speed against raw spaCy tokenisation of the same texts, in one run, with peak memory of both.

`bench_build(n_units)` writes a synthetic Doccano export (IntentDetectionAndSlotFilling rows with schema labels,
emoji and multi-word entities) to a temporary folder, then times (a) `nlp.tokenizer.pipe` over the texts, and
(b) `geostance dataset import doccano` of that file (read, align, split, write Parquet + DatasetDict + card).
Peak memory is the highest resident-set size above the level before each phase, sampled every 5 ms: all of it
(`*_peak_mb`), and its anonymous part (`*_peak_anon_mb`), without the pages of files mapped into memory (the
`datasets` library reads its Arrow files through a memory map, and those pages count as resident while in use,
though the kernel can drop them at any time).
Made outside the timing, as one-off process costs: a 20-unit warm-up build, then a fresh spaCy tokenizer for each
side. Texts are synthetic news-like units (3 entities, emoji, words drawn Zipf-wise from a 20k-word vocabulary).
"""

from __future__ import annotations

import json
import random
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_SUBJECTS = [
    ("Kim Jong Un", "PERSON"),
    ("Vladimir Putin", "PERSON"),
    ("the Kremlin", "ORG"),
    ("NATO", "ORG"),
    ("Pyongyang", "GPE"),
    ("South Korea", "GPE"),
    ("the United Nations", "ORG"),
    ("Japan", "GPE"),
]
_PLACES = [
    ("the Korean Peninsula", "LOC"),
    ("Vostochny Cosmodrome", "FAC"),
    ("Moscow", "GPE"),
    ("the Sea of Japan", "LOC"),
    ("Seoul", "GPE"),
]
_EVENTS = [("Ulchi Freedom Shield", "EVENT"), ("the Korean War", "EVENT")]
_SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "tan",
    "vel",
    "os",
    "dri",
    "pu",
    "le",
    "sha",
    "gor",
    "ni",
    "bel",
    "tra",
    "us",
    "con",
    "fer",
    "ed",
    "ly",
    "ment",
    "ist",
    "al",
    "ve",
    "ba",
    "zo",
    "kre",
    "in",
    "mar",
    "sen",
    "to",
]
_PUNCT = [",", ".", ";", " (", ")", ":", "'s", "-"]


def _vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    """Made-up words, so the tokenizer sees a news-like spread of types instead of one repeated sentence."""
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def _filler(rng: random.Random, vocab: list[str], n_words: int) -> str:
    out = []
    for _ in range(n_words):
        # Zipf (P(rank) ∝ 1/rank): a log-uniform rank; frequent words often, rare ones sometimes, as in news text
        word = vocab[int(len(vocab) ** rng.random()) - 1]
        if rng.random() < 0.08:
            word = word.capitalize()
        out.append(word + (rng.choice(_PUNCT) if rng.random() < 0.1 else ""))
    return " ".join(out)


_CATS = ["alliance:FAVOR", "alliance:AGAINST", "sanctions:NONE", "trilateral:FAVOR", "sanctions:AGAINST"]


_REPEATED = (
    "officials said on Tuesday that the talks, which lasted three hours, covered trade, security and "
    "energy, while analysts in Washington warned that sanctions were being evaded at scale"
)


def synthetic_rows(n_units: int, seed: int = 7, repetitive: bool = False) -> list[dict[str, Any]]:
    """Deterministic unit rows of about 60 tokens with 3 entities each. `repetitive`: the same filler sentence in
    every unit (the tokenizer's cache then makes tokenising unusually cheap: the hardest case for the ratio)."""
    rng = random.Random(seed)
    vocab = _vocabulary(random.Random(0))
    rows = []
    for i in range(n_units):
        parts: list[str] = []
        spans = []
        pos = 0
        for phrase, label in (rng.choice(_SUBJECTS), rng.choice(_PLACES), rng.choice(_EVENTS)):
            lead = "" if not parts else " met near " if label != "EVENT" else " during "
            pos += len(lead)
            spans.append([pos, pos + len(phrase), label])
            parts.append(lead + phrase)
            pos += len(phrase)
        filler = _REPEATED if repetitive else _filler(rng, vocab, 40)
        text = "".join(parts) + f" as unit {i} notes 🙂: " + filler + "."
        article = f"bench-{i // 20:05d}"
        rows.append(
            {
                "id": i,
                "text": text,
                "entities": spans,
                "cats": [rng.choice(_CATS)],
                "article_id": article,
                "unit_id": f"{article}:p{i % 20:03d}",
            }
        )
    return rows


def _resident() -> tuple[int, int]:
    """(resident, anonymous resident) bytes of this process."""
    found = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                found[key] = int(value.split()[0]) * 1024
    return found["VmRSS"], found["RssAnon"]


class _PeakRss:
    """Samples resident memory in a thread; `peak` and `peak_anon` are the highest values above the start levels,
    in bytes."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.base = _resident()
        self.peak = self.peak_anon = 0

    def _sample(self) -> None:
        rss, anon = _resident()
        self.peak = max(self.peak, rss - self.base[0])
        self.peak_anon = max(self.peak_anon, anon - self.base[1])

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(0.005)

    def __enter__(self) -> _PeakRss:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def _measure(fn: Callable[[], Any]) -> tuple[float, _PeakRss]:
    with _PeakRss() as mem:
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
    return elapsed, mem


def _write_export(path: Path, n_units: int, repetitive: bool) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for row in synthetic_rows(n_units, repetitive=repetitive):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def bench_build(n_units: int, repetitive: bool = False) -> dict[str, Any]:
    """Times and peak memory of a dataset build vs tokenisation alone, for `n_units` synthetic units."""
    import gc

    import spacy

    from geostance.dataset.build import BuildOptions, blank_tokenizer, build_dataset
    from geostance.dataset.inputs import SplitFiles
    from geostance.dataset.inputs.doccano_files import DoccanoFilesInput

    def build_export(path: Path, out: Path) -> Any:
        return build_dataset(DoccanoFilesInput(SplitFiles([path])), out, BuildOptions(force=True, progress=False))

    with tempfile.TemporaryDirectory(prefix="geostance-bench-") as tmp:
        export = _write_export(Path(tmp) / "export.jsonl", n_units, repetitive)
        with open(export, encoding="utf-8") as fh:
            texts = [json.loads(line)["text"] for line in fh]
        # One-off process costs (lazy imports inside pyarrow/datasets, the first Parquet writer) are paid by a
        # 20-unit warm-up build outside the timing. Then both sides get a fresh tokenizer, made untimed: no
        # tokenizer cache or vocabulary is warm for either.
        warm = Path(tmp) / "warm.jsonl"
        warm.write_text("".join(json.dumps(r) + "\n" for r in synthetic_rows(20, seed=1)), encoding="utf-8")
        build_export(warm, Path(tmp) / "warm")
        blank_tokenizer.cache_clear()
        blank_tokenizer()
        nlp = spacy.blank("en")
        gc.collect()

        def tokenise() -> None:
            n = 0
            tokenizer: Any = nlp.tokenizer
            for doc in tokenizer.pipe(texts, batch_size=1000):
                n += len(doc)
            tokenise.tokens = n  # type: ignore[attr-defined]

        tok_s, tok_mem = _measure(tokenise)
        texts.clear()  # the build reads its own copy from the file
        gc.collect()
        out = Path(tmp) / "dataset"
        result: dict[str, Any] = {}

        def build() -> None:
            result["build"] = build_export(export, out)

        build_s, build_mem = _measure(build)
    return {
        "n_units": n_units,
        "text": "repetitive" if repetitive else "varied",
        "tokens": tokenise.tokens,  # type: ignore[attr-defined]
        "tokenise_s": round(tok_s, 4),
        "build_s": round(build_s, 4),
        "ratio": round(build_s / tok_s, 3) if tok_s > 0 else None,
        "tokenise_peak_mb": round(tok_mem.peak / 2**20, 1),
        "build_peak_mb": round(build_mem.peak / 2**20, 1),
        "tokenise_peak_anon_mb": round(tok_mem.peak_anon / 2**20, 1),
        "build_peak_anon_mb": round(build_mem.peak_anon / 2**20, 1),
        "rows": result["build"].counts,
    }
