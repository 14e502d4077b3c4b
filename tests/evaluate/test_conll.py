"""`evaluate` on a dataset built from CoNLL files by the dataset builder: labels come from the data (PER, LOC...)."""

import json

import pytest

from geostance.dataset.build import BuildOptions, build_dataset
from geostance.dataset.inputs import SplitFiles
from geostance.dataset.inputs.conll import ConllInput
from geostance.evaluate.run import evaluate
from geostance.train.ner import train_ner
from tests.train.fixtures import FAST_NER

PEOPLE = ["Clinton", "Yeltsin", "Kohl", "Major", "Chirac"]
PLACES = ["Germany", "Russia", "France", "Britain", "Japan"]
ORGS = ["EU", "NATO", "UN", "IMF"]


def _conll(path, n_docs, seed):
    import random

    rng = random.Random(seed)
    lines = ["-DOCSTART- -X- O O", ""]
    for d in range(n_docs):
        if d:
            lines += ["-DOCSTART- -X- O O", ""]
        for _ in range(4):
            who, where, org = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(ORGS)
            # IOB1 as in eng.train: I- tags, no B- unless two entities of a type touch
            for word, tag in (
                (who, "I-PER"),
                ("told", "O"),
                (org, "I-ORG"),
                ("officials", "O"),
                ("in", "O"),
                (where, "I-LOC"),
                (".", "O"),
            ):
                lines.append(f"{word} NNP I-NP {tag}")
            lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_evaluate_on_a_dataset_built_from_conll(tmp_path, repo_root):
    files = {
        split: _conll(tmp_path / f"eng.{split}", n, seed)
        for split, n, seed in (("train", 12, 0), ("dev", 3, 1), ("test", 4, 2))
    }
    data = tmp_path / "dataset"
    build_dataset(
        ConllInput(SplitFiles(train=[files["train"]], dev=[files["dev"]], test=[files["test"]])),
        data,
        BuildOptions(progress=False),
    )
    train_ner(data, tmp_path / "ner", repo_root / "pipelines" / "configs" / "ner.cfg", overrides=dict(FAST_NER))
    metrics = evaluate(data, tmp_path / "eval", ner_model=tmp_path / "ner", resamples=100).metrics
    ner = metrics["ner"]
    assert set(ner["per_label"]) == {"PER", "LOC", "ORG"}
    assert ner["n_gold"] == 4 * 4 * 3
    assert ner["f1"] > 0.9 and ner["f1_ci"][0] <= ner["f1"] <= ner["f1_ci"][1]
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text())["ner"]["baseline_f1"] == ner["baseline_f1"]
