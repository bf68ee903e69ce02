"""Readers: tables (CSV/TSV/Parquet/JSONL, gzip too, chunked), named formats and datasets."""

from hourglass.ingest.datasets import DATASETS, DatasetSpec, demo_path, get_dataset
from hourglass.ingest.formats import (
    FORMATS,
    all_formats,
    boolean_labels,
    column_normal,
    get_format,
    label_strings,
    labels_seen,
    normal_labels,
    numeric_labels,
    register_format,
    resolve_format,
    sniff_format,
)
from hourglass.ingest.readers import atomic_output, is_stream_output, read_table, write_table
from hourglass.ingest.sampling import reservoir_sample
from hourglass.ingest.tables import ReadStats, iter_table

__all__ = ["DATASETS", "FORMATS", "DatasetSpec", "ReadStats", "all_formats", "atomic_output",
           "boolean_labels", "column_normal", "demo_path", "get_dataset", "get_format", "is_stream_output",
           "iter_table", "label_strings", "labels_seen", "normal_labels", "numeric_labels",
           "read_table", "register_format", "reservoir_sample", "resolve_format", "sniff_format",
           "write_table"]
