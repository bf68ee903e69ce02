"""Regression tests: time-series readers, explanations and commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.timeseries import read_skab


def test_skab_file_with_anomaly_and_label_columns_is_one_clear_error(tmp_path: Path) -> None:
    # 'anomaly' became a second 'label' column: training took df['label'] as a DataFrame and
    # pandas raised TypeError (a traceback)
    p = tmp_path / "0.csv"
    p.write_text("datetime;A;anomaly;label\n2020-01-01 00:00:00;1.5;0;0\n")
    with pytest.raises(InputError, match="both 'anomaly'.*'label'"):
        read_skab(p)
    q = tmp_path / "1.csv"
    q.write_text("datetime;A;label\n2020-01-01 00:00:00;1.5;0\n")
    assert read_skab(q).columns.tolist() == ["datetime", "A", "label"]
