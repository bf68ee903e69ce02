"""Time-series features, their datasets, metrics and explanations: regression tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest.timeseries import read_nab


def _nab_layout(root: Path, windows: bytes) -> Path:
    data = root / "data" / "realX"
    data.mkdir(parents=True)
    (root / "labels").mkdir()
    (root / "labels" / "combined_windows.json").write_bytes(windows)
    t = pd.date_range("2014-01-01", periods=20, freq="5min")
    series = data / "s.csv"
    pd.DataFrame({"timestamp": t.astype(str), "value": np.arange(20.0)}).to_csv(series, index=False)
    return series


@pytest.mark.parametrize(("windows", "said"), [
    (b"5", "found a JSON int"),
    (b'["realX/s.csv"]', "found a JSON list"),
    (b"\xff\xfe\x00 not text", "unreadable windows file"),
])
def test_nab_windows_file_that_is_no_object_is_one_error(tmp_path: Path, windows: bytes,
                                                        said: str) -> None:
    # '5' raised TypeError ('argument of type int is not iterable'), bytes that are no UTF-8 a
    # UnicodeDecodeError naming no file
    series = _nab_layout(tmp_path, windows)
    for need in (True, False):
        with pytest.raises(InputError, match=f"combined_windows.json: .*{said}"):
            read_nab(series, need_labels=need)


def test_nab_windows_still_label_rows(tmp_path: Path) -> None:
    windows = {"realX/s.csv": [["2014-01-01 00:10:00", "2014-01-01 00:20:00"]]}
    df = read_nab(_nab_layout(tmp_path, json.dumps(windows).encode()))
    assert df["label"].tolist() == [0, 0, 1, 1, 1] + [0] * 15
