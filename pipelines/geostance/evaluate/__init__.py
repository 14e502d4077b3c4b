"""Evaluation: metrics with bootstrap CIs against baselines, plots, metrics.json and report.md."""
