"""Two processes at once on the same files: a model saved twice at once, a model read while
another run replaces it, a benchmark's data file generated twice at once. Each race is provoked
deterministically (a hook between two steps), not by timing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def test_two_runs_generating_the_scale_benchmark_s_data_file_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # benchmarks/scale.py (and latency.py, through it) generate their flow CSV into a fixed
    # 'NAME.tmp' beside it: a second run generating the same file (the default /tmp path) while
    # the first was writing truncated and rewrote the same temporary, the first then wrote its
    # chunks into the file the second had renamed into place (a mix), and its own rename failed
    # with FileNotFoundError. Now each run writes a temporary of its own.
    sys.path.insert(0, str(BENCH))
    try:
        import scale
    finally:
        sys.path.remove(str(BENCH))
    alone = tmp_path / "alone.csv"
    scale.generate(alone, 300)
    path = tmp_path / "flows.csv"
    real = scale.pacsv.CSVWriter
    made: list[object] = []

    def writer(*args: object, **kwargs: object) -> object:
        mine = real(*args, **kwargs)  # the first run's temporary open, its header written
        made.append(mine)
        if len(made) == 1:
            scale.generate(path, 300)  # a second run, from start to end
        return mine

    monkeypatch.setattr(scale.pacsv, "CSVWriter", writer)
    scale.generate(path, 300)
    assert path.read_bytes() == alone.read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["alone.csv", "flows.csv"]
