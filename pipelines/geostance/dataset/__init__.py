"""Annotations → Hugging Face datasets: readers for every export shape, audited span alignment, agreement,
adjudication, leakage-safe stable splits and a generated dataset card."""
