"""Benchmarks: CoNLL-2003 NER and SemEval-2016 stance against published results, and speed ratios of our steps
against their obvious alternatives. `geostance bench` writes models/bench/results.json and BENCHMARKS.md."""
