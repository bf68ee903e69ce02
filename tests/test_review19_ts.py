"""Time series: dataset readers, the CLI's series paths and their documentation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest.timeseries import read_nab


def _nab_layout(tmp_path: Path, windows: object) -> Path:
    """A NAB-layout copy (data/cat/s.csv beside labels/combined_windows.json): 96 half hours."""
    (tmp_path / "data" / "cat").mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    t = pd.date_range("2014-07-01", periods=96, freq="30min")
    series = tmp_path / "data" / "cat" / "s.csv"
    pd.DataFrame({"timestamp": t.strftime("%Y-%m-%d %H:%M:%S"),
                  "value": np.arange(96.0)}).to_csv(series, index=False)
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps({"cat/s.csv": windows}))
    return series


@pytest.mark.parametrize("windows", [
    [["2014-07-01 12:00:00", "2014-07-01 06:00:00"]],  # an end before its start
    [[1404216000, 1404237600]],  # epoch seconds: read as nanoseconds of 1970
])
def test_nab_windows_that_mark_nothing_are_refused(tmp_path: Path, windows: object) -> None:
    series = _nab_layout(tmp_path, windows)
    with pytest.raises(InputError, match=r"ends before it starts|as text"):
        read_nab(series)


def test_nab_window_text_still_labels_its_rows(tmp_path: Path) -> None:
    series = _nab_layout(tmp_path, [["2014-07-01 06:00:00.000000", "2014-07-01 12:00:00.000000"]])
    assert int(read_nab(series)["label"].sum()) == 13  # 06:00 to 12:00, both ends


def test_fill_zero_is_the_training_mean_as_help_and_readme_say() -> None:
    from hourglass.cli import app
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from tests._cli import runner

    t = pd.date_range("2024-01-01", periods=6, freq="1min")
    df = pd.DataFrame({"t": t.delete(3), "req": [500.0, 510.0, 490.0, 505.0, 495.0]})
    pre = TimeSeriesPreprocessor("t", freq="1min", fill="zero", scaler="standard").fit(df)
    values = pre.transform(df)[:, 0] * pre.scale_[0] + pre.offset_[0]
    assert values[3] == pytest.approx(df["req"].mean())  # the gap: the mean, not 0 requests
    res = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "300"})
    assert "training mean, not a reading of 0" in " ".join(res.output.split())
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    assert "`zero` is 0 after scaling: the channel's training mean" in readme


def _series_csv(path: Path, n: int = 120, shift: float = 0.0) -> Path:
    t = np.arange(n)
    pd.DataFrame({"cpu": np.sin(t / 4) + shift, "mem": np.cos(t / 6)}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("how", ["same", "link", "folder"])
def test_extra_normal_that_is_data_is_refused(tmp_path: Path, how: str) -> None:
    from tests._cli import one_line_error

    data = _series_csv(tmp_path / "a.csv")
    extra = data
    if how == "link":
        extra = tmp_path / "alias.csv"
        extra.symlink_to(data)
    elif how == "folder":  # DATA a folder that holds the extra recording
        (tmp_path / "rec").mkdir()
        extra = _series_csv(tmp_path / "rec" / "b.csv", shift=0.1)
        _series_csv(tmp_path / "rec" / "c.csv")
        data = tmp_path / "rec"
    out = tmp_path / "m"
    one_line_error(["train", str(data), "--model", "lstm-ae", "--window", "8", "--epochs", "1",
                    "--extra-normal", str(extra), "-o", str(out)], "is DATA", out)


def test_warm_start_replay_of_a_file_of_data_is_refused(tmp_path: Path) -> None:
    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    (tmp_path / "new").mkdir()
    old = _series_csv(tmp_path / "old.csv")
    _series_csv(tmp_path / "new" / "b.csv", shift=0.1)
    last = _series_csv(tmp_path / "new" / "c.csv", shift=0.2)  # NEW's held-out tail is its end
    parent = tmp_path / "parent"
    res = runner.invoke(app, ["train", str(old), "--model", "lstm-ae", "--window", "8",
                              "--epochs", "1", "-o", str(parent)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "child"
    one_line_error(["train", str(tmp_path / "new"), "--warm-start", str(parent), "--replay-data",
                    str(last), "--epochs", "1", "-o", str(out)], "is DATA (one of the files", out)


def test_extra_normal_shorter_than_a_window_is_refused(tmp_path: Path) -> None:
    from tests._cli import one_line_error

    data = _series_csv(tmp_path / "a.csv")
    short = _series_csv(tmp_path / "short.csv", n=5)  # no window of 8 fits: none of it trained on
    out = tmp_path / "m"
    one_line_error(["train", str(data), "--model", "lstm-ae", "--window", "8", "--epochs", "1",
                    "--extra-normal", str(short), "-o", str(out)], "shorter than one window", out)


def _skab_csv(path: Path, n: int) -> Path:
    t = pd.date_range("2020-03-09 10:14:33", periods=n, freq="1s")
    rng = np.random.default_rng(0)
    pd.DataFrame({"datetime": t.strftime("%Y-%m-%d %H:%M:%S"), "A": np.sin(np.arange(n) / 5),
                  "B": rng.normal(0, 1, n), "anomaly": (np.arange(n) >= n - 30).astype(float),
                  "changepoint": 0.0}).to_csv(path, sep=";", index=False)
    return path


def test_a_window_longer_than_the_protocol_part_names_the_part(tmp_path: Path) -> None:
    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    data = _skab_csv(tmp_path / "s.csv", 460)  # 400 rows train, 60 test
    one_line_error(["train", str(data), "--dataset", "skab", "--model", "lstm-ae", "--window", "420",
                    "--epochs", "1", "-o", str(tmp_path / "m0")],
                   "the skab protocol's training part (its first 400 of 460 rows): series has 400")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--dataset", "skab", "--model", "lstm-ae",
                              "--window", "80", "--epochs", "1", "-o", str(model)])
    assert res.exit_code == 0, res.output
    one_line_error(["evaluate", str(model), str(data)],
                   "the skab protocol's test part (its rows 401 to 460): series has 60 time steps")
