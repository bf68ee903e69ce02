"""Review of the time-series detectors, features and CLI: each test is a defect found and fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor

runner = CliRunner()


def _gappy(n: int = 10, holes: tuple[int, ...] = (4, 5)) -> pd.DataFrame:
    ts = pd.date_range("2024-01-01", periods=n, freq="1min").delete(list(holes))
    return pd.DataFrame({"ts": ts, "v": np.arange(len(ts), dtype=float) + 1})


def test_zero_fill_honours_fill_limit() -> None:
    v = np.ones(100)
    v[20:70] = np.nan  # 50 steps missing
    pre = TimeSeriesPreprocessor(fill="zero", fill_limit=3, scaler="none")
    with pytest.raises(InputError, match=r"50 missing value\(s\), first at row 21; the gap is "
                                         r"longer than fill_limit=3$") as info:
        pre.fit(pd.DataFrame({"v": v}))
    assert info.value.param == "fill_limit"  # (the CLI says --fill-limit=3)
    v[20:70] = 1.0
    v[[0, 1, 40, 41, 42]] = np.nan  # gaps of at most 3 (one at the start) are bridged
    got = TimeSeriesPreprocessor(fill="zero", fill_limit=3, scaler="none").fit_transform(
        pd.DataFrame({"v": v})).ravel()
    assert got[[0, 1, 40, 41, 42]].tolist() == [0.0] * 5 and got[2] == 1.0


def test_zero_fill_limit_from_the_cli(tmp_path: Path) -> None:
    t = np.arange(300)
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=300, freq="1min"),
                       "v": np.sin(t / 5)})
    df.loc[100:159, "v"] = np.nan  # an hour without readings
    path = tmp_path / "s.csv"
    df.to_csv(path, index=False)
    res = runner.invoke(app, ["train", str(path), "--model", "lstm-ae", "--timestamp-col", "ts",
                              "--fill", "zero", "--fill-limit", "5", "--window", "8", "--epochs",
                              "1", "--hidden", "4", "-q", "-o", str(tmp_path / "m")])
    assert res.exit_code == 2, res.output
    assert "60 missing value(s), first at timestamp 2024-01-01 01:40:00" in res.output
    assert not (tmp_path / "m").exists()


def test_one_huge_window_score_leaves_later_steps_exact() -> None:
    # the mean over covering windows was a running sum over the whole series: the rounding error
    # of one score of 1e17 (a sentinel value far outside training) shifted every later step
    from hourglass.detectors import LSTMAutoEncoder

    t = np.arange(400)
    X = np.c_[np.sin(t / 5), np.cos(t / 5)].astype("float32")
    det = LSTMAutoEncoder(window=16, hidden=8, epochs=1, verbose=0).fit(X)
    odd = X.copy()
    odd[100, 0] = 1e9
    scores = det.score(odd)
    assert np.allclose(scores[200:], det.score(X)[200:], rtol=1e-6)
    w = det.window_scores(odd).astype(np.float64)
    ref = np.array([w[max(0, i - 15):min(i, len(w) - 1) + 1].mean() for i in range(400)])
    assert np.allclose(scores, ref, rtol=1e-6) and scores.min() > 0


def _skab(path: Path, n: int = 600) -> pd.DataFrame:
    t = np.arange(n)
    ts = pd.Timestamp("2020-03-09 10:00:00") + pd.to_timedelta(t, unit="s")
    df = pd.DataFrame({"datetime": ts.strftime("%Y-%m-%d %H:%M:%S"), "P": np.sin(t / 5),
                       "C": np.cos(t / 5), "anomaly": (t >= 500).astype(float),
                       "changepoint": 0.0})
    df.to_csv(path, sep=";", index=False)
    return df


def test_evaluate_on_a_protocol_test_part_names_the_file_row(tmp_path: Path) -> None:
    # SKAB's test part starts at data row 401: its errors named row 50 for the file's row 450
    df = _skab(tmp_path / "0.csv")
    res = runner.invoke(app, ["train", str(tmp_path / "0.csv"), "--dataset", "skab", "--model",
                              "lstm-ae", "--window", "8", "--epochs", "1", "--hidden", "4", "-q",
                              "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    bad_label = df.astype({"anomaly": object})
    bad_label.loc[449, "anomaly"] = "x"
    bad_label.to_csv(tmp_path / "1.csv", sep=";", index=False)
    bad_value = df.astype({"P": object})
    bad_value.loc[449, "P"] = "oops"
    bad_value.to_csv(tmp_path / "2.csv", sep=";", index=False)
    for name, said in (("1.csv", "row 450 holds 'x'"), ("2.csv", "found 'oops' (row 450)")):
        res = runner.invoke(app, ["evaluate", str(tmp_path / "m"), str(tmp_path / name),
                                  "--dataset", "skab"])
        assert res.exit_code == 2 and said in res.output, res.output


def test_preprocessor_rows_of_a_slice_are_those_of_the_table() -> None:
    v = np.ones(20)
    v[12] = np.nan
    df = pd.DataFrame({"v": v, "w": ["1"] * 14 + ["x"] + ["1"] * 5})
    pre = TimeSeriesPreprocessor(columns=["v"]).fit(df.iloc[:10])
    with pytest.raises(InputError, match="first at row 13;"):
        pre.transform(df.iloc[10:])
    with pytest.raises(InputError, match=r"found 'x' \(row 15\)"):
        TimeSeriesPreprocessor(columns=["w"]).fit(df.iloc[10:])


@pytest.mark.parametrize(("freq", "said"), [("W", "weeks that end on a weekday"),
                                            ("MS", "calendar step of varying length"),
                                            ("0min", "not a positive step"),
                                            ("-5min", "not a positive step")])
def test_freq_must_be_a_fixed_positive_step(freq: str, said: str) -> None:
    # 'W'/'MS' fell into pandas' "Value must be Timedelta ... not Week", '0min' into a
    # ZeroDivisionError (exit 1), '-5min' into "Invalid length for values or for binner"
    df = _gappy(40, ())
    with pytest.raises(InputError, match=f"freq: '{freq}' is (a )?{said}"):
        TimeSeriesPreprocessor("ts", freq=freq).fit(df)


def test_zero_freq_from_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    _gappy(40, ()).to_csv(path, index=False)
    res = runner.invoke(app, ["train", str(path), "--model", "lstm-ae", "--timestamp-col", "ts",
                              "--freq", "0min", "--window", "4", "-o", str(tmp_path / "m")])
    assert res.exit_code == 2 and "--freq: '0min' is not a positive step" in res.output, res.output


def test_nab_layout_with_utc_times_is_labelled(tmp_path: Path) -> None:
    # timestamps ending in 'Z' compared with NAB's offset-less windows: a TypeError traceback
    import json

    from hourglass.ingest.timeseries import read_nab

    (tmp_path / "data" / "realX").mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    ts = pd.date_range("2014-01-01", periods=400, freq="5min")
    series = tmp_path / "data" / "realX" / "a.csv"
    pd.DataFrame({"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "value": np.sin(np.arange(400) / 5)}).to_csv(series, index=False)
    windows = tmp_path / "labels" / "combined_windows.json"
    windows.write_text(json.dumps({"realX/a.csv": [["2014-01-01 20:00:00.000000",
                                                    "2014-01-01 21:00:00.000000"]]}))
    assert read_nab(series)["label"].sum() == 13  # 20:00 to 21:00 inclusive, 5-minute steps
    windows.write_text(json.dumps({"realX/a.csv": [["2014-01-01 20:00:00"]]}))
    with pytest.raises(InputError, match="are not pairs of date-times"):
        read_nab(series)
