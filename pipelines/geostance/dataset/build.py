"""Build a DatasetDict from a `Source` (streams of NER and stance records): align, split, write, report.

Records stream through in batches: each batch is aligned into an Arrow record batch and appended to one Arrow
stream file and one Parquet file per (task, split), so memory stays flat as the input grows. At the end each task's
splits are saved with `save_to_disk`; the alignment report, build info and card are written beside them, and the
whole directory replaces the old one in one rename.
"""

from __future__ import annotations

import functools
import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
import json
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from geostance.dataset.align import Aligner, AlignmentReport, AlignPolicy
from geostance.dataset.features import SPLITS, ner_features, stance_features
from geostance.dataset.records import NerRecord, StanceRecord
from geostance.dataset.splits import DEFAULT_SEED, DEFAULT_SPLIT_RATIOS, SplitAssigner, parse_ratios
from geostance.errors import GeostanceError, InputError
from geostance.fileio import recover_dir, replace_dir, staging_dir_for

BUILDER_VERSION = 1
DEFAULT_BATCH = 2000
ARROW_FILE = "data-00000-of-00001.arrow"   # the name save_to_disk gives a single-shard split


@dataclass
class Source:
    """What a build reads. `ner`/`stance` are called once each and stream records."""

    kind: str
    inputs: list[Path]
    entity_labels: list[str] | None = None
    stance_labels: list[str] | None = None
    ner: Callable[[], Iterator[NerRecord]] | None = None
    stance: Callable[[], Iterator[StanceRecord]] | None = None
    records: Callable[[], Iterator[NerRecord | StanceRecord]] | None = None   # both kinds in one pass
    propositions: dict[str, str] = field(default_factory=dict)
    read_issues: list[str] = field(default_factory=list)      # adjusted on reading (listed, counted)
    extra: dict[str, Any] = field(default_factory=dict)         # agreement, adjudication, ... for card and info
    extra_files: dict[str, Any] = field(default_factory=dict)   # name → JSON-able rows/objects written beside


@dataclass
class BuildOptions:
    policy: AlignPolicy = AlignPolicy.expand
    strict: bool = False
    ratios: dict[str, float] = field(default_factory=lambda: parse_ratios(DEFAULT_SPLIT_RATIOS))
    seed: str = DEFAULT_SEED
    batch_size: int = DEFAULT_BATCH
    force: bool = False
    progress: bool = True
    settings: dict[str, Any] = field(default_factory=dict)      # reader options, for the fingerprint


@dataclass
class BuildResult:
    out_dir: Path
    fingerprint: str
    counts: dict[str, dict[str, int]]
    alignment: dict[str, Any]
    skipped: bool = False


def _file_digest(path: Path, h: Any) -> None:
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)


def fingerprint(source: Source, options: BuildOptions, schema_text: str) -> str:
    """sha256 over every input's bytes, the schema, the policy and the reader settings."""
    h = hashlib.sha256()
    h.update(json.dumps({"builder": BUILDER_VERSION, "kind": source.kind, "policy": options.policy.value,
                         "strict": options.strict, "ratios": options.ratios, "seed": options.seed,
                         "settings": options.settings}, sort_keys=True, default=str).encode())
    h.update(schema_text.encode())
    files = []
    for p in source.inputs:
        files.extend(sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p])
    for p in files:
        h.update(str(p.name).encode() + b"\x00")
        _file_digest(p, h)
    return h.hexdigest()


class _SplitWriters:
    """One Arrow stream file (for save_to_disk) and one Parquet file per split of a task."""

    def __init__(self, stage: Path, task: str, schema: pa.Schema) -> None:
        self.stage, self.task, self.schema = stage, task, schema
        self.arrow: dict[str, tuple[Any, Any]] = {}
        self.parquet: dict[str, pq.ParquetWriter] = {}
        self.counts: Counter = Counter()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"write-{task}")
        self._pending: list[Future] = []

    def write(self, split: str, batch: pa.RecordBatch) -> None:
        """Queue a batch; a writer thread encodes it (Arrow and Parquet release the GIL, so encoding overlaps
        with tokenising the next batch). At most two batches wait, which keeps memory flat."""
        self.counts[split] += batch.num_rows
        while len(self._pending) >= 2:
            self._pending.pop(0).result()
        self._pending.append(self._pool.submit(self._write_now, split, batch))

    def _write_now(self, split: str, batch: pa.RecordBatch) -> None:
        if split not in self.arrow:
            path = self.stage / self.task / split / ARROW_FILE
            path.parent.mkdir(parents=True, exist_ok=True)
            sink = pa.OSFile(str(path), "wb")
            self.arrow[split] = (sink, pa.ipc.new_stream(sink, self.schema))
            pq_path = self.stage / "parquet" / self.task / f"{split}.parquet"
            pq_path.parent.mkdir(parents=True, exist_ok=True)
            self.parquet[split] = pq.ParquetWriter(str(pq_path), self.schema)
        self.arrow[split][1].write_batch(batch)
        self.parquet[split].write_batch(batch)

    def close(self) -> dict[str, Path]:
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pool.shutdown(wait=True)
        paths = {}
        for split, (sink, writer) in self.arrow.items():
            writer.close()
            sink.close()
            self.parquet[split].close()
            paths[split] = self.stage / self.task / split / ARROW_FILE
        return paths


def _finish_dataset_dict(task_dir: Path, splits: list[str], features: Any, fingerprint_: str) -> None:
    """Write the metadata `DatasetDict.save_to_disk` writes, around Arrow files already streamed into place.

    The Arrow stream files are written batch by batch during the build (one per split, the single-shard layout
    of `save_to_disk`), so saving never copies the data again and memory stays flat; `load_from_disk` and the
    tests read the result like any saved DatasetDict.
    """
    from datasets import DatasetInfo

    ordered = [s for s in SPLITS if s in splits]
    for split in ordered:
        split_dir = task_dir / split
        state = {"_data_files": [{"filename": ARROW_FILE}], "_format_columns": None, "_format_kwargs": {},
                 "_format_type": None, "_output_all_columns": False, "_split": split,
                 "_fingerprint": hashlib.sha256(f"{fingerprint_}:{task_dir.name}:{split}".encode()).hexdigest()[:16]}
        (split_dir / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
        DatasetInfo(features=features).write_to_directory(str(split_dir))
    (task_dir / "dataset_dict.json").write_text(json.dumps({"splits": ordered}), encoding="utf-8")


class _OncePerUnit:
    """Refuses a second NER record for a unit, or a second stance record for a unit and target: the dataset would
    hold two rows (two answers) for one question. Whatever the source, the reader's origins name both."""

    def __init__(self) -> None:
        self.first: dict[tuple[str, ...], str] = {}

    def check(self, record: NerRecord | StanceRecord) -> None:
        key = (record.unit_id,) if isinstance(record, NerRecord) else (record.unit_id, record.target)
        first = self.first.get(key)
        if first is None:
            self.first[key] = record.origin
            return
        what = f"unit {record.unit_id!r}" if len(key) == 1 else \
            f"unit {record.unit_id!r} with stance target {record.target!r}"
        again = " (the same input given twice?)" if first == record.origin else ""
        raise InputError(record.origin, f"{what} appears twice (also at {first}{again}); each may appear once")


def _routed(records: Iterator[Any], assign: SplitAssigner, size: int, progress: Any
            ) -> Iterator[tuple[str, str, list[Any]]]:
    """Group a stream of NER and stance records into (task, split) batches of `size`."""
    pending: dict[tuple[str, str], list[Any]] = defaultdict(list)
    once = _OncePerUnit()
    for record in records:
        once.check(record)
        task = "ner" if isinstance(record, NerRecord) else "stance"
        split = record.split or assign(record.article_id)
        if split not in SPLITS:
            raise InputError(record.origin, f"unknown split {split!r}")
        bucket = pending[(task, split)]
        bucket.append(record)
        if len(bucket) >= size:
            yield task, split, bucket
            progress.update(len(bucket))
            pending[(task, split)] = []
    for (task, split), bucket in pending.items():
        if bucket:
            yield task, split, bucket
            progress.update(len(bucket))


def _stance_batch(records: list[StanceRecord], label_ids: dict[str, int], schema: pa.Schema) -> pa.RecordBatch:
    labels = []
    for r in records:
        if r.label not in label_ids:
            raise InputError(r.origin, f"stance label {r.label!r} is not one of {list(label_ids)}")
        labels.append(label_ids[r.label])
    cols = [[r.id for r in records], [r.article_id for r in records], [r.unit_id for r in records],
            [r.text for r in records], [r.target for r in records], [r.proposition for r in records], labels]
    return pa.RecordBatch.from_arrays([pa.array(c, f.type) for c, f in zip(cols, schema)], schema=schema)


def _stream(source: Source) -> Iterator[NerRecord | StanceRecord]:
    if source.records is not None:
        yield from source.records()
        return
    if source.ner is not None and source.entity_labels is not None:
        yield from source.ner()
    if source.stance is not None and source.stance_labels is not None:
        yield from source.stance()


@functools.lru_cache(maxsize=1)
def _tokenizer() -> Any:
    """spaCy `blank:en` tokenizer, made once per process (making it takes longer than tokenising 1k units)."""
    import spacy

    return spacy.blank("en").tokenizer


def build_dataset(source: Source, out_dir: Path, options: BuildOptions, schema_text: str = "") -> BuildResult:
    """Build (or, when the fingerprint matches the existing build, skip) the dataset at `out_dir`."""
    from tqdm import tqdm

    from geostance.dataset.card import render_alignment_markdown, render_card

    out_dir = Path(out_dir)
    recover_dir(out_dir)   # a build killed mid-swap left the previous dataset aside: bring it back first
    fp = fingerprint(source, options, schema_text)
    info_path = out_dir / "build_info.json"
    if not options.force and info_path.is_file():
        try:
            old = json.loads(info_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            old = {}
        if old.get("fingerprint") == fp:
            info_path.touch()   # newer than its inputs again, so make sees the dataset as up to date
            return BuildResult(out_dir, fp, old.get("counts", {}), old.get("alignment", {}), skipped=True)

    stage = staging_dir_for(out_dir)
    try:
        assign = SplitAssigner(options.ratios, options.seed)
        report = AlignmentReport(policy=options.policy.value)
        counts: dict[str, dict[str, int]] = {}
        label_dist: dict[str, dict[str, dict[str, int]]] = {}
        features_desc: dict[str, Any] = {}
        progress = tqdm(desc="building dataset", unit="records", disable=not options.progress, leave=False)
        writers: dict[str, _SplitWriters] = {}
        feats: dict[str, Any] = {}
        dist: dict[str, dict[str, Counter]] = {"ner": defaultdict(Counter), "stance": defaultdict(Counter)}
        if source.entity_labels is not None and (source.ner is not None or source.records is not None):
            feats["ner"] = ner_features(source.entity_labels)
            aligner = Aligner(_tokenizer(), source.entity_labels, options.policy, report, feats["ner"].arrow_schema)
            writers["ner"] = _SplitWriters(stage, "ner", feats["ner"].arrow_schema)
        if source.stance_labels is not None and (source.stance is not None or source.records is not None):
            feats["stance"] = stance_features(source.stance_labels)
            label_ids = {name: i for i, name in enumerate(source.stance_labels)}
            writers["stance"] = _SplitWriters(stage, "stance", feats["stance"].arrow_schema)
        for task, split, batch in _routed(_stream(source), assign, options.batch_size, progress):
            if task not in writers:
                raise GeostanceError(f"the input has {task} records but no {task} labels were declared")
            if task == "ner":
                rb = aligner.batch(batch)
                for lab, n in zip(*_value_counts(rb.column(6).field("label").flatten())):
                    dist["ner"][split][source.entity_labels[lab]] += n
            else:
                rb = _stance_batch(batch, label_ids, feats["stance"].arrow_schema)
                for r in batch:
                    dist["stance"][split][r.label] += 1
            writers[task].write(split, rb)
        for task, w in writers.items():
            paths = w.close()
            if paths:
                _finish_dataset_dict(stage / task, list(paths), feats[task], fp)
                counts[task] = {s: w.counts[s] for s in SPLITS if s in paths}
                label_dist[task] = {s: dict(sorted(dist[task][s].items())) for s in SPLITS if s in paths}
                features_desc[task] = feats[task].to_dict()
        progress.close()
        if not counts:
            raise GeostanceError(f"no examples found in {', '.join(map(str, source.inputs)) or 'the input'}")
        if options.strict and (report.problems or source.read_issues):
            first = [f"{i.get('origin')}: {i['kind']} {i.get('label')!r} {i.get('text', '')!r}: {i['reason']}"
                     for i in report.items[:5]] + source.read_issues[:5]
            raise GeostanceError(f"--strict: {report.problems} span(s) not taken exactly as given and "
                                 f"{len(source.read_issues)} input repair(s); first: " + "; ".join(first))

        alignment = report.as_dict()
        alignment["read_issues"] = source.read_issues
        info = {
            "fingerprint": fp, "builder_version": BUILDER_VERSION, "source": source.kind,
            "inputs": [str(p) for p in source.inputs], "policy": options.policy.value, "strict": options.strict,
            "split_ratios": options.ratios, "seed": options.seed, "settings": options.settings,
            "counts": counts, "label_distribution": label_dist, "alignment": report.summary(),
            "read_issues": len(source.read_issues),
            **{k: v.materialise() if hasattr(v, "materialise") else v for k, v in source.extra.items()},
        }
        # Files inside the staging directory need no per-file atomicity: the whole directory replaces the old
        # one in one rename below.
        _write(stage / "alignment_report.json", alignment)
        _write(stage / "alignment_report.md", render_alignment_markdown(alignment))
        for name, obj in source.extra_files.items():
            _write(stage / name, obj)
        _write(stage / "README.md", render_card(info, features_desc))
        _write(stage / "build_info.json", info)
        replace_dir(stage, out_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return BuildResult(out_dir, fp, counts, report.summary())


def _write(path: Path, obj: Any) -> None:
    if isinstance(obj, bytes):
        path.write_bytes(obj)
    elif isinstance(obj, str):
        path.write_text(obj, encoding="utf-8")
    elif path.suffix == ".jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in obj)
    else:
        path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def _value_counts(arr: pa.Array) -> tuple[list[int], list[int]]:
    if len(arr) == 0:
        return [], []
    vc = arr.value_counts()
    return vc.field("values").to_pylist(), vc.field("counts").to_pylist()
