"""The build request behind `geostance dataset build`: picks the source, then calls `build_dataset`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from geostance.dataset.align import AlignPolicy
from geostance.dataset.build import BuildOptions, BuildResult, build_dataset
from geostance.dataset.readers.conll import TagScheme
from geostance.dataset.readers.table import TableSpec, parse_label_map
from geostance.dataset.sources import SplitFiles, conll_source, table_source
from geostance.dataset.splits import DEFAULT_SEED, DEFAULT_SPLIT_RATIOS, parse_ratios
from geostance.errors import GeostanceError
from geostance.paths import dataset_dir, schema_path


@dataclass
class BuildRequest:
    kind: str | None = None                    # None: latest snapshot + corpus
    paths: list[Path] = field(default_factory=list)
    out: Path | None = None
    train: list[Path] = field(default_factory=list)
    dev: list[Path] = field(default_factory=list)
    test: list[Path] = field(default_factory=list)
    split_ratios: str = DEFAULT_SPLIT_RATIOS
    seed: str = DEFAULT_SEED
    policy: AlignPolicy = AlignPolicy.expand
    strict: bool = False
    force: bool = False
    text_col: str = "text"
    label_col: str = "label"
    target_col: str | None = None
    id_col: str | None = None
    encoding: str = "utf-8"
    delimiter: str | None = None
    label_map: str | None = None
    scheme: TagScheme = TagScheme.auto
    labels: str | None = None
    label_config: Path | None = None
    snapshot: Path | None = None
    corpus: Path | None = None
    schema: Path | None = None
    adjudication: Path | None = None
    progress: bool = True


def run_build(req: BuildRequest) -> BuildResult:
    files = SplitFiles(unsplit=req.paths, train=req.train, dev=req.dev, test=req.test)
    settings: dict = {}
    schema_file = req.schema or schema_path()
    schema_text = schema_file.read_text(encoding="utf-8") if schema_file.is_file() else ""
    if req.kind == "conll":
        # NAME=value as for tables: PERSON=PER renames the file's PER to PERSON.
        source = conll_source(files, req.scheme, parse_label_map(req.label_map), req.encoding)
        settings = {"scheme": req.scheme.value, "label_map": req.label_map, "encoding": req.encoding}
        schema_text = ""   # labels come from the data
    elif req.kind == "table":
        spec = TableSpec(text_col=req.text_col, label_col=req.label_col, target_col=req.target_col,
                         id_col=req.id_col, encoding=req.encoding, delimiter=req.delimiter,
                         label_map=parse_label_map(req.label_map))
        source = table_source(files, spec)
        settings = {"table": {k: v for k, v in spec.__dict__.items()}}
        schema_text = ""
    elif req.kind == "doccano":
        from geostance.dataset.sources_doccano import doccano_source

        source, settings = doccano_source(files, req, schema_file)
    elif req.kind is None:
        if req.paths or req.train or req.dev or req.test:
            raise GeostanceError("input paths need --from doccano|conll|table (without --from the build reads "
                                 "the latest snapshot under annotations/doccano/)")
        from geostance.dataset.sources_doccano import snapshot_source

        source, settings = snapshot_source(req, schema_file)
    else:
        raise GeostanceError(f"unknown input kind {req.kind!r}")
    options = BuildOptions(policy=AlignPolicy(req.policy), strict=req.strict, ratios=parse_ratios(req.split_ratios),
                           seed=req.seed, force=req.force, progress=req.progress, settings=settings)
    return build_dataset(source, req.out or dataset_dir(), options, schema_text)


@dataclass
class SnapshotRequest:
    snapshot: Path | None = None
    corpus: Path | None = None
    schema: Path | None = None


def _resolve(req: SnapshotRequest):
    from geostance.corpus.store import Corpus
    from geostance.dataset.readers.snapshot import find_latest_snapshot
    from geostance.paths import corpus_dir, doccano_snapshots_dir
    from geostance.schema import load_schema

    snapshot = req.snapshot or find_latest_snapshot(doccano_snapshots_dir())
    return Path(snapshot), Corpus(req.corpus or corpus_dir()), load_schema(req.schema or schema_path())


def run_validate(req: SnapshotRequest) -> tuple[Path, list]:
    """(snapshot used, problems) for `geostance dataset validate`."""
    from geostance.dataset.validate import validate_snapshot

    snapshot, corpus, schema = _resolve(req)
    return snapshot, validate_snapshot(snapshot, corpus, schema)


@dataclass
class AgreementResult:
    snapshot: Path
    result: dict
    written: list[Path]


def run_agreement(req: SnapshotRequest, out: Path | None) -> AgreementResult:
    """Agreement of a snapshot's annotators: agreement.json, agreement.md and agreement.png in `out`."""
    from geostance.dataset.agreement import agreement_heatmap_png, agreement_markdown, compute_agreement
    from geostance.dataset.sources_doccano import read_snapshot_votes
    from geostance.fileio import atomic_write_bytes, atomic_write_json, atomic_write_text

    snapshot, _corpus, schema = _resolve(req)
    data = read_snapshot_votes(snapshot, schema)
    if len(data.annotators) < 2:
        raise GeostanceError(f"{snapshot}: agreement needs two or more annotators, found {data.annotators}")
    result = compute_agreement(data.votes, data.annotators, schema.target_ids, schema.stance_labels,
                               schema.entity_names)
    out = Path(out or dataset_dir().parent / "agreement")
    paths = [out / "agreement.json", out / "agreement.md", out / "agreement.png"]
    atomic_write_json(paths[0], result)
    atomic_write_text(paths[1], agreement_markdown(result))
    atomic_write_bytes(paths[2], agreement_heatmap_png(result))
    return AgreementResult(snapshot, result, paths)


@dataclass
class CardRequest:
    dataset: Path | None = None
    corpus: Path | None = None
    schema: Path | None = None
    template: Path | None = None
    out: Path | None = None


def render_corpus_card_from_build(req: CardRequest) -> str:
    """The corpus card's text, from the built dataset (counts per split), the corpus and the schema."""
    import json

    import datasets

    from geostance.corpus.stats import corpus_stats
    from geostance.corpus.store import Corpus
    from geostance.dataset.corpus_card import render_corpus_card
    from geostance.paths import annotations_dir, corpus_dir
    from geostance.schema import load_schema

    data_dir = Path(req.dataset or dataset_dir())
    info_path = data_dir / "build_info.json"
    if not info_path.is_file():
        raise GeostanceError(f"{info_path}: no built dataset; run `make dataset` first")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    stance = datasets.load_from_disk(str(data_dir / "stance"))
    names = stance[next(iter(stance))].features["label"].names
    by_split: dict[str, dict[str, dict[str, int]]] = {}
    for split, ds in stance.items():
        for target, label in zip(ds["target"], ds["label"], strict=True):
            counts = by_split.setdefault(split, {}).setdefault(target, {})
            counts[names[label]] = counts.get(names[label], 0) + 1
    template = Path(req.template or annotations_dir() / "CARD.template.md").read_text(encoding="utf-8")
    stats = corpus_stats(Corpus(req.corpus or corpus_dir()).articles()).as_dict()
    return render_corpus_card(template, schema=load_schema(req.schema or schema_path()), stats=stats,
                              build_info=info, stance_by_split=by_split)


def run_corpus_card(req: CardRequest) -> Path:
    from geostance.fileio import atomic_write_text
    from geostance.paths import annotations_dir

    out = Path(req.out or annotations_dir() / "README.md")
    atomic_write_text(out, render_corpus_card_from_build(req))
    return out
