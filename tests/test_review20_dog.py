"""Real-data workflows through the CLI: what a SOC engineer sees on the shared datasets' shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner


def _odds_table(path: Path, extra: dict[str, object] | None = None) -> Path:
    """An ODDS/ADBench-like table: numeric features and the 0/1 label ``y``."""
    rng = np.random.default_rng(0)
    y = (np.arange(240) % 12 == 0).astype(int)
    frame = pd.DataFrame({f"f{i}": rng.normal(size=240) + 3 * y for i in range(4)})
    frame["y"] = y
    for name, value in (extra or {}).items():
        frame[name] = value
    frame.to_csv(path, index=False)
    return path


def test_odds_label_y_is_named_when_trained_on_as_a_feature(tmp_path: Path) -> None:
    data = _odds_table(tmp_path / "cardio.csv")
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert "column 'y' looks like a label" in res.stderr and "--label-col y" in res.stderr, res.stderr
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m2"), "--epochs", "1",
                              "--label-col", "y", "--normal", "0"])
    assert res.exit_code == 0 and "like a label" not in res.stderr, res.stderr


def test_label_like_column_beside_label_col_is_named_when_it_makes_features(tmp_path: Path) -> None:
    y = (np.arange(240) % 12 == 0).astype(int)
    kind = np.where(y == 1, "attack", np.where(np.arange(240) % 2 == 0, "web", "dns"))
    data = _odds_table(tmp_path / "t.csv", {"class": kind})
    for cmd in (["train", str(data), "-o", str(tmp_path / "m"), "--epochs", "1"],
                ["inspect", str(data)]):
        res = runner.invoke(app, [*cmd, "--label-col", "y", "--normal", "0"])
        assert res.exit_code == 0, res.output
        assert "column 'class', named like a label, is a feature beside --label-col y" in res.stderr, \
            res.stderr
    # empty on every normal row (UNSW-NB15's attack_cat): constant in training, no feature, no word
    data = _odds_table(tmp_path / "u.csv", {"attack_cat": np.where(y == 1, "dos", "")})
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m3"), "--epochs", "1",
                              "--label-col", "y", "--normal", "0"])
    assert res.exit_code == 0 and "like a label" not in res.stderr, res.stderr


def test_skab_changepoint_beside_label_col_anomaly_is_named(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 200
    frame = pd.DataFrame({"datetime": pd.date_range("2020-03-09", periods=n, freq="s").astype(str),
                          "Current": rng.normal(1.3, 0.05, n), "Pressure": rng.normal(0.1, 0.01, n),
                          "anomaly": 0.0, "changepoint": 0.0})
    data = tmp_path / "valve.csv"
    frame.to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), "--timestamp-col", "datetime", "--label-col", "anomaly",
                              "--model", "lstm-ae", "--window", "8", "--epochs", "1", "-o",
                              str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "column 'changepoint', named like a label, is a channel beside --label-col anomaly" \
        in res.stderr and "--drop changepoint" in res.stderr, res.stderr
    res = runner.invoke(app, ["train", str(data), "--timestamp-col", "datetime", "--label-col", "anomaly",
                              "--drop", "changepoint", "--model", "lstm-ae", "--window", "8",
                              "--epochs", "1", "-o", str(tmp_path / "m2")])
    assert res.exit_code == 0 and "like a label" not in res.stderr, res.stderr


def test_y_beside_x_or_z_is_an_axis_not_a_label(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    n = 120
    frame = pd.DataFrame({"ts": pd.date_range("2024-05-01", periods=n, freq="s").astype(str),
                          "x": rng.normal(size=n), "y": rng.normal(size=n), "z": rng.normal(size=n)})
    data = tmp_path / "accel.csv"
    frame.to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), "--timestamp-col", "ts", "--model", "lstm-ae",
                              "--window", "8", "--epochs", "1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0 and "like a label" not in res.stderr, res.stderr
