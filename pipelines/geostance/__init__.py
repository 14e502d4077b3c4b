"""geostance: an annotated corpus of geopolitical news and the pipeline that trains models on it."""

__version__ = "0.1.0"
