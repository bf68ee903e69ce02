"""Review of the benchmark scripts: their shared helpers (benchmarks/_common.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from _common import data_dir


def test_data_dir_names_a_missing_dataset_folder(tmp_path: Path) -> None:
    (tmp_path / "nsl_kdd").mkdir()
    assert data_dir(str(tmp_path), "nsl_kdd") == tmp_path
    with pytest.raises(SystemExit) as err:
        data_dir(str(tmp_path), "nsl_kdd", "odds_adbench", "odds_adbench")
    msg = str(err.value)
    assert "has no odds_adbench/:" in msg and "nsl_kdd" not in msg and msg.count("odds_adbench") == 1
    with pytest.raises(SystemExit, match="not found"):
        data_dir(str(tmp_path / "nowhere"), "nsl_kdd")
