"""How unsure the current models are of each unit: what the annotation queue ranks by.

Stance: the margin uncertainty (`selection.margin_uncertainty`) of the stance model's decision values, for every
target the model knows; a unit counts by its least certain target. Entities: spaCy's NER parsed with a beam
(`beam_parse` + `scored_ents`, what Prodigy's `ner.teach` uses on greedy models) gives each candidate entity the
probability mass of the parses that contain it; a unit counts by its weakest candidate (`entity_uncertainty`).
The two are averaged over the tasks that have a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.selection import entity_uncertainty, margin_uncertainty

BEAM_WIDTH = 16
BEAM_DENSITY = 0.0001
MIN_CANDIDATE_PROB = 0.05  # entities in fewer parses than this are beam noise, not a real alternative


@dataclass(frozen=True)
class UnitUncertainty:
    stance: float | None  # None without a stance model
    ner: float | None  # None without an NER model
    stance_by_target: dict[str, float]

    @property
    def combined(self) -> float:
        parts = [u for u in (self.stance, self.ner) if u is not None]
        return sum(parts) / len(parts) if parts else 0.0


def stance_uncertainty(
    stance_dir: Path, texts: Sequence[str], bundle: dict[str, Any] | None = None
) -> list[dict[str, float]]:
    """Per unit, the margin uncertainty of each target the stance model knows; `bundle` is that model when the
    caller has loaded it already (the annotation queue needs it again for its suggestions, and a load takes
    seconds)."""
    from geostance.runtime.stance_component import MODEL_FILE, load_stance_model, stance_margins

    bundle = bundle if bundle is not None else load_stance_model(Path(stance_dir) / MODEL_FILE)
    targets = list(bundle["targets"])
    flat_texts = [t for t in texts for _ in targets]
    flat_targets = [g for _ in texts for g in targets]
    if not flat_texts:
        return [{} for _ in texts]
    margins = margin_uncertainty(stance_margins(bundle, flat_texts, flat_targets))
    k = len(targets)
    return [{t: float(margins[i * k + j]) for j, t in enumerate(targets)} for i in range(len(texts))]


def _entity_recognizer(nlp: Any) -> tuple[Any, list[Any]]:
    """The first component that can beam-parse entities, and the components that run before it."""
    for i, (_, component) in enumerate(nlp.pipeline):
        if hasattr(component, "beam_parse") and hasattr(component, "scored_ents"):
            return component, [c for _, c in nlp.pipeline[:i]]
    raise ValueError("the NER pipeline has no entity recognizer to beam-parse with")


def ner_uncertainty(ner_dir: Path, texts: Sequence[str], batch_size: int = 64) -> list[float]:
    """Per unit, the beam uncertainty of its weakest candidate entity."""
    import spacy

    nlp = spacy.load(ner_dir)
    ner, before = _entity_recognizer(nlp)
    out: list[float] = []
    for start in range(0, len(texts), batch_size):
        docs = [nlp.make_doc(t) for t in texts[start : start + batch_size]]
        for component in before:
            docs = list(component.pipe(docs))
        beams = ner.beam_parse(docs, beam_width=BEAM_WIDTH, beam_density=BEAM_DENSITY)
        for scores in ner.scored_ents(beams):
            out.append(entity_uncertainty([p for p in scores.values() if p >= MIN_CANDIDATE_PROB]))
    return out


def unit_uncertainty(
    texts: Sequence[str], ner_dir: Path | None, stance_dir: Path | None, *, stance_bundle: dict[str, Any] | None = None
) -> list[UnitUncertainty]:
    """Both tasks' uncertainty for each text; a task without a model is left out of `combined`. `stance_bundle`:
    the model in `stance_dir`, when already loaded."""
    if ner_dir is None and stance_dir is None:
        raise ValueError("ranking needs a trained NER or stance model")
    by_target = stance_uncertainty(stance_dir, texts, stance_bundle) if stance_dir else [{} for _ in texts]
    ner = ner_uncertainty(ner_dir, texts) if ner_dir else [None] * len(texts)
    return [
        UnitUncertainty(stance=max(t.values()) if t else None, ner=n, stance_by_target=t)
        for t, n in zip(by_target, ner, strict=True)
    ]
