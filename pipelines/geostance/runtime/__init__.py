"""The model runtime: the spaCy components a trained or packaged model runs (stance, entity consistency, the NER
ensemble vote) and the assembly of a pipeline from trained parts.

A leaf: it imports nothing else from geostance except `errors`, so train, evaluate, predict and package can all
import it without pulling each other in, and `spacy package --code` can ship these files alone.
"""
