"""Put several trained NER pipelines (same config, different seeds) into one pipeline that votes over them.

Layout of the result: `ner_0`, `geostance_ner_stash` (as `stash_0`), `ner_1`, `stash_1`, ..., `ner_vote`, then the
members' other post-NER components (entity consistency), once. Each member's `ner` gets its own copy of its
tok2vec (`replace_listeners`), so members never share or overwrite each other's embeddings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError


def assemble_ensemble(member_dirs: list[Path]) -> Any:
    import spacy

    from geostance.runtime.ner_ensemble import STASH_FACTORY, VOTE_FACTORY

    members = [spacy.load(d) for d in member_dirs]
    for d, member in zip(member_dirs, members, strict=True):
        if member.pipe_names[:2] != ["tok2vec", "ner"]:
            raise GeostanceError(f"{d}: an ensemble member must start with tok2vec, ner; it has {member.pipe_names}")
        # Resolve ${...} references first: the copied tok2vec config must not point at the shared tok2vec section,
        # which the ensemble drops.
        resolved = member.config.interpolate()["components"]
        for name in member.pipe_names:
            member._pipe_configs[name] = resolved[name]
        member.replace_listeners("tok2vec", "ner", ["model.tok2vec"])
    nlp = members[0]
    after = [
        (name, nlp.get_pipe_meta(name).factory, dict(nlp.config["components"][name])) for name in nlp.pipe_names[2:]
    ]
    for name, _, _ in after:
        nlp.remove_pipe(name)
    nlp.remove_pipe("tok2vec")
    nlp.rename_pipe("ner", "ner_0")
    nlp.add_pipe(STASH_FACTORY, name="stash_0", config={"key": "ner_0"})
    for i, member in enumerate(members[1:], start=1):
        nlp.add_pipe("ner", name=f"ner_{i}", source=member)
        nlp.add_pipe(STASH_FACTORY, name=f"stash_{i}", config={"key": f"ner_{i}"})
    nlp.add_pipe(VOTE_FACTORY, name="ner_vote", config={"keys": [f"ner_{i}" for i in range(len(members))]})
    for name, factory, config in after:
        config.pop("factory", None)
        nlp.add_pipe(factory, name=name, config=config)
    return nlp


def score_entities(nlp: Any, docbin: Path) -> dict[str, Any]:
    """spaCy's entity scores (ents_f, ents_p, ents_r, ents_per_type) of `nlp` on gold Docs in a DocBin."""
    from spacy.tokens import DocBin
    from spacy.training import Example

    gold = list(DocBin().from_disk(docbin).get_docs(nlp.vocab))
    scores = nlp.evaluate([Example(nlp.make_doc(doc.text), doc) for doc in gold])
    return {k: v for k, v in scores.items() if k.startswith("ents")}
