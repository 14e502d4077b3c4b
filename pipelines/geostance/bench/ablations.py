"""Recorded ablation runs that chose the defaults (see BENCHMARKS.md). Measurements, not settings: each row is
one `spacy train` run on CoNLL-2003 (eng.train → model chosen on eng.testa), `blank:en`, no vectors, CPU,
2 shared cores, or one cross-validated stance setting on SemEval-2016 train + trial."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NerAblation:
    name: str
    change: str
    steps: int
    testa: float      # entity micro-F1, percent
    testb: float
    minutes: float    # training wall time on the shared cores


NER_ABLATIONS: tuple[NerAblation, ...] = (
    NerAblation("a0", "spaCy stock `efficiency` NER config, one Doc per sentence", 1500, 83.03, 77.04, 2.1),
    NerAblation("a1", "a0 + document context (one Doc per `-DOCSTART-` article)", 1500, 81.99, 75.82, 4.1),
    NerAblation("a2", "a1 + parameter averaging (`use_averages`)", 1500, 83.01, 76.57, 3.5),
)

# (setting, 5-fold CV F_avg in percent on train + trial)
STANCE_ABLATIONS: tuple[tuple[str, float], ...] = (
    ("per-target linear SVM, word 1-3 + char 2-5 binary, C=0.1, no class weights", 60.26),
)
