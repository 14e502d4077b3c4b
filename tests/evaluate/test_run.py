import json

import pytest
from typer.testing import CliRunner

from geostance.cli import build_app
from geostance.errors import GeostanceError
from geostance.evaluate.run import evaluate

PNG = b"\x89PNG\r\n\x1a\n"


def _in_unit(value):
    return isinstance(value, float) and 0.0 <= value <= 1.0


def test_metrics_json_has_the_interface_keys(tmp_path, models):
    result = evaluate(
        models["data"], tmp_path / "eval", ner_model=models["ner"], stance_model=models["stance"], resamples=200
    )
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert metrics == json.loads(json.dumps(result.metrics))
    ner, stance = metrics["ner"], metrics["stance"]
    for key in ("f1", "precision", "recall", "baseline_f1"):
        assert _in_unit(ner[key]), key
    assert ner["f1_ci"][0] <= ner["f1"] <= ner["f1_ci"][1]
    assert set(ner["per_label"]) == {"PERSON", "GPE", "ORG"}
    for key in ("macro_f1", "f_avg", "baseline_macro_f1"):
        assert _in_unit(stance[key]), key
    assert stance["macro_f1_ci"][0] <= stance["macro_f1"] <= stance["macro_f1_ci"][1]
    assert set(stance["per_target"]) == {"alliance", "sanctions"}
    assert set(stance["variants"]) == {"global", "per_target", "ensemble"}
    # the fixture's test split has names train never shows, so the model must beat the lookup baseline
    assert ner["f1"] > ner["baseline_f1"]
    assert stance["macro_f1"] > stance["baseline_macro_f1"]


def test_report_embeds_the_plots_that_exist(tmp_path, models):
    evaluate(models["data"], tmp_path, ner_model=models["ner"], stance_model=models["stance"], resamples=100)
    report = (tmp_path / "report.md").read_text()
    for png in ("stance_confusion.png", "ner_per_label.png"):
        assert f"]({png})" in report
        assert (tmp_path / png).read_bytes().startswith(PNG)
    assert "global" in report and "per_target" in report  # the variant comparison table
    assert "learning_curve.png" not in report


def test_either_model_may_be_left_out(tmp_path, models):
    only_stance = evaluate(models["data"], tmp_path / "s", stance_model=models["stance"], resamples=50).metrics
    assert "stance" in only_stance and "ner" not in only_stance
    assert not (tmp_path / "s" / "ner_per_label.png").exists()
    only_ner = evaluate(models["data"], tmp_path / "n", ner_model=models["ner"], resamples=50).metrics
    assert "ner" in only_ner and "stance" not in only_ner
    with pytest.raises(GeostanceError, match="nothing to evaluate"):
        evaluate(models["data"], tmp_path / "x")


@pytest.mark.slow
def test_learning_curve_writes_points_and_png(tmp_path, models):
    metrics = evaluate(
        models["data"],
        tmp_path,
        ner_model=models["ner"],
        stance_model=models["stance"],
        curve=True,
        curve_fractions=(0.25, 0.5, 1.0),
        resamples=50,
    ).metrics
    curve = metrics["learning_curve"]
    assert curve["fractions"] == [0.25, 0.5, 1.0]
    assert curve["ner_train_docs"] == [30, 60, 120]  # 5, 10, 20 of the 20 six-unit train articles
    assert curve["stance_train_rows"] == [30, 60, 120]
    assert all(_in_unit(v) for v in curve["ner_f1"] + curve["stance_macro_f1"])
    assert (tmp_path / "learning_curve.png").read_bytes().startswith(PNG)
    assert "](learning_curve.png)" in (tmp_path / "report.md").read_text()


def test_cli_evaluate_then_summary(tmp_path, models):
    runner = CliRunner()
    out = tmp_path / "eval"
    result = runner.invoke(
        build_app(),
        [
            "evaluate",
            "--ner-model",
            str(models["ner"]),
            "--stance-model",
            str(models["stance"]),
            "--data",
            str(models["data"]),
            "--split",
            "dev",
            "--out",
            str(out),
            "--resamples",
            "50",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads((out / "metrics.json").read_text())["split"] == "dev"
    summary = runner.invoke(build_app(), ["evaluate", "summary", "--metrics", str(out / "metrics.json")])
    assert summary.exit_code == 0, summary.output
    assert "NER micro-F1" in summary.output and "stance macro-F1" in summary.output
    missing = runner.invoke(build_app(), ["evaluate", "summary", "--metrics", str(tmp_path / "none.json")])
    assert missing.exit_code != 0


def test_dataset_without_train_split_is_evaluated_without_baselines(tmp_path, models):
    import datasets

    only_test = tmp_path / "only_test"
    for task in ("ner", "stance"):
        full = datasets.load_from_disk(str(models["data"] / task))
        datasets.DatasetDict({"test": full["test"]}).save_to_disk(str(only_test / task))
    metrics = evaluate(
        only_test, tmp_path / "eval", ner_model=models["ner"], stance_model=models["stance"], resamples=50
    ).metrics
    assert metrics["ner"]["baseline"] is None and "baseline_f1" not in metrics["ner"]
    assert metrics["stance"]["baseline"] is None
    assert _in_unit(metrics["ner"]["f1"]) and _in_unit(metrics["stance"]["macro_f1"])
    assert "| NER micro-F1 |" in (tmp_path / "eval" / "report.md").read_text()
