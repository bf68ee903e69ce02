"""CLI input errors: dataset names in any case, deprecated aliases named as typed, out-of-memory advice."""

from __future__ import annotations

from pathlib import Path

from tests._cli import one_line_error


def test_inspect_takes_a_time_series_dataset_name_in_any_case(tmp_path: Path) -> None:
    # train reads --dataset SKAB as skab; inspect took it for an unknown table format
    data = tmp_path / "s.csv"
    data.write_text("datetime;a;anomaly;changepoint\n2020-01-01 00:00:00;1;0;0\n"
                    "2020-01-01 00:00:01;2;0;0\n")
    for name in ("SKAB", "Nab"):
        one_line_error(["inspect", str(data), "--dataset", name], "logs and time series have no column roles")
