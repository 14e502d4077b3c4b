"""Train the spaCy NER from a built dataset and a committed config (`pipelines/configs/`).

The dataset's `ner` splits become DocBin files: each row's Doc is made from its tokens and BIO tags as the dataset
build aligned them (`geostance.dataset.align`), so nothing is tokenised or aligned again here. spaCy trains from
`blank:en` (`ner.cfg`) or fine-tunes a pretrained pipeline (`ner-finetune.cfg` with `--base-model`, optionally with
rehearsal docs, see `train/rehearsal.py`); the best model lands in the output directory with a meta.json that
records the data fingerprint, labels, versions and dev scores.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance.errors import GeostanceError
from geostance.fileio import atomic_write_json, staged_dir
from geostance.pipes import pipes_made_by
from geostance.train.data import TaskData, dataset_alignment, entity_label_names, load_task, ner_tag_names
from geostance.train.rehearsal import Rehearsal, RehearsalReport, read_paragraphs, rehearsal_docs
from geostance.train.versions import library_versions

DEV_FRACTION_WHEN_MISSING = 0.1


@dataclass
class NerTrainResult:
    out_dir: Path
    labels: list[str]
    dev_scores: dict[str, Any]
    train_docs: int
    dev_docs: int
    alignment: dict[str, Any] | None  # the dataset build's span alignment counts (None: a dataset built elsewhere)


def token_spaces(text: str, tokens: Sequence[str], where: str) -> list[bool]:
    """Whether one space follows each token, so that the Doc of `tokens` spells `text` again (spaCy gives a token
    at most one trailing space; more whitespace is a token of its own)."""
    spaces = []
    pos = 0
    for i, token in enumerate(tokens):
        if not text.startswith(token, pos):
            raise GeostanceError(f"{where}: token {i} {token!r} does not come next in the text (at character {pos})")
        pos += len(token)
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        space = text.startswith(" ", pos) and (
            pos + 1 == len(text) if following is None else text.startswith(following, pos + 1)
        )
        spaces.append(space)
        pos += space
    if pos != len(text):
        raise GeostanceError(f"{where}: the tokens cover {pos} of the text's {len(text)} characters")
    return spaces


def doc_from_tokens(vocab: Any, text: str, tokens: Sequence[str], tags: Iterable[str], where: str) -> Any:
    """A Doc with gold entities from tokens and their BIO tags ("B-GPE", "I-GPE", "O")."""
    from spacy.tokens import Doc

    return Doc(vocab, words=list(tokens), spaces=token_spaces(text, tokens, where), ents=list(tags))


def rows_to_docs(vocab: Any, rows: Any, where: str) -> list[Any]:
    """Docs of dataset rows: their tokens and BIO tags as the dataset build aligned them."""
    tag_names = ner_tag_names(rows.features)
    return [
        doc_from_tokens(
            vocab, row["text"], row["tokens"], (tag_names[t] for t in row["ner_tags"]), f"{where} row {row['id']}"
        )
        for row in rows
    ]


def rehearsal_aligner(nlp: Any, labels: list[str], report: Any) -> Callable[[list[dict[str, Any]]], list[Any]]:
    """Annotated rehearsal paragraphs (character spans, never built into a dataset) → Docs, aligned by the dataset
    stage's aligner, so that their spans follow the same rules as the corpus's own gold."""
    from geostance.dataset.align import Aligner, AlignPolicy
    from geostance.dataset.features import bio_tag_names
    from geostance.dataset.records import NerRecord, RawSpan

    aligner = Aligner(nlp.tokenizer, labels, AlignPolicy.expand, report)
    tag_names = bio_tag_names(labels)

    def align(rows: list[dict[str, Any]]) -> list[Any]:
        records = [
            NerRecord(
                r["id"],
                r["id"],
                r["id"],
                r["text"],
                [RawSpan(*s) for s in zip(r["spans"]["start"], r["spans"]["end"], r["spans"]["label"], strict=True)],
                r["id"],
            )
            for r in rows
        ]
        return [
            doc_from_tokens(nlp.vocab, record.text, unit.tokens, (tag_names[t] for t in unit.tags), record.id)
            for record, unit in zip(records, aligner.align(records), strict=True)
        ]

    return align


def split_off_dev(rows: Any, fraction: float, seed: int = 0) -> tuple[Any, Any]:
    """Hold out whole articles as dev when the dataset has no dev split."""
    articles = sorted(set(rows["article_id"]))
    random.Random(seed).shuffle(articles)
    n_dev = max(1, round(len(articles) * fraction)) if len(articles) > 1 else 0
    dev_articles = set(articles[:n_dev])
    ids = rows["article_id"]
    return (
        rows.select([i for i, a in enumerate(ids) if a not in dev_articles]),
        rows.select([i for i, a in enumerate(ids) if a in dev_articles]),
    )


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
        raise GeostanceError(
            "the NER config sources nothing from the base model: use "
            "pipelines/configs/ner-finetune.cfg (or a config whose components set "
            "source = ${paths.base_model})"
        )
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


def _rehearsal_docs(
    base: Any, config: Any, rehearsal: Rehearsal, n_gold: int, labels: list[str], align: Any, seed: int
) -> tuple[list[Any], RehearsalReport]:
    """Rehearsal docs (`ratio` per gold train doc), labelled by the base's NER alone where not annotated."""
    with base.select_pipes(enable=_base_ner_pipes(base, config)):
        return rehearsal_docs(
            base, read_paragraphs(rehearsal.paths), round(rehearsal.ratio * n_gold), labels, align, seed
        )


def train_ner(
    data_dir: str | Path,
    out_dir: str | Path,
    config_path: str | Path,
    *,
    overrides: dict[str, Any] | None = None,
    base_model: str | None = None,
    train_split: str = "train",
    dev_split: str = "dev",
    use_gpu: int = -1,
    train_limit: float | None = None,
    seed: int = 0,
    members: int = 1,
    rehearsal: Rehearsal | None = None,
) -> NerTrainResult:
    """Train and write the best model to `out_dir` (atomically). `train_limit`: fraction of train articles to use
    (learning curves). `members` > 1 trains that many models (seeds `seed`, `seed + 1`, ...) and writes one
    pipeline that votes over them (`runtime/ner_ensemble.py`)."""
    return train_ner_on(
        load_task(data_dir, "ner"),
        out_dir,
        config_path,
        overrides=overrides,
        base_model=base_model,
        train_split=train_split,
        dev_split=dev_split,
        use_gpu=use_gpu,
        train_limit=train_limit,
        seed=seed,
        members=members,
        rehearsal=rehearsal,
    )


def train_ner_on(
    data: TaskData,
    out_dir: str | Path,
    config_path: str | Path,
    *,
    overrides: dict[str, Any] | None = None,
    base_model: str | None = None,
    train_split: str = "train",
    dev_split: str = "dev",
    use_gpu: int = -1,
    train_limit: float | None = None,
    seed: int = 0,
    members: int = 1,
    rehearsal: Rehearsal | None = None,
) -> NerTrainResult:
    import spacy

    config_path = _check_ner_inputs(Path(config_path), members, rehearsal, base_model)
    out_dir = Path(out_dir)
    rows = _train_and_dev_rows(data, train_split, dev_split, train_limit, seed)
    label_names = entity_label_names(rows.train.features)
    with staged_dir(out_dir) as staging:
        work = staging / "_work"
        work.mkdir()
        config, base = _load_config(config_path, work, seed, overrides, base_model)
        # The Docs get the vocab of the pipeline that trains: the base's when fine-tuning.
        vocab_nlp = base if base is not None else spacy.blank(config["nlp"]["lang"])
        train_docs = rows_to_docs(vocab_nlp.vocab, rows.train, f"{data.path}/{train_split}")
        rehearsal_info = None
        if rehearsal is not None and base is not None:
            extra, rehearsal_info = _rehearsed_docs(
                base, config, rehearsal, len(train_docs), label_names, vocab_nlp, seed
            )
            train_docs += extra
        _write_docbin(work / "train.spacy", train_docs)
        _write_docbin(work / "dev.spacy", rows_to_docs(vocab_nlp.vocab, rows.dev, f"{data.path}/{dev_split}"))
        bests = _train_members(config, work, members, use_gpu)
        nlp, dev_scores, member_scores = _save_model(bests, staging, work / "dev.spacy", int(config["system"]["seed"]))
        shutil.rmtree(work)
        ner_labels = sorted({label for _, pipe in pipes_made_by(nlp, "ner") for label in pipe.labels})
        meta = nlp.meta
        meta["geostance"] = {
            **_ner_meta(data, rows, label_names, ner_labels, train_split, train_limit),
            "dev_scores": dev_scores,
            "base_model": _describe_base(base, base_model),
            "rehearsal": rehearsal_info,
            "config": str(config_path),
            "overrides": dict(overrides or {}),
            # Spans were aligned to tokens once, by the dataset build: its counts, not a second alignment's.
            "alignment": dataset_alignment(data.path.parent),
            "members": member_scores,
        }
        atomic_write_json(staging / "meta.json", meta)
    alignment = meta["geostance"]["alignment"]
    return NerTrainResult(out_dir, ner_labels, dev_scores, len(rows.train), len(rows.dev), alignment)


def _ner_meta(
    data: TaskData,
    rows: Any,
    label_names: list[str],
    ner_labels: list[str],
    train_split: str,
    train_limit: float | None,
) -> dict[str, Any]:
    """What the NER was trained on, for meta.json."""
    return {
        "task": "ner",
        "dataset_fingerprint": data.fingerprint,
        "dataset_path": str(data.path.parent),
        "dataset_labels": label_names,
        "labels": ner_labels,
        "versions": library_versions(),
        "train_split": train_split,
        "dev_split": rows.dev_note,
        "train_docs": len(rows.train),
        "dev_docs": len(rows.dev),
        "train_limit": train_limit,
    }


def _check_ner_inputs(config_path: Path, members: int, rehearsal: Rehearsal | None, base_model: str | None) -> Path:
    if members < 1:
        raise GeostanceError(f"members must be 1 or more, got {members}")
    if rehearsal is not None and not base_model:
        raise GeostanceError("rehearsal needs a base model (--base-model): it replays the base's own predictions")
    if not config_path.is_file():
        raise GeostanceError(f"{config_path}: spaCy config not found")
    return config_path


def _rehearsed_docs(
    base: Any,
    config: Any,
    rehearsal: Rehearsal,
    n_train: int,
    label_names: list[str],
    vocab_nlp: Any,
    seed: int,
) -> tuple[list[Any], dict[str, Any]]:
    """General-news Docs to mix into training, and what meta.json records about them (with their alignment)."""
    from geostance.dataset.align import AlignmentReport, AlignPolicy

    report = AlignmentReport(policy=AlignPolicy.expand.value)
    aligner = rehearsal_aligner(vocab_nlp, label_names, report)
    docs, rehearsed = _rehearsal_docs(base, config, rehearsal, n_train, label_names, aligner, seed)
    info = {
        "paths": [str(p) for p in rehearsal.paths],
        "ratio": rehearsal.ratio,
        **rehearsed.as_dict(),
        "alignment": report.as_dict(),
    }
    return docs, info


@dataclass
class _Rows:
    train: Any
    dev: Any
    dev_note: str  # where dev came from


def _train_and_dev_rows(
    data: TaskData, train_split: str, dev_split: str, train_limit: float | None, seed: int
) -> _Rows:
    train_rows = data.split(train_split)
    dev_note = dev_split
    if data.has(dev_split):
        dev_rows = data.split(dev_split)
    else:
        train_rows, dev_rows = split_off_dev(train_rows, DEV_FRACTION_WHEN_MISSING, seed)
        dev_note = f"{DEV_FRACTION_WHEN_MISSING:.0%} of {train_split} articles (no {dev_split!r} split)"
    if train_limit is not None:
        train_rows = subsample_articles(train_rows, train_limit, seed)
    if len(train_rows) == 0 or len(dev_rows) == 0:
        raise GeostanceError(
            f"{data.path}: need non-empty train and dev data (train {len(train_rows)}, dev {len(dev_rows)})"
        )
    return _Rows(train_rows, dev_rows, dev_note)


def _load_config(
    config_path: Path, work: Path, seed: int, overrides: dict[str, Any] | None, base_model: str | None
) -> tuple[Any, Any]:
    """The training config with paths and overrides in, and the base pipeline (None when training from blank)."""
    from spacy.util import load_config

    # Paths and overrides go in before any interpolation, so values derived from them stay consistent.
    all_overrides = {
        "paths.train": str(work / "train.spacy"),
        "paths.dev": str(work / "dev.spacy"),
        "system.seed": seed,
        **(overrides or {}),
    }
    try:
        config = load_config(config_path, overrides=all_overrides, interpolate=False)
    except Exception as exc:  # spaCy/thinc raise several types for a bad override or config
        raise GeostanceError(f"{config_path}: " + " ".join(str(exc).split())) from None
    if not base_model:
        return config, None
    if "base_model" not in config["paths"]:
        raise GeostanceError(
            f"{config_path}: has no paths.base_model to fine-tune from; use "
            "pipelines/configs/ner-finetune.cfg with --base-model"
        )
    config["paths"]["base_model"] = base_model
    return _apply_base_model(config, base_model)


def _write_docbin(path: Path, docs: list[Any]) -> None:
    from spacy.tokens import DocBin

    DocBin(docs=docs).to_disk(path)


def _train_members(config: Any, work: Path, members: int, use_gpu: int) -> list[Path]:
    """Each member's best checkpoint; one config per member, only the seed differs."""
    from spacy.cli.train import train as spacy_train

    bests = []
    base_seed = int(config["system"]["seed"])
    for member in range(members):
        config["system"]["seed"] = base_seed + member
        config_file = work / f"config-{member}.cfg"
        config.to_disk(config_file, interpolate=False)
        output = work / f"output-{member}"
        spacy_train(config_file, output_path=output, use_gpu=use_gpu)
        if not (output / "model-best").is_dir():
            raise GeostanceError(f"spaCy training wrote no model-best into {output}")
        bests.append(output / "model-best")
    config["system"]["seed"] = base_seed
    return bests


def _save_model(
    bests: list[Path], model_dir: Path, dev_docs: Path, base_seed: int
) -> tuple[Any, dict[str, Any], list[dict[str, Any]]]:
    """Write the pipeline into `model_dir`: the one member's best checkpoint, or the members' vote. Returns it
    loaded, its dev scores and (several members) each member's own."""
    import spacy

    if len(bests) == 1:
        shutil.copytree(bests[0], model_dir, dirs_exist_ok=True)
        nlp = spacy.load(model_dir)
        return nlp, _entity_scores(nlp.meta), []
    from geostance.train.ensemble import assemble_ensemble, score_entities

    # spaCy's own dev scores of each member's best checkpoint, from its meta.json
    member_scores = [
        {"seed": base_seed + i, **_entity_scores(json.loads((best / "meta.json").read_text(encoding="utf-8")))}
        for i, best in enumerate(bests)
    ]
    nlp = assemble_ensemble(bests)
    dev_scores = score_entities(nlp, dev_docs)
    nlp.meta["performance"] = dev_scores
    nlp.to_disk(model_dir)
    return nlp, dev_scores, member_scores


def _describe_base(base: Any, name: str | None) -> dict[str, Any] | None:
    """Which pretrained pipeline the NER started from, as its own meta says (name, version, licence, sources)."""
    if base is None or not name:
        return None
    meta = base.meta
    return {
        "name": name,
        "pipeline": f"{meta.get('lang')}_{meta.get('name')}",
        "version": meta.get("version"),
        "license": meta.get("license"),
        "sources": [s.get("name") for s in meta.get("sources") or []],
        "ents_f_reported": (meta.get("performance") or {}).get("ents_f"),
    }


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
    keep = set(articles[: max(1, round(len(articles) * fraction))])
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
