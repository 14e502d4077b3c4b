import datasets
import pyarrow.parquet as pq

from geostance.dataset.features import stance_features
from geostance.dataset.write import ParquetSplit, save_task


def _rows(first, n):
    return {
        "id": [str(i) for i in range(first, first + n)],
        "article_id": ["a"] * n,
        "unit_id": ["u"] * n,
        "text": ["t"] * n,
        "target": [""] * n,
        "proposition": [""] * n,
        "label": [i % 3 for i in range(n)],
    }


def test_splits_stream_into_parquet_and_become_a_dataset_dict_in_split_order(tmp_path):
    features = stance_features(["FAVOR", "AGAINST", "NONE"])
    splits = {
        "test": ParquetSplit(tmp_path / "parquet" / "test.parquet", features),
        "train": ParquetSplit(tmp_path / "parquet" / "train.parquet", features),
    }
    splits["train"].write(_rows(0, 3))
    splits["test"].write(_rows(100, 1))
    splits["train"].write(_rows(3, 2))  # a second batch goes after the first
    save_task(tmp_path / "stance", features, splits, progress=False)
    dd = datasets.load_from_disk(str(tmp_path / "stance"))
    assert list(dd) == ["train", "test"] and splits["train"].count == 5
    assert dd["train"]["id"] == ["0", "1", "2", "3", "4"] and dd["train"].features == features
    assert pq.read_table(splits["train"].path).num_rows == 5
    loaded = datasets.load_dataset("parquet", data_files={"train": str(splits["train"].path)})["train"]
    assert loaded.features == features  # the ClassLabel travels in the Parquet schema
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parquet", "stance"]  # the cache is gone
