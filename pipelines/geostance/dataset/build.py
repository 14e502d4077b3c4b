"""Build a dataset from a `DatasetInput`: split, align, write, report.

One pass over the input's records: each record gets its split (the input's, or its article's hash), NER records
are aligned in batches (`Aligner`, spaCy's tokenizer), and every batch of rows goes into the Parquet file of its
task and split. Then `save_task` makes each task's DatasetDict from those files with the `datasets` API, and the
alignment report, adjudication and agreement files, card and build info are written beside it. The whole folder
is built in a staging folder that replaces the old one in one swap, and a build whose fingerprint (inputs, schema,
settings) matches the existing one is skipped.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geostance.dataset.align import Aligner, AlignmentReport, AlignPolicy
from geostance.dataset.features import ner_features, stance_features
from geostance.dataset.inputs import DatasetInput, InputSummary
from geostance.dataset.records import NerRecord, StanceRecord
from geostance.dataset.splits import DEFAULT_SEED, DEFAULT_SPLIT_RATIOS, SPLITS, SplitAssigner, parse_ratios
from geostance.dataset.write import ParquetSplit, save_task, system_allocator
from geostance.errors import GeostanceError, InputError
from geostance.fileio import recover_dir, staged_dir

BUILDER_VERSION = 1
DEFAULT_BATCH = 2000


@dataclass
class BuildOptions:
    policy: AlignPolicy = AlignPolicy.expand
    strict: bool = False  # fail unless every span is taken exactly as given and nothing was repaired
    ratios: dict[str, float] = field(default_factory=lambda: parse_ratios(DEFAULT_SPLIT_RATIOS))
    seed: str = DEFAULT_SEED
    batch_size: int = DEFAULT_BATCH
    force: bool = False
    progress: bool = True


@dataclass
class BuildResult:
    out_dir: Path
    fingerprint: str
    counts: dict[str, dict[str, int]]
    alignment: dict[str, Any]
    skipped: bool = False


def fingerprint(data: DatasetInput, options: BuildOptions) -> str:
    """sha256 over every input's bytes, the schema, the policy and the reader settings."""
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {
                "builder": BUILDER_VERSION,
                "kind": data.kind,
                "policy": options.policy.value,
                "strict": options.strict,
                "ratios": options.ratios,
                "seed": options.seed,
                "settings": data.settings,
            },
            sort_keys=True,
            default=str,
        ).encode()
    )
    h.update(data.schema_text.encode())
    files: list[Path] = []
    for p in data.inputs:
        files.extend(sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p])
    for p in files:
        h.update(str(p.name).encode() + b"\x00")
        with open(p, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def blank_tokenizer() -> Any:
    """spaCy `blank:en` tokenizer, made once per process (making it takes longer than tokenising 1k units)."""
    import spacy

    return spacy.blank("en").tokenizer


class _OncePerUnit:
    """Refuses a second NER record for a unit, or a second stance record for a unit and target: the dataset would
    hold two rows (two answers) for one question. Whatever the input, the reader's origins name both."""

    def __init__(self) -> None:
        self.first: dict[tuple[str, ...], str] = {}

    def check(self, record: NerRecord | StanceRecord) -> None:
        if isinstance(record, NerRecord):
            key: tuple[str, ...] = (record.unit_id,)
            what = f"unit {record.unit_id!r}"
        else:
            key = (record.unit_id, record.target)
            what = f"unit {record.unit_id!r} with stance target {record.target!r}"
        first = self.first.get(key)
        if first is None:
            self.first[key] = record.origin
            return
        again = " (the same input given twice?)" if first == record.origin else ""
        raise InputError(record.origin, f"{what} appears twice (also at {first}{again}); each may appear once")


class _TaskRows:
    """One task's records → its Parquet splits, a batch per split at a time (memory stays flat, and the tokenizer
    works fastest on batches)."""

    def __init__(self, stage: Path, task: str, features: Any, batch_size: int) -> None:
        self.stage, self.task, self.features, self.batch_size = stage, task, features, batch_size
        self.splits: dict[str, ParquetSplit] = {}
        self.label_counts: dict[str, Counter] = defaultdict(Counter)
        self._waiting: dict[str, list[Any]] = defaultdict(list)

    def add(self, record: Any, split: str) -> None:
        waiting = self._waiting[split]
        waiting.append(record)
        if len(waiting) >= self.batch_size:
            self._flush(split)

    def finish(self) -> None:
        for split in [s for s, waiting in self._waiting.items() if waiting]:
            self._flush(split)
        for parquet in self.splits.values():
            parquet.close()

    def _flush(self, split: str) -> None:
        batch, self._waiting[split] = self._waiting[split], []
        if split not in self.splits:
            self.splits[split] = ParquetSplit(self.stage / "parquet" / self.task / f"{split}.parquet", self.features)
        self.splits[split].write(self._columns(batch, self.label_counts[split]))

    def _columns(self, records: list[Any], label_counts: Counter) -> dict[str, list[Any]]:
        raise NotImplementedError


class _NerRows(_TaskRows):
    def __init__(self, stage: Path, labels: list[str], aligner: Aligner, batch_size: int) -> None:
        super().__init__(stage, "ner", ner_features(labels), batch_size)
        self.labels, self.aligner = labels, aligner

    def _columns(self, records: list[NerRecord], label_counts: Counter) -> dict[str, list[Any]]:
        units = self.aligner.align(records)
        for unit in units:
            label_counts.update(self.labels[label] for *_, label in unit.spans)
        return {
            "id": [r.id for r in records],
            "article_id": [r.article_id for r in records],
            "unit_id": [r.unit_id for r in records],
            "text": [r.text for r in records],
            "tokens": [u.tokens for u in units],
            "ner_tags": [u.tags for u in units],
            "spans": [
                {"start": [s[0] for s in u.spans], "end": [s[1] for s in u.spans], "label": [s[2] for s in u.spans]}
                for u in units
            ],
        }


class _StanceRows(_TaskRows):
    def __init__(self, stage: Path, labels: list[str], batch_size: int) -> None:
        super().__init__(stage, "stance", stance_features(labels), batch_size)
        self.label_ids = {name: i for i, name in enumerate(labels)}

    def _columns(self, records: list[StanceRecord], label_counts: Counter) -> dict[str, list[Any]]:
        for r in records:
            if r.label not in self.label_ids:
                raise InputError(r.origin, f"stance label {r.label!r} is not one of {list(self.label_ids)}")
        label_counts.update(r.label for r in records)
        return {
            "id": [r.id for r in records],
            "article_id": [r.article_id for r in records],
            "unit_id": [r.unit_id for r in records],
            "text": [r.text for r in records],
            "target": [r.target for r in records],
            "proposition": [r.proposition for r in records],
            "label": [self.label_ids[r.label] for r in records],
        }


def _rows_by_task(
    data: DatasetInput, stage: Path, options: BuildOptions, report: AlignmentReport
) -> dict[str, _TaskRows]:
    tasks: dict[str, _TaskRows] = {}
    if data.entity_labels is not None:
        aligner = Aligner(blank_tokenizer(), data.entity_labels, options.policy, report)
        tasks["ner"] = _NerRows(stage, data.entity_labels, aligner, options.batch_size)
    if data.stance_labels is not None:
        tasks["stance"] = _StanceRows(stage, data.stance_labels, options.batch_size)
    return tasks


def _route(records: Iterable[NerRecord | StanceRecord], tasks: dict[str, _TaskRows], assign: SplitAssigner) -> None:
    """Each record to its task and split, once."""
    once = _OncePerUnit()
    for record in records:
        once.check(record)
        task = "ner" if isinstance(record, NerRecord) else "stance"
        if task not in tasks:
            raise GeostanceError(f"the input has {task} records but no {task} labels were declared")
        split = record.split or assign(record.article_id)
        if split not in SPLITS:
            raise InputError(record.origin, f"unknown split {split!r}")
        tasks[task].add(record, split)
    for rows in tasks.values():
        rows.finish()


def _with_progress(records: Iterator[Any], shown: bool) -> Iterator[Any]:
    from tqdm import tqdm

    with tqdm(desc="building dataset", unit="records", disable=not shown, leave=False) as bar:
        for record in records:
            yield record
            bar.update()


def _refuse_changes(report: AlignmentReport, summary: InputSummary) -> None:
    """`--strict`: the build fails unless every span was taken exactly as given and the reader repaired nothing."""
    if report.problems or summary.read_issues:
        first = [
            f"{i.get('origin')}: {i['kind']} {i.get('label')!r} {i.get('text', '')!r}: {i['reason']}"
            for i in report.items[:5]
        ] + summary.read_issues[:5]
        raise GeostanceError(
            f"--strict: {report.problems} span(s) not taken exactly as given and "
            f"{len(summary.read_issues)} input repair(s); first: " + "; ".join(first)
        )


def _up_to_date(out_dir: Path, fp: str) -> BuildResult | None:
    info_path = out_dir / "build_info.json"
    if not info_path.is_file():
        return None
    try:
        old = json.loads(info_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    if old.get("fingerprint") != fp:
        return None
    info_path.touch()  # newer than its inputs again, so make sees the dataset as up to date
    return BuildResult(out_dir, fp, old.get("counts", {}), old.get("alignment", {}), skipped=True)


def build_dataset(data: DatasetInput, out_dir: str | Path, options: BuildOptions | None = None) -> BuildResult:
    """Build (or, when the fingerprint matches the existing build, skip) the dataset at `out_dir`."""
    options = options or BuildOptions()
    out_dir = Path(out_dir)
    recover_dir(out_dir)  # a build killed mid-swap left the previous dataset aside: bring it back first
    fp = fingerprint(data, options)
    skipped = None if options.force else _up_to_date(out_dir, fp)
    if skipped is not None:
        return skipped
    with staged_dir(out_dir) as stage, system_allocator():
        report = AlignmentReport(policy=options.policy.value)
        tasks = _rows_by_task(data, stage, options, report)
        _route(_with_progress(data.records(), options.progress), tasks, SplitAssigner(options.ratios, options.seed))
        summary = data.summary()
        if options.strict:
            _refuse_changes(report, summary)
        counts = {
            task: {s: rows.splits[s].count for s in SPLITS if s in rows.splits}
            for task, rows in tasks.items()
            if rows.splits
        }
        if not counts:
            raise GeostanceError(f"no examples found in {', '.join(map(str, data.inputs)) or 'the input'}")
        for task in counts:
            save_task(stage / task, tasks[task].features, tasks[task].splits, options.progress)
        info = _build_info(data, options, fp, counts, tasks, report, summary)
        _write_reports(stage, info, {t: tasks[t].features.to_dict() for t in counts}, report, summary)
    return BuildResult(out_dir, fp, counts, report.summary())


def _build_info(
    data: DatasetInput,
    options: BuildOptions,
    fp: str,
    counts: dict[str, dict[str, int]],
    tasks: dict[str, _TaskRows],
    report: AlignmentReport,
    summary: InputSummary,
) -> dict[str, Any]:
    label_distribution = {
        task: {s: dict(sorted(tasks[task].label_counts[s].items())) for s in per_split}
        for task, per_split in counts.items()
    }
    return {
        "fingerprint": fp,
        "builder_version": BUILDER_VERSION,
        "source": data.kind,
        "inputs": [str(p) for p in data.inputs],
        "policy": options.policy.value,
        "strict": options.strict,
        "split_ratios": options.ratios,
        "seed": options.seed,
        "settings": data.settings,
        "counts": counts,
        "label_distribution": label_distribution,
        "alignment": report.summary(),
        "read_issues": len(summary.read_issues),
        **summary.info,
    }


def _write_reports(
    stage: Path, info: dict[str, Any], features: dict[str, Any], report: AlignmentReport, summary: InputSummary
) -> None:
    """The files beside the datasets. Inside the staging folder, so none needs its own atomic write: the folder
    replaces the old one as a whole."""
    from geostance.dataset.card import render_alignment_markdown, render_card

    alignment = {**report.as_dict(), "read_issues": summary.read_issues}
    _write(stage / "alignment_report.json", alignment)
    _write(stage / "alignment_report.md", render_alignment_markdown(alignment))
    for name, content in summary.files.items():
        _write(stage / name, content)
    _write(stage / "README.md", render_card(info, features))
    _write(stage / "build_info.json", info)


def _write(path: Path, content: Any) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif path.suffix == ".jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in content)
    else:
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
