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
    testa: float  # entity micro-F1, percent
    testb: float
    minutes: float  # training wall time on the shared cores


NER_ABLATIONS: tuple[NerAblation, ...] = (
    NerAblation("a0", "spaCy stock `efficiency` NER config, one Doc per sentence", 1500, 83.03, 77.04, 2.1),
    NerAblation("a1", "a0 + document context (one Doc per `-DOCSTART-` article)", 1500, 81.99, 75.82, 4.1),
    NerAblation("a2", "a1 + parameter averaging (`use_averages = true`)", 1500, 83.01, 76.57, 3.5),
    NerAblation("s1", "a0 + parameter averaging (at 1,500 steps: testa 86.08)", 2000, 86.48, 79.82, 5.8),
    NerAblation("s2", "s1 + dropout 0.2 (from 0.1)", 2000, 85.55, 79.93, 3.7),
    NerAblation("s3", "s1 + tok2vec width 128 (from 96)", 2000, 85.35, 79.60, 6.5),
    NerAblation("s5", "s1 + tok2vec depth 6 (from 4)", 2000, 86.45, 79.61, 4.8),
    NerAblation(
        "s6",
        "s1 + `CharacterEmbed.v2` (NORM + first/last 4 characters) instead of MultiHashEmbed",
        2000,
        86.49,
        80.02,
        2.6,
    ),
    NerAblation(
        "s7", "s1 + warm-up then linear decay of the learning rate to 0 at the last step", 2000, 84.49, 78.70, 2.7
    ),
    NerAblation(
        "F",
        "s1 = committed `ner.cfg`, through `geostance bench ner` (project reader + trainer, spaCy tokens), 8,000 steps",
        8000,
        89.12,
        80.91,
        17.6,
    ),
    NerAblation(
        "C1",
        "F + `CharacterEmbed.v2` + dropout 0.2, same bench command with `--config` (not adopted: lower on testa)",
        8000,
        88.33,
        81.17,
        20.2,
    ),
    # Second round: `spacy train` on DocBins of the project's own build (spaCy tokens), two runs at a time.
    NerAblation("t0", "F's config (s1) at 2,000 steps on the project's build", 2000, 87.29, 80.90, 2.0),
    NerAblation(
        "t1",
        "t0 + NORM dropout 0.1 (word dropout: NORM hidden behind one unknown value; augmenter)",
        2000,
        87.00,
        80.95,
        2.0,
    ),
    NerAblation("t2", "t0 + NORM dropout 0.3", 2000, 86.56, 80.58, 2.0),
    NerAblation("t3", "t0 + entity swap in 20% of examples (mention replacement; augmenter)", 2000, 86.84, 80.14, 2.0),
    NerAblation("t4", "t0 + NORM dropout 0.2 + entity swap 30%", 2000, 86.08, 79.14, 2.0),
    NerAblation(
        "t5",
        "t0 + hash rows NORM/PREFIX/SUFFIX/SHAPE 20000/2000/5000/1000 (from 5000/1000/2500/2500)",
        2000,
        88.02,
        82.42,
        2.0,
    ),
    NerAblation("t6", "t0 + rows 50000/5000/10000/2000", 2000, 88.04, 82.72, 2.0),
    NerAblation("t7", "t5 + NORM dropout 0.1", 2000, 87.73, 81.42, 2.0),
    NerAblation("t8", "t0 + NER hidden width 128 (from 64)", 2000, 87.32, 80.90, 2.0),
    NerAblation("t9", "t0 + learning rate 0.002 (from 0.001)", 2000, 87.40, 80.84, 2.0),
    NerAblation("t10", "t0 + encoder window 2 (from 1)", 2000, 87.79, 81.46, 2.0),
    NerAblation("t11", "t0 + `beam_ner` (beam width 8)", 2000, 87.64, 81.28, 2.0),
    NerAblation("t12", "t5 + cased ORTH attribute (20000 rows)", 2000, 88.72, 82.31, 2.0),
    NerAblation("t13", "t6 + window 2", 2000, 89.16, 82.48, 3.0),
    NerAblation("t14", "t6 + `beam_ner` (beam width 8)", 2000, 89.27, 81.52, 3.0),
    NerAblation("t15", "t6 + ORTH (50000 rows)", 2000, 89.06, 82.46, 3.0),
    NerAblation("t16", "t13 + `beam_ner` (not adopted: +0.15 testa for a slower parser)", 2000, 89.31, 82.50, 3.0),
    NerAblation("t17", "t13 + dropout 0.2", 2000, 88.58, 82.31, 3.0),
    NerAblation("t18", "t6 + ORTH + window 2 = committed `ner.cfg`", 2000, 89.63, 82.46, 4.0),
    NerAblation(
        "t19",
        "t18 + dropout 0.2, longer run (testa at 1k/2k/3k/4k steps: 83.76/88.24/89.65/89.50, "
        "stopped there; the bench run of t18 peaked at 89.85 at 3k)",
        4000,
        89.65,
        82.80,
        14.0,
    ),
    # Third round: learning-rate decay, article-level consistency, a 3-model vote (the shipped ner.cfg defaults).
    NerAblation(
        "t20",
        "t18 + `CharacterEmbed.v2` (NORM + first/last 4 characters) instead of the hash tables",
        2000,
        89.19,
        81.65,
        3.0,
    ),
    NerAblation(
        "t21",
        "t18 + warm-up to 0.002 over 200 steps, then linear decay to 0 at the last step (adopted)",
        2000,
        89.73,
        83.25,
        4.0,
    ),
    NerAblation("t22", "t21 with a peak rate of 0.003", 2000, 89.35, 82.86, 4.0),
    NerAblation("t23", "t21 with seed 1 (the seed-to-seed spread)", 2000, 89.43, 83.05, 4.0),
    NerAblation(
        "t24",
        "t21 + character embeddings (8 bytes × 16) beside the hash tables (custom layer)",
        2000,
        89.42,
        83.46,
        4.0,
    ),
    NerAblation("t25", "t21 decaying over 5,000 steps (best testa at 3,000)", 5000, 89.84, 83.77, 16.0),
    NerAblation("t26", "t25 + dropout 0.2", 5000, 89.74, 83.20, 17.0),
    NerAblation(
        "t27",
        "t21 with a BiLSTM encoder (PyTorch, depth 2, width 96, dropout 0.2) instead of the CNN",
        2000,
        84.02,
        77.83,
        2.0,
    ),
    NerAblation(
        "t28",
        "t27 decaying over 8,000 steps (best testa at 3,500; not adopted, and it would add PyTorch)",
        8000,
        89.20,
        81.80,
        16.0,
    ),
    NerAblation(
        "c1",
        "the bench model of t18 (12k budget) + entity consistency over each article (adopted: "
        "majority label, tagged repeats, surnames); without it 89.85 / 82.86",
        7000,
        90.13,
        83.36,
        23.3,
    ),
    NerAblation("c2", "c1 matching repeats case-insensitively (JAPAN = Japan; not adopted)", 7000, 90.10, 83.57, 23.3),
    NerAblation("c3", "t25 + entity consistency over each article; without it 89.84 / 83.77", 5000, 90.01, 83.64, 16.0),
    NerAblation(
        "v1",
        "majority vote of t25, t26 and t21 (exact spans; adopted as `--members 3`; minutes: the three trainings)",
        5000,
        90.69,
        84.66,
        37.0,
    ),
    NerAblation("v2", "v1 + entity consistency over each article", 5000, 90.98, 84.60, 37.0),
)

# (setting, cross-validated F_avg in percent on SemEval-2016 train + trial; test A not used)
STANCE_ABLATIONS: tuple[tuple[str, str], ...] = (
    (
        "scratch: per-target linear SVM, word 1-3 + char 2-5 binary n-grams, C=0.1, no class weights "
        "(stratified 5-fold)",
        "62.66",
    ),
    ("scratch: same, class_weight=balanced", "67.37"),
    ("scratch: same, TF-IDF (sublinear) instead of binary, C=0.3, balanced", "68.40"),
    ("scratch: same, C=3, balanced", "68.51"),
    ("scratch: per-target logistic regression, C=3, no class weights", "58.82"),
    ("trainer pipeline, global variant (GroupKFold 5): default grid's pick (C=0.3, balanced, char min_df 2)", "68.90"),
    ("trainer pipeline: char min_df 1", "68.93"),
    ("trainer pipeline: word unigrams only (best C=0.1, balanced)", "68.17"),
    ("trainer pipeline: C=1.0, balanced", "68.47"),
    ("trainer pipeline: C=0.5, balanced, char min_df 1", "69.19"),
    (
        "trainer pipeline: C=0.5, balanced, char min_df 2 (the trainer's default features; tried in the default "
        "grid, full bench gave test A 68.87 vs 68.95 with the shipped grid, so reverted)",
        "68.92",
    ),
    (
        "trainer pipeline: C=0.5, weights FAVOR 1.3 / AGAINST 0.7 / NONE 0.6 (not adopted: within noise of "
        "`balanced`, and a fixed label dict does not fit every label set)",
        "69.28",
    ),
    (
        "trainer pipeline: `char` instead of `char_wb` n-grams (all six C × weight settings ranked below all six "
        "`char_wb` ones)",
        "< 68.92",
    ),
    # Second round: out-of-fold decision values (GroupKFold 5) with the default grid's picks.
    ("trainer: `global` variant, out of fold", "68.93"),
    ("trainer: `per_target` variant, out of fold", "68.84"),
    (
        "trainer: `ensemble` variant (mean of global and per-target decision values), out of fold; adopted as a "
        "third variant, selected like the others",
        "69.65",
    ),
    (
        "decision offsets per label tuned on out-of-fold margins, `global` (nested: tuned on 4 folds, scored on the "
        "5th; not adopted: lower F_avg on the shipped corpus's dev split, 66.8 vs 69.0)",
        "69.33",
    ),
    (
        "decision offsets, `ensemble`, nested as above (not adopted, same reason; test A was also looked at once for "
        "this setting, where it was lower as well, so this row is not blind)",
        "70.43",
    ),
)


@dataclass(frozen=True)
class FinetuneAblation:
    name: str
    change: str
    testa: float  # real-news dev: CoNLL-2003 eng.testa, labels mapped (evaluate/realnews.py), percent
    testb: float  # real-news test, reported only
    corpus_dev: float  # the corpus's dev split, schema labels
    corpus_test: float  # reported only
    minutes: float


# Fine-tuning: `geostance train ner` on the shipped dataset, fine-tuned from en_core_web_sm 3.8.0 with
# `ner-finetune.cfg` (2,000 steps, warm-up then linear decay); rows chosen on testa and the corpus dev split.
FINETUNE_ABLATIONS: tuple[FinetuneAblation, ...] = (
    FinetuneAblation("f0", "the base alone, zero-shot (its NER only)", 64.28, 60.30, 73.81, 71.86, 0.0),
    FinetuneAblation("f1", "plain fine-tuning, peak rate 0.002 (ner.cfg's)", 63.87, 58.19, 99.14, 97.69, 1.3),
    FinetuneAblation("f2", "f1 at peak rate 0.001", 66.49, 61.99, 98.70, 97.03, 1.6),
    FinetuneAblation(
        "f3",
        "f1 + pseudo-rehearsal: 1 base-labelled general-news paragraph per gold one",
        64.87,
        60.68,
        97.83,
        96.69,
        1.5,
    ),
    FinetuneAblation("f4", "f2 + that pseudo-rehearsal", 65.49, 61.80, 97.40, 97.35, 3.3),
    FinetuneAblation("f5", "f3 at peak rate 0.0005", 66.00, 62.09, 96.68, 97.35, 2.5),
    FinetuneAblation(
        "f6",
        "f2 + the same general news with annotators' entities instead of the base's (adopted: `make train`)",
        71.03,
        67.92,
        99.14,
        98.68,
        3.2,
    ),
)
