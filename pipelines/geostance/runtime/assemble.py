"""One spaCy pipeline from the trained models: the NER pipeline plus the `geostance_stance` component."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError


def assemble_pipeline(ner_dir: str | Path | None, stance_dir: str | Path | None) -> Any:
    """NER from `ner_dir` (or a blank English pipeline when None) + stance from `stance_dir` (when given)."""
    import spacy

    from geostance.runtime.stance_component import FACTORY_NAME, MODEL_FILE, UntrustedModelError

    if ner_dir is None and stance_dir is None:
        raise GeostanceError("nothing to assemble: give an NER model and/or a stance model")
    if ner_dir is not None:
        ner_dir = Path(ner_dir)
        if not (ner_dir / "meta.json").is_file():
            raise GeostanceError(f"{ner_dir}: not a spaCy pipeline folder (no meta.json; run `geostance train ner`)")
        nlp = spacy.load(ner_dir)
    else:
        nlp = spacy.blank("en")
    if stance_dir is not None:
        stance_dir = Path(stance_dir)
        if not (stance_dir / MODEL_FILE).is_file():
            raise GeostanceError(f"{stance_dir}: no {MODEL_FILE} (run `geostance train stance`)")
        targets = json.loads((stance_dir / "meta.json").read_text(encoding="utf-8"))["targets"]
        component: Any = nlp.add_pipe(FACTORY_NAME, config={"targets": targets})
        try:
            component.load_model_file(stance_dir / MODEL_FILE)
        except UntrustedModelError as exc:
            raise GeostanceError(str(exc)) from None
    return nlp
