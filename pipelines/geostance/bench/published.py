"""Published reference numbers (from ../shared/data/PUBLISHED_RESULTS.md), as fractions like our own metrics.

These are quoted figures, not measurements; the report prints them beside ours with their source status
(V = verified against the primary source or reproduced from the data, S = secondary source).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Published:
    system: str
    score: float  # fraction
    status: str  # V or S
    note: str = ""


CONLL2003_TEST_F1: tuple[Published, ...] = (
    Published("Flair embeddings (Akbik et al. 2018)", 0.9309, "V", "contextual string embeddings"),
    Published("BERT-large (Devlin et al. 2019)", 0.928, "V", "pretrained transformer"),
    Published("spaCy v3 + RoBERTa (Explosion)", 0.916, "V", "pretrained transformer"),
    Published("LSTM-CRF (Lample et al. 2016)", 0.9094, "V", "pretrained word embeddings"),
    Published("Ratinov & Roth (2009)", 0.908, "S", "features + gazetteers"),
    Published("Florian et al. (2003), CoNLL-2003 winner", 0.8876, "S", "hand-made features + gazetteers"),
    Published("Chieu & Ng (MaxEnt)", 0.8831, "S", "features"),
)

# SemEval-2016 Task 6, Task A: F_avg pooled over targets (official eval.pl); also F_FAVOR and F_AGAINST.
SEMEVAL2016_TASK_A: tuple[tuple[Published, float, float], ...] = (
    (Published("Majority class (per target)", 0.6522, "V", "reproduced from the data"), 0.5201, 0.7844),
    (Published("SVM-ngrams (organisers; per-target, word 1-3 + char 2-5)", 0.6898, "S"), 0.6298, 0.7498),
    (Published("MITRE (best of 19 teams; LSTM + distant supervision)", 0.6782, "V"), 0.5932, 0.7633),
    (Published("pkudblab (2nd)", 0.6733, "S"), 0.6198, 0.7267),
    (Published("SVM-ngrams-comb (organisers; one SVM for all targets)", 0.6206, "S"), 0.5411, 0.7001),
)

# Targets the issue sets (fractions).
NER_FLOOR = 0.84
NER_TARGET = 0.86
STANCE_TARGET = 0.70
# The issue's starting point: spaCy's stock efficiency config, 4,000 steps from scratch on 2 cores.
NER_STOCK_START = {"dev_f1": 0.881, "test_f1": 0.806}

# Real news: the shipped NER on CoNLL-2003 eng.testb with labels mapped onto CoNLL's four, and on the
# corpus's own test split; plus the speed ratio of the packaged pipeline.
REALNEWS_TARGET = 0.65
REALNEWS_FLOOR = 0.62
REALNEWS_ISSUE_START = {"shipped": 0.310, "base": 0.598, "plain_finetune": 0.607}
CORPUS_TEST_TARGET = 0.95
