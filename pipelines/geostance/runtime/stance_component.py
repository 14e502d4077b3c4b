"""The stance model's runtime: input preparation, safe skops loading, prediction, and the spaCy component.

This module ships inside the `en_geostance` wheel (copied by `spacy package --code`), so it must import nothing
from geostance: only numpy, scikit-learn, skops and spaCy. Training imports its input preparation from here, so
training and every runtime (evaluate, predict, the wheel) prepare inputs the same way.

Component output (documented contract): `doc._.stance` is `{target: label}` for every target the model knows;
`doc.cats` holds `"<target>:<label>"` scores in [0, 1] that sum to 1 per target (a softmax over the selected
variant's decision values: a ranking, not a calibrated probability).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

FACTORY_NAME = "geostance_stance"
MODEL_FILE = "model.skops"
MENTION_MARKER = "tgtmention"
_WORD = re.compile(r"(?u)\b\w\w+\b")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "into",
        "over",
        "under",
        "are",
        "was",
        "were",
        "has",
        "have",
        "its",
        "not",
        "of",
        "in",
        "on",
        "to",
        "a",
        "an",
        "is",
    ]
)

# Types a stance model file may hold beyond those skops trusts by default. Anything else is refused before
# loading: a tampered or foreign file cannot make us construct arbitrary objects.
TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.list",
    "builtins.str",
    "builtins.tuple",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.NoneType",
    "builtins.slice",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.float32",
    "numpy.int64",
    "numpy.int32",
    "sklearn.pipeline.Pipeline",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.linear_model._logistic.LogisticRegression",
)


class UntrustedModelError(ValueError):
    """A model file holds a type outside TRUSTED_TYPES."""


# ---------------------------------------------------------------- inputs


def mention_terms(target: str) -> list[str]:
    """Words that mention a target: the target's own content words (`Hillary Clinton` → hillary, clinton)."""
    words = [w.lower() for w in _WORD.findall(target.replace("_", " "))]
    return [w for w in words if w not in _STOP and len(w) >= 3]


def mark_mentions(text: str, target: str) -> str:
    """Insert a marker token before each mention of the target, so n-grams see where the target is named."""
    terms = mention_terms(target)
    if not terms:
        return text
    pattern = re.compile(r"(?iu)\b(" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + r")")
    return pattern.sub(lambda m: f"{MENTION_MARKER} {m.group(0)}", text)


def target_key(target: str) -> str:
    return re.sub(r"\W+", "_", target.strip().lower()) or "_"


def conditioned_text(text: str, target: str) -> str:
    """Words prefixed with the target, so one linear model can learn target-specific word weights."""
    key = target_key(target)
    return " ".join(f"{key}__{w}" for w in _WORD.findall(text.lower()))


def stance_inputs(texts: Sequence[str], targets: Sequence[str]) -> np.ndarray:
    """The model's input matrix, one row per (text, target): [marked text, target key, target-conditioned text]."""
    if len(texts) != len(targets):
        raise ValueError(f"{len(texts)} texts but {len(targets)} targets")
    rows = [[mark_mentions(t, g), target_key(g), conditioned_text(t, g)] for t, g in zip(texts, targets, strict=True)]
    return np.array(rows, dtype=object).reshape(len(rows), 3)


# ---------------------------------------------------------------- model file


def dump_stance_model(bundle: dict[str, Any], path: str | Path) -> None:
    import zipfile

    import skops.io as sio

    # skops writes the TF-IDF vocabularies into schema.json as JSON nodes: ~100 MB stored, ~3 MB deflated.
    sio.dump(bundle, str(path), compression=zipfile.ZIP_DEFLATED, compresslevel=6)


def types_in(path: str | Path) -> set[str]:
    """Every type a skops file would construct: all object nodes in its schema, plus the types, functions and
    methods skops itself reports as not trusted by default."""
    import json
    import zipfile

    import skops.io as sio

    try:
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise UntrustedModelError(f"{path}: not a skops model file ({exc})") from None
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "__class__" in node and "__module__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found | set(sio.get_untrusted_types(file=str(path)))


def load_stance_model(path: str | Path) -> dict[str, Any]:
    """Load a stance bundle, refusing any file that holds a type outside TRUSTED_TYPES (checked before anything
    is constructed)."""
    import skops.io as sio

    try:
        found = types_in(path)
        unexpected = sorted(found - set(TRUSTED_TYPES))
        if unexpected:
            raise UntrustedModelError(f"{path}: refusing to load: types outside the trusted list: {unexpected}")
        bundle = sio.load(str(path), trusted=sorted(found))
    except UntrustedModelError:
        raise
    except Exception as exc:
        # A damaged or tampered file fails inside zipfile, json or skops in many ways (KeyError, TypeError,
        # AttributeError, ValueError, RecursionError...): each means "not a model we load", said in one line.
        reason = " ".join(str(exc).split())[:160]
        raise UntrustedModelError(f"{path}: not a valid stance model file ({type(exc).__name__}: {reason})") from None
    if not isinstance(bundle, dict) or "selected" not in bundle or "global" not in bundle:
        raise UntrustedModelError(f"{path}: not a geostance stance model (expected a dict with 'selected', 'global')")
    return bundle


# ---------------------------------------------------------------- prediction

STANCE_VARIANTS = ("global", "per_target", "ensemble")


def _column_features(model: Any, X: np.ndarray) -> Any:
    """`model[:-1].transform(X)`, with each text column vectorised once per distinct string.

    A unit's text is repeated once per target, and its marked form differs between targets only where it names
    one, so most rows share their column-0 string: vectorising the distinct strings (the n-gram TF-IDF is most of
    the stance cost) and gathering rows gives the same matrix for a fraction of the work."""
    import scipy.sparse as sp

    features = model.named_steps.get("features") if hasattr(model, "named_steps") else None
    if features is None or not hasattr(features, "transformers_") or len(model.steps) != 2:
        return None
    blocks = []
    for _name, transformer, columns in features.transformers_:
        if isinstance(transformer, str):  # "drop" (the remainder); "passthrough" is not used by the trainer
            if transformer == "drop":
                continue
            return None
        if isinstance(columns, (int, np.integer)):
            distinct, rows = np.unique(X[:, columns], return_inverse=True)
            blocks.append(sp.csr_matrix(transformer.transform(distinct))[rows.ravel()])
        else:
            blocks.append(sp.csr_matrix(transformer.transform(X[:, columns])))
    return sp.hstack(blocks, format="csr")


def model_margins(model: Any, X: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Decision values, one column per label in `labels` order; NaN for labels the model was not trained on."""
    features = _column_features(model, X) if len(X) else None
    raw = np.asarray(
        model.decision_function(X) if features is None else model[-1].decision_function(features), dtype=float
    )
    classes = [str(c) for c in model.classes_]
    if raw.ndim == 1:  # binary SVM: margin for classes_[1]
        raw = np.stack([-raw, raw], axis=1)
    out = np.full((raw.shape[0], len(labels)), np.nan)
    for j, label in enumerate(classes):
        out[:, list(labels).index(label)] = raw[:, j]
    return out


def stance_margins(
    bundle: dict[str, Any], texts: Sequence[str], targets: Sequence[str], variant: str | None = None
) -> np.ndarray:
    """Decision values (rows × bundle labels) of a variant. `ensemble` averages the global and the
    per-target model; per-target models fall back to the global model for targets they were not trained on."""
    variant = variant or bundle["selected"]
    if variant not in STANCE_VARIANTS:
        raise ValueError(f"unknown stance variant {variant!r}; choose from {list(STANCE_VARIANTS)}")
    labels = bundle["labels"]
    X = stance_inputs(texts, targets)
    global_margins = model_margins(bundle["global"], X, labels) if len(texts) else np.empty((0, len(labels)))
    if variant == "global":
        return global_margins
    per_target = global_margins.copy()
    for key, model in bundle.get("per_target", {}).items():
        idx = [i for i, t in enumerate(targets) if target_key(t) == key]
        if idx:
            own = model_margins(model, X[idx], labels)
            # A label the per-target model never saw keeps the global model's margin.
            per_target[idx] = np.where(np.isnan(own), global_margins[idx], own)
    return per_target if variant == "per_target" else (global_margins + per_target) / 2


def decide(margins: np.ndarray, labels: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Labels (argmax of the margins) and softmax scores; a label no model knows scores 0."""
    shifted = np.where(np.isnan(margins), -np.inf, margins)
    if shifted.shape[0] == 0:
        return [], shifted
    exp = np.exp(shifted - shifted.max(axis=1, keepdims=True))
    probs = exp / exp.sum(axis=1, keepdims=True)
    return [labels[int(j)] for j in np.argmax(shifted, axis=1)], probs


def predict_stance(
    bundle: dict[str, Any], texts: Sequence[str], targets: Sequence[str], variant: str | None = None
) -> tuple[list[str], list[dict[str, float]]]:
    """Labels and per-label scores for each (text, target). `variant`: global, per_target or ensemble (default:
    the bundle's selected one)."""
    if len(texts) != len(targets):
        raise ValueError(f"{len(texts)} texts but {len(targets)} targets")
    variant = variant or bundle["selected"]
    labels = list(bundle["labels"])
    predicted, probs = decide(stance_margins(bundle, texts, targets, variant), labels)
    return predicted, [{label: float(p) for label, p in zip(labels, row, strict=True)} for row in probs]


# ---------------------------------------------------------------- spaCy component


class StanceComponent:
    """Sets `doc._.stance` ({target: label}) and `doc.cats` ("<target>:<label>" scores) for every known target."""

    def __init__(self, nlp: Any, name: str, targets: Iterable[str] = ()) -> None:
        self.name = name
        self.targets = list(targets)
        self.bundle: dict[str, Any] | None = None
        self._source: Path | None = None  # the model file, copied on to_disk

    def set_model(self, model_path: str | Path) -> None:
        self.bundle = load_stance_model(model_path)
        if not self.targets:
            self.targets = list(self.bundle.get("targets", []))

    def __call__(self, doc: Any) -> Any:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Any], batch_size: int = 128) -> Iterable[Any]:
        if self.bundle is None:
            raise ValueError(f"{self.name}: no stance model loaded (call set_model or load from disk)")
        batch: list[Any] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._annotate(batch)
                batch = []
        if batch:
            yield from self._annotate(batch)

    def _annotate(self, docs: list[Any]) -> list[Any]:
        assert self.bundle is not None  # pipe() checked it
        texts = [doc.text for doc in docs for _ in self.targets]
        targets = [t for _ in docs for t in self.targets]
        labels, scores = predict_stance(self.bundle, texts, targets) if texts else ([], [])
        k = 0
        for doc in docs:
            stance = {}
            for target in self.targets:
                stance[target] = labels[k]
                for label, score in scores[k].items():
                    doc.cats[f"{target}:{label}"] = score
                k += 1
            doc._.stance = stance
        return docs

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        import json
        import shutil

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        target = path / MODEL_FILE
        if self._source is not None and not (target.exists() and target.samefile(self._source)):
            shutil.copyfile(self._source, target)
        (path / "targets.json").write_text(json.dumps(self.targets), encoding="utf-8")

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> StanceComponent:
        import json

        path = Path(path)
        self.targets = json.loads((path / "targets.json").read_text(encoding="utf-8"))
        self.set_model(path / MODEL_FILE)
        self._source = path / MODEL_FILE
        return self

    def load_model_file(self, model_path: str | Path) -> None:
        """Attach a skops model file (checked against TRUSTED_TYPES); it is copied on `to_disk`."""
        self.set_model(model_path)
        self._source = Path(model_path)


def make_stance_component(nlp: Any, name: str, targets: list[str]) -> StanceComponent:
    return StanceComponent(nlp, name, targets)


def _register() -> None:
    from spacy.language import Language
    from spacy.tokens import Doc

    if not Doc.has_extension("stance"):
        Doc.set_extension("stance", default=None)
    try:
        Language.factory(FACTORY_NAME, default_config={"targets": []}, assigns=["doc._.stance", "doc.cats"])(
            make_stance_component
        )
    except ValueError:
        # Already registered by the other copy of this module (geostance's own and the wheel's may both be
        # imported in one process); they are the same code, so the first registration serves both.
        pass


_register()
