"""Packaging: one pip-installable spaCy pipeline (NER + stance) with a generated model card."""
