"""Streamed JSON-lines output: one JSON object per line, chunk after chunk, nothing else."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from hourglass.ingest.writers import chunk_writer


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz"])
def test_jsonl_chunks_give_one_object_per_line_and_no_blank_lines(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    with chunk_writer(target) as w:
        w.write(pd.DataFrame({"row": [0, 1], "score": [0.5, 2.0]}))
        w.write(pd.DataFrame({"row": [], "score": []}))
        w.write(pd.DataFrame({"row": [2], "score": [0.1]}))
    with gzip.open(target, "rt") if name.endswith(".gz") else open(target) as fh:
        raw = fh.read()
    lines = raw.split("\n")
    assert lines[-1] == ""  # the file ends with one newline
    assert [json.loads(line)["row"] for line in lines[:-1]] == [0, 1, 2]
