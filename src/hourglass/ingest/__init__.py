"""Readers: tables (CSV/TSV/Parquet/JSONL, gzip too) and named datasets."""

from hourglass.ingest.datasets import DATASETS, DatasetSpec, demo_path, get_dataset
from hourglass.ingest.readers import atomic_output, read_table, write_table

__all__ = ["DATASETS", "DatasetSpec", "atomic_output", "demo_path", "get_dataset", "read_table",
           "write_table"]
