"""Readers for every annotation shape people bring: Doccano (every export era), CoNLL token files, tables."""
