"""Batch prediction over many files, cut into partitions that any engine runs: in this process (`local`) or on a
Dask cluster (`dask`). Each partition becomes one Parquet file, written atomically; a manifest and `_SUCCESS`
close a finished job.

- `partitions`: planning (which bytes / row groups / articles make one partition) and reading one partition;
- `output`: the Parquet schema, atomic partition files, the manifest, reading predictions back;
- `job`: the partition task (runs anywhere) and `run_job` (plans, skips finished partitions, runs the rest);
- `engines`: the local and Dask implementations of `job.PredictEngine`.
"""
