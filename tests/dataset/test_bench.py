from geostance.dataset.bench import bench_build, synthetic_rows


def test_synthetic_rows_spans_point_at_their_entities():
    for row in synthetic_rows(50):
        for start, end, label in row["entities"]:
            surface = row["text"][start:end]
            assert surface and surface == surface.strip() and label.isupper()


def test_bench_build_smoke():
    result = bench_build(40)
    assert result["n_units"] == 40 and result["tokens"] > 40 * 30
    assert sum(result["rows"]["ner"].values()) == 40 and sum(result["rows"]["stance"].values()) == 40
    assert result["tokenise_s"] > 0 and result["build_s"] > 0
    assert result["ratio"] > 0  # (the times are rounded for the report; the ratio is from the exact ones)
    assert result["build_peak_mb"] >= 0 and result["tokenise_peak_mb"] >= 0
