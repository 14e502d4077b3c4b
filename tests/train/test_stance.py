import json
import shutil
import zipfile

import numpy as np
import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from geostance.errors import GeostanceError
from geostance.runtime.stance_component import (
    UntrustedModelError,
    load_stance_model,
    mark_mentions,
    predict_stance,
    stance_inputs,
    stance_margins,
)
from geostance.train.data import load_task, stance_rows
from geostance.train.stance import build_pipeline, load_stance_dir, train_stance


def test_pipeline_has_named_steps():
    pipe = build_pipeline("global")
    assert list(pipe.named_steps) == ["features", "clf"]
    assert [name for name, _, _ in pipe.named_steps["features"].transformers] == [
        "word",
        "char",
        "target",
        "target_words",
    ]
    assert [name for name, _, _ in build_pipeline("per_target").named_steps["features"].transformers] == [
        "word",
        "char",
    ]


def test_target_mentions_are_marked():
    assert (
        mark_mentions("Hillary Clinton spoke; hillary won.", "Hillary Clinton")
        == "tgtmention Hillary tgtmention Clinton spoke; tgtmention hillary won."
    )
    X = stance_inputs(["New sanctions on Russia"], ["sanctions"])
    assert X.shape == (1, 3)
    assert X[0, 0] == "New tgtmention sanctions on Russia"
    assert X[0, 1] == "sanctions"
    assert X[0, 2].split() == ["sanctions__new", "sanctions__sanctions", "sanctions__on", "sanctions__russia"]


def test_meta_records_everything_and_models_predict(models):
    bundle, meta = load_stance_dir(models["stance"])
    assert meta["dataset_fingerprint"] == "sha256:test-fixture"
    assert meta["labels"] == ["FAVOR", "AGAINST", "NONE"]
    assert meta["versions"]["scikit-learn"]
    assert set(meta["scores"]) == {"global", "per_target", "ensemble"}
    assert meta["selected"] in ("global", "per_target", "ensemble")
    assert 0 <= meta["search"]["global"]["cv_score"] <= 1
    assert meta["search"]["global"]["best_params"]["clf__C"] in (0.3, 1.0)
    assert {"per_target:alliance", "per_target:sanctions"} <= set(meta["search"])
    texts, targets, gold, _ = stance_rows(load_task(models["data"], "stance").split("test"))
    for variant in ("global", "per_target", "ensemble"):
        predicted, scores = predict_stance(bundle, texts, targets, variant)
        accuracy = sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold)
        assert accuracy > 0.9, variant  # cue words decide the label in the fixture
        assert all(abs(sum(s.values()) - 1) < 1e-6 for s in scores)


def test_ensemble_margins_are_the_mean_of_the_global_and_per_target_margins(models):
    bundle, _ = load_stance_dir(models["stance"])
    texts, targets, _, _ = stance_rows(load_task(models["data"], "stance").split("test"))
    global_m, per_target_m, ensemble_m = (
        stance_margins(bundle, texts, targets, v) for v in ("global", "per_target", "ensemble")
    )
    assert not np.allclose(global_m, per_target_m)
    assert np.allclose(ensemble_m, (global_m + per_target_m) / 2)


def test_a_label_a_per_target_model_never_saw_keeps_the_global_margin(models):
    """A per-target model trained on two labels only: its missing column comes from the global model."""
    from sklearn.base import clone

    bundle, _ = load_stance_dir(models["stance"])
    texts, targets, gold, _ = stance_rows(load_task(models["data"], "stance").split("train"))
    key = next(iter(bundle["per_target"]))
    idx = [i for i, t in enumerate(targets) if t == key and gold[i] != "NONE"]
    two_label = clone(bundle["per_target"][key]).fit(
        stance_inputs([texts[i] for i in idx], [key] * len(idx)), [gold[i] for i in idx]
    )
    narrowed = {**bundle, "per_target": {key: two_label}}
    rows = [i for i, t in enumerate(targets) if t == key]
    sample_texts, sample_targets = [texts[i] for i in rows], [targets[i] for i in rows]
    per_target_m = stance_margins(narrowed, sample_texts, sample_targets, "per_target")
    global_m = stance_margins(narrowed, sample_texts, sample_targets, "global")
    none = bundle["labels"].index("NONE")
    assert np.allclose(per_target_m[:, none], global_m[:, none])
    assert not np.isnan(per_target_m).any()
    _, scores = predict_stance(narrowed, sample_texts, sample_targets, "ensemble")
    assert all(abs(sum(s.values()) - 1) < 1e-6 and set(s) == {"FAVOR", "AGAINST", "NONE"} for s in scores)


def test_without_dev_split_the_variants_are_compared_out_of_fold(tmp_path, small_dataset):
    import datasets

    stance = datasets.load_from_disk(str(small_dataset / "stance"))
    no_dev = tmp_path / "nodev"
    datasets.DatasetDict({"train": stance["train"], "test": stance["test"]}).save_to_disk(str(no_dev / "stance"))
    result = train_stance(no_dev, tmp_path / "stance", param_grid={"clf__C": [1.0]}, n_splits=3)
    assert {s["checked_on"] for s in result.scores.values()} == {"out-of-fold on train"}
    assert all(s["n"] == len(stance["train"]) for s in result.scores.values())


def test_model_file_is_deflated(models):
    """skops stores the TF-IDF vocabularies as JSON in schema.json; stored plain, the file was ~100 MB."""
    with zipfile.ZipFile(models["stance"] / "model.skops") as archive:
        assert {item.compress_type for item in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        schema = archive.getinfo("schema.json")
        assert schema.compress_size < schema.file_size / 5


def test_model_with_an_unexpected_type_is_refused(tmp_path, models):
    bundle, _ = load_stance_dir(models["stance"])
    bundle["global"].steps.insert(0, ("pre", FunctionTransformer(func=print)))
    evil = tmp_path / "model.skops"
    sio.dump(bundle, evil)
    with pytest.raises(UntrustedModelError, match="FunctionTransformer"):
        load_stance_model(evil)


def test_tampered_file_is_refused_before_anything_is_built(tmp_path, models):
    """Rewrite one class in a saved file's schema to `os.system`; the loader refuses it by its type list."""
    source = models["stance"] / "model.skops"
    tampered_dir = tmp_path / "stance"
    shutil.copytree(models["stance"], tampered_dir)
    tampered = tampered_dir / "model.skops"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(tampered, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "schema.json":
                schema = json.loads(data)
                text = json.dumps(schema).replace(
                    '"__class__": "LinearSVC", "__module__": "sklearn.svm._classes"',
                    '"__class__": "system", "__module__": "os"',
                    1,
                )
                assert text != json.dumps(schema)
                data = text.encode()
            zout.writestr(item, data)
    with pytest.raises(UntrustedModelError, match=r"os\.system"):
        load_stance_model(tampered)
    with pytest.raises(GeostanceError, match="refusing to load"):
        load_stance_dir(tampered_dir)


def _open_ended_dataset(root):
    """Hundreds of user-made targets with a row or two each, plus two with enough rows: one with all three labels,
    one with only FAVOR and NONE (the two-class case that broke the per-target search)."""
    import random

    import datasets
    from datasets import ClassLabel, Features, Value

    from tests.train.fixtures import STANCE_CUES

    rng = random.Random(7)
    rows = []

    def add(target, label):
        n = len(rows)
        rows.append(
            {
                "id": f"r{n}",
                "article_id": f"a{n % 97}",
                "unit_id": f"r{n}",
                "target": target,
                "proposition": "",
                "label": label,
                "text": f"Tokyo {rng.choice(STANCE_CUES[label])} {target} in a statement.",
            }
        )

    for k in range(300):
        for _ in range(rng.choice((1, 2))):
            add(f"topic number {k}", rng.choice(["FAVOR", "AGAINST", "NONE"]))
    for i in range(45):
        add("the sanctions", ["FAVOR", "AGAINST", "NONE"][i % 3])
        add("the summit", ["FAVOR", "NONE"][i % 2])
    features = Features(
        {name: Value("string") for name in ("id", "article_id", "unit_id", "text", "target", "proposition")}
        | {"label": ClassLabel(names=["FAVOR", "AGAINST", "NONE"])}
    )
    datasets.DatasetDict({"train": datasets.Dataset.from_list(rows, features=features)}).save_to_disk(
        str(root / "stance")
    )
    return root


def test_open_ended_targets_train_a_global_model_and_per_target_models_where_data_suffices(tmp_path):
    data = _open_ended_dataset(tmp_path / "open")
    result = train_stance(data, tmp_path / "stance", param_grid={"clf__C": [0.3, 1.0]}, n_splits=3)
    bundle, meta = load_stance_dir(result.out_dir)
    assert meta["per_target_models"] == ["the sanctions", "the summit"]
    assert sorted(bundle["per_target"]) == ["the_sanctions", "the_summit"]
    assert len(meta["per_target_fallbacks"]) == 300
    assert meta["per_target_fallbacks"]["topic number 0"].endswith("(fewer than 20): served by the global model")
    assert 0 <= meta["search"]["per_target:the summit"]["cv_score"] <= 1
    predicted, _ = predict_stance(bundle, ["Tokyo welcomes the summit in a statement."], ["the summit"], "per_target")
    assert predicted in (["FAVOR"], ["NONE"])


@pytest.fixture(scope="module")
def toy_model_file(tmp_path_factory):
    """A small stance bundle saved with skops (a linear SVM fitted on a dozen rows, a second)."""
    from geostance.runtime.stance_component import dump_stance_model

    texts, targets = ["a good deal", "a bad idea", "fine thing", "awful plan"] * 3, ["x", "y"] * 6
    model = build_pipeline("global").fit(stance_inputs(texts, targets), ["FAVOR", "AGAINST"] * 6)
    path = tmp_path_factory.mktemp("toy") / "model.skops"
    dump_stance_model(
        {
            "selected": "global",
            "global": model,
            "per_target": {},
            "labels": ["FAVOR", "AGAINST"],
            "targets": ["x", "y"],
        },
        path,
    )
    return path


def _rezip(source, out, *, schema=None, drop=None, replace=None):
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            if item.filename == drop:
                continue
            data = zin.read(item.filename)
            if item.filename == "schema.json" and schema is not None:
                data = schema(data)
            zout.writestr(item, (replace or {}).get(item.filename, data))
    return out


def _written(path, data):
    path.write_bytes(data)
    return path


def _set_first(key, value):
    def edit(data):
        tree = json.loads(data)
        stack = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, dict) and key in node:
                node[key] = value
                break
            stack.extend(node.values() if isinstance(node, dict) else node if isinstance(node, list) else [])
        return json.dumps(tree).encode()

    return edit


TAMPERING = {
    "truncated": lambda src, out: _written(out, src.read_bytes()[: src.stat().st_size // 2]),
    "empty": lambda src, out: _written(out, b""),
    "schema.json removed": lambda src, out: _rezip(src, out, drop="schema.json"),
    "schema.json not JSON": lambda src, out: _rezip(src, out, schema=lambda b: b"{not json"),
    "schema.json a list": lambda src, out: _rezip(src, out, schema=lambda b: b"[]"),
    "schema.json a string": lambda src, out: _rezip(src, out, schema=lambda b: b'"x"'),
    "schema.json empty": lambda src, out: _rezip(src, out, schema=lambda b: b"{}"),
    "schema.json nested deep": lambda src, out: _rezip(src, out, schema=lambda b: b"[" * 100000 + b"]" * 100000),
    "unknown protocol": lambda src, out: _rezip(src, out, schema=_set_first("protocol", 999)),
    "unknown loader": lambda src, out: _rezip(src, out, schema=_set_first("__loader__", "NoSuchLoader")),
    "content a string": lambda src, out: _rezip(src, out, schema=_set_first("content", "x")),
    "class an integer": lambda src, out: _rezip(src, out, schema=_set_first("__class__", 5)),
    "module a list": lambda src, out: _rezip(src, out, schema=_set_first("__module__", ["os"])),
    "shape a string": lambda src, out: _rezip(src, out, schema=_set_first("shape", "x")),
    "array file removed": lambda src, out: _rezip(src, out, drop=_first_npy(src)),
    "array file garbage": lambda src, out: _rezip(src, out, replace={_first_npy(src): b"garbage"}),
    "class outside the list": lambda src, out: _rezip(
        src, out, schema=lambda b: b.replace(b'"LinearSVC"', b'"NoSuch"', 1)
    ),
}


def _first_npy(path):
    with zipfile.ZipFile(path) as archive:
        return next(n for n in archive.namelist() if n.endswith(".npy"))


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_every_kind_of_tampering_is_a_clean_refusal(tmp_path, toy_model_file, kind):
    tampered = TAMPERING[kind](toy_model_file, tmp_path / "model.skops")
    with pytest.raises(UntrustedModelError) as err:
        load_stance_model(tampered)
    assert str(err.value).startswith(f"{tampered}: ") and "\n" not in str(err.value)
    assert load_stance_model(toy_model_file)["selected"] == "global"  # the untouched file still loads
