"""Train the spaCy NER from a built dataset and a committed config (`pipelines/configs/`).

The dataset's `ner` splits become DocBin files; spaCy trains from `blank:en` (`ner.cfg`) or fine-tunes a pretrained
pipeline (`ner-finetune.cfg` with `--base-model`, optionally with rehearsal docs, see `train/rehearsal.py`); the best
model lands in the output directory with a meta.json that records the data fingerprint, labels, versions and
dev scores.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError
from geostance.fileio import atomic_write_json, replace_dir, staging_dir_for
from geostance.pipes import pipes_made_by
from geostance.train.data import TaskData, entity_label_names, load_task, row_spans
from geostance.train.rehearsal import Rehearsal, RehearsalReport, read_paragraphs, rehearsal_docs
from geostance.train.versions import library_versions

DEV_FRACTION_WHEN_MISSING = 0.1


@dataclass
class AlignmentStats:
    """Spans that did not fit token boundaries: adjusted (expanded to tokens) or dropped; every one is listed."""

    spans: int = 0
    adjusted: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class NerTrainResult:
    out_dir: Path
    labels: list[str]
    dev_scores: dict[str, Any]
    train_docs: int
    dev_docs: int
    alignment: AlignmentStats


def rows_to_docs(nlp: Any, rows: Any, label_names: list[str], stats: AlignmentStats) -> list[Any]:
    """Docs with gold entities from dataset rows (character spans), tokenised by `nlp`'s tokenizer."""
    docs = []
    for row in rows:
        doc = nlp.make_doc(row["text"])
        ents = []
        for start, end, label in row_spans(row, label_names):
            stats.spans += 1
            span = doc.char_span(start, end, label=label, alignment_mode="strict")
            where = {"id": row["id"], "start": start, "end": end, "label": label, "text": row["text"][start:end]}
            if span is None:
                span = doc.char_span(start, end, label=label, alignment_mode="expand")
                if span is None:
                    stats.dropped.append({**where, "reason": "no token boundary"})
                    continue
                stats.adjusted.append({**where, "to": [span.start_char, span.end_char]})
            if any(span.start < e.end and e.start < span.end for e in ents):
                stats.dropped.append({**where, "reason": "overlaps another span"})
                continue
            ents.append(span)
        doc.ents = sorted(ents, key=lambda s: s.start)
        docs.append(doc)
    return docs


def split_off_dev(rows: Any, fraction: float, seed: int = 0) -> tuple[Any, Any]:
    """Hold out whole articles as dev when the dataset has no dev split."""
    articles = sorted(set(rows["article_id"]))
    random.Random(seed).shuffle(articles)
    n_dev = max(1, round(len(articles) * fraction)) if len(articles) > 1 else 0
    dev_articles = set(articles[:n_dev])
    ids = rows["article_id"]
    return (rows.select([i for i, a in enumerate(ids) if a not in dev_articles]),
            rows.select([i for i, a in enumerate(ids) if a in dev_articles]))


def _apply_base_model(config: Any, base_model: str) -> tuple[Any, Any]:
    """Source the base's components into `config` (interpolated) and return it with the loaded base.

    The config names what it sources from `paths.base_model` (configs/ner-finetune.cfg sources the NER); any
    component of the base that a sourced one listens to (a shared tok2vec, a transformer) is sourced too, and the
    base's vectors, if it has any, become the pipeline's."""
    import spacy

    try:
        base = spacy.load(base_model)
    except OSError as exc:
        raise GeostanceError(f"base model {base_model!r} cannot be loaded: " + " ".join(str(exc).split())) from None
    config = config.interpolate()
    pipeline = list(config["nlp"]["pipeline"])
    sourced = {name for name in pipeline if "source" in config["components"].get(name, {})}
    if not sourced:
        raise GeostanceError("the NER config sources nothing from the base model: use "
                             "pipelines/configs/ner-finetune.cfg (or a config whose components set "
                             "source = ${paths.base_model})")
    config["nlp"]["lang"] = base.lang
    for name, pipe in reversed(base.pipeline):
        listeners = set(getattr(pipe, "listening_components", None) or ())
        if listeners & sourced and name not in pipeline:
            pipeline.insert(0, name)
            config["components"][name] = {"source": base_model}
    config["nlp"]["pipeline"] = pipeline
    if base.vocab.vectors.shape[0]:
        config["initialize"]["vectors"] = base_model
    return config, base


def _base_ner_pipes(base: Any, config: Any) -> list[str]:
    """The base components that the fine-tuned pipeline keeps: the ones the config sources."""
    return [name for name in config["nlp"]["pipeline"] if name in base.pipe_names]


def _rehearsal_docs(base: Any, config: Any, rehearsal: Rehearsal, n_gold: int, labels: list[str], align: Any,
                    seed: int) -> tuple[list[Any], RehearsalReport]:
    """Rehearsal docs (`ratio` per gold train doc), labelled by the base's NER alone where not annotated."""
    with base.select_pipes(enable=_base_ner_pipes(base, config)):
        return rehearsal_docs(base, read_paragraphs(rehearsal.paths), round(rehearsal.ratio * n_gold), labels, align,
                              seed)


def train_ner(data_dir: str | Path, out_dir: str | Path, config_path: str | Path, *,
              overrides: dict[str, Any] | None = None, base_model: str | None = None,
              train_split: str = "train", dev_split: str = "dev", use_gpu: int = -1,
              train_limit: float | None = None, seed: int = 0, members: int = 1,
              rehearsal: Rehearsal | None = None) -> NerTrainResult:
    """Train and write the best model to `out_dir` (atomically). `train_limit`: fraction of train articles to use
    (learning curves). `members` > 1 trains that many models (seeds `seed`, `seed + 1`, ...) and writes one
    pipeline that votes over them (`runtime/ner_ensemble.py`)."""
    return train_ner_on(load_task(data_dir, "ner"), out_dir, config_path, overrides=overrides,
                        base_model=base_model, train_split=train_split, dev_split=dev_split, use_gpu=use_gpu,
                        train_limit=train_limit, seed=seed, members=members, rehearsal=rehearsal)


def train_ner_on(data: TaskData, out_dir: str | Path, config_path: str | Path, *,
                 overrides: dict[str, Any] | None = None, base_model: str | None = None,
                 train_split: str = "train", dev_split: str = "dev", use_gpu: int = -1,
                 train_limit: float | None = None, seed: int = 0, members: int = 1,
                 rehearsal: Rehearsal | None = None) -> NerTrainResult:
    import spacy
    from spacy.cli.train import train as spacy_train
    from spacy.tokens import DocBin
    from spacy.util import load_config

    if members < 1:
        raise GeostanceError(f"members must be 1 or more, got {members}")
    if rehearsal is not None and not base_model:
        raise GeostanceError("rehearsal needs a base model (--base-model): it replays the base's own predictions")
    config_path = Path(config_path)
    if not config_path.is_file():
        raise GeostanceError(f"{config_path}: spaCy config not found")
    out_dir = Path(out_dir)
    train_rows = data.split(train_split)
    label_names = entity_label_names(train_rows.features)
    dev_note = dev_split
    if data.has(dev_split):
        dev_rows = data.split(dev_split)
    else:
        train_rows, dev_rows = split_off_dev(train_rows, DEV_FRACTION_WHEN_MISSING, seed)
        dev_note = f"{DEV_FRACTION_WHEN_MISSING:.0%} of {train_split} articles (no {dev_split!r} split)"
    if train_limit is not None:
        train_rows = subsample_articles(train_rows, train_limit, seed)
    if len(train_rows) == 0 or len(dev_rows) == 0:
        raise GeostanceError(f"{data.path}: need non-empty train and dev data (train {len(train_rows)}, "
                             f"dev {len(dev_rows)})")

    stats = AlignmentStats()
    staging = staging_dir_for(out_dir)
    work = staging / "_work"
    work.mkdir()
    try:
        # Paths and overrides go in before any interpolation, so values derived from them stay consistent.
        all_overrides = {"paths.train": str(work / "train.spacy"), "paths.dev": str(work / "dev.spacy"),
                         "system.seed": seed, **(overrides or {})}
        try:
            config = load_config(config_path, overrides=all_overrides, interpolate=False)
        except Exception as exc:  # spaCy/thinc raise several types for a bad override or config
            raise GeostanceError(f"{config_path}: " + " ".join(str(exc).split())) from None
        base = None
        if base_model:
            if "base_model" not in config["paths"]:
                raise GeostanceError(f"{config_path}: has no paths.base_model to fine-tune from; use "
                                     "pipelines/configs/ner-finetune.cfg with --base-model")
            config["paths"]["base_model"] = base_model
            config, base = _apply_base_model(config, base_model)
        # Gold spans are aligned to the tokens the trained pipeline will see: the base's tokenizer when there is one.
        tokenizer_nlp = base if base is not None else spacy.blank(config["nlp"]["lang"])
        train_docs = rows_to_docs(tokenizer_nlp, train_rows, label_names, stats)
        rehearsed = RehearsalReport()
        if rehearsal is not None and base is not None:
            extra, rehearsed = _rehearsal_docs(base, config, rehearsal, len(train_docs), label_names,
                                               lambda rows: rows_to_docs(tokenizer_nlp, rows, label_names, stats), seed)
            train_docs += extra
        DocBin(docs=train_docs).to_disk(work / "train.spacy")
        DocBin(docs=rows_to_docs(tokenizer_nlp, dev_rows, label_names, stats)).to_disk(work / "dev.spacy")
        bests = []
        base_seed = int(config["system"]["seed"])
        for member in range(members):
            # one config per member: only the seed differs
            config["system"]["seed"] = base_seed + member
            config_file = work / f"config-{member}.cfg"
            config.to_disk(config_file, interpolate=False)
            output = work / f"output-{member}"
            spacy_train(config_file, output_path=output, use_gpu=use_gpu)
            if not (output / "model-best").is_dir():
                raise GeostanceError(f"spaCy training wrote no model-best into {output}")
            bests.append(output / "model-best")
        model_dir = staging / "model"
        member_scores: list[dict[str, Any]] = []
        if members == 1:
            shutil.copytree(bests[0], model_dir)
            nlp = spacy.load(model_dir)
            meta = nlp.meta
            dev_scores = _entity_scores(meta)
        else:
            from geostance.train.ensemble import assemble_ensemble, score_entities

            # spaCy's own dev scores of each member's best checkpoint, from its meta.json
            member_scores = [{"seed": base_seed + i,
                              **_entity_scores(json.loads((best / "meta.json").read_text(encoding="utf-8")))}
                             for i, best in enumerate(bests)]
            nlp = assemble_ensemble(bests)
            dev_scores = score_entities(nlp, work / "dev.spacy")
            nlp.meta["performance"] = dev_scores
            nlp.to_disk(model_dir)
            meta = nlp.meta
        shutil.rmtree(work)
        ner_labels = sorted({label for _, pipe in pipes_made_by(nlp, "ner") for label in pipe.labels})
        meta["geostance"] = {
            "task": "ner",
            "dataset_fingerprint": data.fingerprint,
            "dataset_path": str(data.path.parent),
            "dataset_labels": label_names,
            "labels": ner_labels,
            "versions": library_versions(),
            "dev_scores": dev_scores,
            "train_split": train_split,
            "dev_split": dev_note,
            "train_docs": len(train_rows),
            "dev_docs": len(dev_rows),
            "train_limit": train_limit,
            "base_model": _describe_base(base, base_model),
            "rehearsal": None if rehearsal is None else {"paths": [str(p) for p in rehearsal.paths],
                                                         "ratio": rehearsal.ratio, **rehearsed.as_dict()},
            "config": str(config_path),
            "overrides": {k: v for k, v in (overrides or {}).items()},
            "alignment": {"spans": stats.spans, "adjusted": len(stats.adjusted), "dropped": len(stats.dropped)},
            "members": member_scores,
        }
        atomic_write_json(model_dir / "meta.json", meta)
        atomic_write_json(model_dir / "alignment.json", asdict(stats))
        for item in model_dir.iterdir():
            shutil.move(str(item), staging / item.name)
        model_dir.rmdir()
        replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return NerTrainResult(out_dir=out_dir, labels=ner_labels, dev_scores=dev_scores, train_docs=len(train_rows),
                          dev_docs=len(dev_rows), alignment=stats)


def _describe_base(base: Any, name: str | None) -> dict[str, Any] | None:
    """Which pretrained pipeline the NER started from, as its own meta says (name, version, licence, sources)."""
    if base is None or not name:
        return None
    meta = base.meta
    return {"name": name, "pipeline": f"{meta.get('lang')}_{meta.get('name')}", "version": meta.get("version"),
            "license": meta.get("license"), "sources": [s.get("name") for s in meta.get("sources") or []],
            "ents_f_reported": (meta.get("performance") or {}).get("ents_f")}


def _entity_scores(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (meta.get("performance") or {}).items() if k.startswith("ents")}


def subsample_articles(rows: Any, fraction: float, seed: int = 0) -> Any:
    """The rows of a random `fraction` of articles (at least one): learning curves grow by whole articles."""
    if not 0 < fraction <= 1:
        raise GeostanceError(f"train fraction must be in (0, 1], got {fraction}")
    if fraction == 1:
        return rows
    articles = sorted(set(rows["article_id"]))
    random.Random(seed).shuffle(articles)
    keep = set(articles[:max(1, round(len(articles) * fraction))])
    return rows.select([i for i, a in enumerate(rows["article_id"]) if a in keep])


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """`section.key=value` strings → spaCy overrides; values parsed as JSON when they parse, else strings."""
    parsed: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            raise GeostanceError(f"bad --set {item!r}: expected section.key=value (e.g. training.max_steps=500)")
        try:
            parsed[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            parsed[key.strip()] = value
    return parsed
