"""Partition planning and reading, without a model or a cluster: every line, row and article exactly once."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geostance.batch.engines import LocalEngine
from geostance.batch.job import PredictJob, run_job
from geostance.batch.partitions import line_ranges, plan_partitions, read_partition
from geostance.errors import GeostanceError
from geostance.predict import ModelSpec, read_file, read_inputs

LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=12)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(LINE, max_size=40), rows=st.integers(1, 9), final_newline=st.booleans())
def test_line_ranges_cover_every_line_once(tmp_path_factory, lines, rows, final_newline):
    path = tmp_path_factory.mktemp("lines") / "in.txt"
    data = "".join(line + "\n" for line in lines)
    if lines and lines[-1] and not final_newline:
        data = data[:-1]  # a last line without its newline is still a line
    path.write_bytes(data.encode("utf-8"))
    ranges = list(line_ranges(path, rows))
    assert [r[0] for r in ranges[1:]] == [r[1] for r in ranges[:-1]]  # contiguous
    assert (ranges[0][0], ranges[-1][1]) == (0, len(data.encode())) if ranges else data == ""
    assert all(n <= rows for *_, n in ranges) and sum(n for *_, n in ranges) == len(lines)
    whole = read_file(path, skip_bad=True)
    parts = [read_partition(p, skip_bad=True) for p in plan_partitions([path], rows, "salt")]
    assert [(i.id, i.text, i.source) for p in parts for i in p.items] == [(i.id, i.text, i.source) for i in whole.items]


def test_jsonl_partitions_keep_file_line_numbers_in_errors(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        "".join(json.dumps({"text": f"Text {i}."}) + "\n" for i in range(7))
        + "{oops\n"
        + json.dumps({"text": "Last."})
        + "\n",
        encoding="utf-8",
    )
    plan = plan_partitions([path], 3, "salt")
    assert [(p.first_line, p.size_hint) for p in plan] == [(1, 3), (4, 3), (7, 3)]
    with pytest.raises(GeostanceError, match=rf"^{path}:8: bad JSON"):
        read_partition(plan[2])
    assert [i.id for i in read_partition(plan[2], skip_bad=True).items] == ["in:7", "in:9"]


def test_parquet_input_by_row_groups_with_row_numbers(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "in.parquet"
    texts = [f"Text number {i}." for i in range(10)]
    texts[6] = None
    table = pa.table({"id": [f"a{i}" for i in range(10)], "text": texts, "outlet": ["x"] * 10})
    pq.write_table(table, path, row_group_size=3)  # row groups of 3, 3, 3, 1 rows
    plan = plan_partitions([path], 5, "salt")
    assert [(p.start, p.stop, p.first_line) for p in plan] == [(0, 2, 1), (2, 4, 7)]
    with pytest.raises(GeostanceError, match=rf"^{path}:7: no text: each row needs"):
        read_partition(plan[1])
    items = [i for p in plan for i in read_partition(p, skip_bad=True).items]
    assert [i.id for i in items] == [f"a{i}" for i in range(10) if i != 6]
    assert items[0].meta == {"outlet": "x"} and items[0].source == f"{path}:1"
    assert [i.id for i in read_inputs([path], skip_bad=True).items] == [i.id for i in items]


def test_corpus_articles_are_grouped_each_once(repo_root):
    articles = repo_root / "corpus" / "articles"
    plan = plan_partitions([articles], 60, "salt")
    names = [n for p in plan for n in p.names]
    assert names == [str(p) for p in sorted(articles.glob("*.md"))]
    first = sorted(articles.glob("*.md"))[0]
    assert plan_partitions([articles, first], 60, "salt") == plan  # a file named twice is read once
    assert 3 < len(plan) < len(names) / 2  # articles are grouped: far fewer partitions than articles
    assert len({p.file_name for p in plan}) == len(plan)
    # the output names depend on the salt (model fingerprint, settings): another model writes other files
    assert not {p.file_name for p in plan} & {p.file_name for p in plan_partitions([articles], 60, "other")}


def test_an_out_folder_with_foreign_files_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (tmp_path / "in.txt").write_text("Russia.\n")
    with pytest.raises(GeostanceError, match="notes.txt.*choose an empty or new --out folder"):
        run_job(PredictJob([tmp_path / "in.txt"], out, ModelSpec(model="en_geostance")), LocalEngine())


def test_engine_options_that_contradict_each_other_are_refused():
    from geostance.batch.engines import make_engine

    with pytest.raises(GeostanceError, match="--scheduler needs --engine dask"):
        make_engine("local", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(GeostanceError, match="--workers sizes a LocalCluster"):
        make_engine("dask", scheduler="tcp://127.0.0.1:8786", workers=2)
    with pytest.raises(GeostanceError, match="unknown engine 'ray'"):
        make_engine("ray")
