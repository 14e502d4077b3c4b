"""Finding a spaCy pipeline's components by the factory that made them: names vary (`ner` or `ner_0`, a renamed
stance component), factories do not."""

from __future__ import annotations

from typing import Any


def pipes_made_by(nlp: Any, factory: str) -> list[tuple[str, Any]]:
    """(name, component) of every component in `nlp`'s pipeline made by `factory`, in pipeline order."""
    return [(name, pipe) for name, pipe in nlp.pipeline if nlp.get_pipe_meta(name).factory == factory]


def stance_pipes(nlp: Any) -> list[str]:
    """Names of the stance components: switched off where only the entities are wanted (NER scoring)."""
    from geostance.runtime.stance_component import FACTORY_NAME

    return [name for name, _ in pipes_made_by(nlp, FACTORY_NAME)]
