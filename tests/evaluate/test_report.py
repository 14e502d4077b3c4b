from geostance.evaluate.report import pct, render_report, summary_rows, with_ci
from tests.evaluate.fixtures import sample_metrics


def test_report_has_a_section_per_part_with_the_scores_in_percent():
    metrics = sample_metrics()
    ner, stance, news = metrics["ner"], metrics["stance"], metrics["realnews"]
    report = render_report(metrics)
    for heading in ("## Summary", "## Named entities", "## Named entities on real news", "## Stance"):
        assert f"\n{heading}\n" in report
    assert "## Learning curve" not in report
    model, baseline = with_ci(ner["f1"], ner["f1_ci"]), with_ci(ner["baseline_f1"], ner["baseline_f1_ci"])
    summary = f"| NER micro-F1 | {model} | {baseline} |"
    assert summary in report
    assert f"| ORG | 1 | {pct(0.0)} | {pct(0.0)} | {pct(0.0)} |" in report
    assert f"{ner['n_docs']} documents, {ner['n_gold']} gold entities, {ner['n_pred']} predicted" in report
    assert f"| all | {news['n_gold']} | {with_ci(news['precision'], news['precision_ci'])}" in report
    assert "labels mapped GPE→LOC; exact spans" in report
    alliance = stance["per_target"]["alliance"]
    assert f"| alliance | 3 | {with_ci(alliance['macro_f1'], alliance['macro_f1_ci'])} |" in report
    assert "| ensemble |" in report  # two variants: the comparison table is there
    assert "](ner_per_label.png)" in report and "](stance_confusion.png)" in report


def test_parts_and_plots_that_are_missing_are_left_out():
    metrics = sample_metrics()
    for part in ("ner", "realnews"):
        del metrics[part]
    metrics["plots"] = []
    metrics["stance"]["variants"] = {"global": metrics["stance"]["variants"]["global"]}
    report = render_report(metrics)
    assert "## Named entities" not in report and "NER micro-F1" not in report
    assert "](stance_confusion.png)" not in report and "| ensemble |" not in report
    assert [row[0] for row in summary_rows(metrics)] == ["stance macro-F1 (global)", "stance F_avg (global)"]


def test_learning_curve_table_lists_each_share_of_train():
    metrics = sample_metrics()
    metrics["learning_curve"] = {"fractions": [0.5, 1.0], "split": "test", "ner_f1": [0.5, 0.75]}
    metrics["plots"].append("learning_curve.png")
    report = render_report(metrics)
    assert "| share of train | 50% | 100% |" in report and "| NER F1 | 50.0 | 75.0 |" in report
    assert "](learning_curve.png)" in report
