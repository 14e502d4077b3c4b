"""The raw-article corpus: article format, normalisation, units, import, validation and stats."""
