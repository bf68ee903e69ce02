"""Time series: preprocessing, label alignment, dataset readers and the series CLI: regression
tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor
from tests._cli import one_line_error, runner


def _timed(name: str, n: int = 6) -> pd.DataFrame:
    return pd.DataFrame({name: pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                         "v": np.arange(float(n))})


def test_labels_align_on_a_series_timed_by_a_column_named_y() -> None:
    # the labels' helper column was called 'y': a timestamp column 'y' overwrote them, and
    # evaluate gave metrics of no anomaly (times cast to int8) or refused 'y' as no number
    for name in ("y", "ts"):
        df = _timed(name)
        pre = TimeSeriesPreprocessor(name).fit(df)
        assert pre.align_labels(df, [0, 0, 1, 1, 0, 0]).tolist() == [0, 0, 1, 1, 0, 0]
        parsed = df.assign(**{name: pd.to_datetime(df[name])})
        assert pre.align_labels(parsed, [1, 0, 0, 0, 0, 1]).tolist() == [1, 0, 0, 0, 0, 1]


def test_a_channel_named_twice_in_columns_is_refused() -> None:
    # columns=("a", "a") fitted one column with two names: the saved model was refused at load
    # ("offset/scale: 2 finite values expected")
    df = pd.DataFrame({"a": np.arange(8.0), "b": np.ones(8)})
    with pytest.raises(InputError, match=r"columns: 'a' named more than once"):
        TimeSeriesPreprocessor(columns=("a", "b", "a")).fit(df)
    assert TimeSeriesPreprocessor(columns=("a", "b")).fit(df).channels_ == ["a", "b"]


def test_scoring_a_dataset_file_reads_no_labels(tmp_path: Path) -> None:
    # score/explain read no label ('scoring'), yet an ASD/SMD test_label file of another length
    # and a broken NAB windows file stopped them with the labels' error
    from hourglass.ingest.timeseries import get_timeseries_dataset

    (tmp_path / "test").mkdir()
    (tmp_path / "test_label").mkdir()
    (tmp_path / "test" / "e.txt").write_text("0.1,0.2\n0.3,0.4\n0.5,0.6\n")
    (tmp_path / "test_label" / "e.txt").write_text("0\n1\n")
    smd = get_timeseries_dataset("smd")
    assert smd is not None
    got = smd.read(tmp_path / "test" / "e.txt", need_labels=False, scoring=True)
    assert got.columns.tolist() == ["m1", "m2"] and len(got) == 3
    with pytest.raises(InputError, match="2 labels for 3 rows"):
        smd.read(tmp_path / "test" / "e.txt")
    data = tmp_path / "data" / "realX"
    data.mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text("{broken")
    pd.DataFrame({"timestamp": pd.date_range("2024-01-01", periods=4, freq="5min").astype(str),
                  "value": np.arange(4.0)}).to_csv(data / "s.csv", index=False)
    nab = get_timeseries_dataset("nab")
    assert nab is not None
    got = nab.read(data / "s.csv", need_labels=False, scoring=True)
    assert got.columns.tolist() == ["timestamp", "value"]
    with pytest.raises(InputError, match="unreadable windows file"):
        nab.read(data / "s.csv", need_labels=False)


def test_train_with_a_dataset_refuses_another_label_column(tmp_path: Path) -> None:
    # --dataset skab --label-col changepoint cut the protocol at SKAB's labels, and kept those
    # labels as a channel the model read (a warning said "without --label-col")
    n = 420
    sk = pd.DataFrame({"datetime": pd.date_range("2020-03-09", periods=n, freq="1s")
                       .strftime("%Y-%m-%d %H:%M:%S"), "A": np.sin(np.arange(n) / 5),
                       "anomaly": 0.0, "changepoint": 0.0})
    sk.to_csv(tmp_path / "1.csv", sep=";", index=False)
    out = tmp_path / "m"
    one_line_error(["train", str(tmp_path / "1.csv"), "--dataset", "skab", "--model", "lstm-ae",
                    "--window", "8", "--epochs", "1", "--label-col", "changepoint", "-o", str(out)],
                   "--label-col changepoint: --dataset skab labels its steps itself", out)


def test_extra_normal_steps_are_counted_on_the_models_grid(tmp_path: Path) -> None:
    # 'trained ... on 770 steps (incl. 3000 extra normal)': the extra recording's rows (10 s)
    # were counted among the steps of the 1min grid it was resampled onto (500)
    n = 120
    data = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                         "cpu": np.sin(np.arange(n) / 5)})
    data.to_csv(tmp_path / "s.csv", index=False)
    extra = pd.DataFrame({"ts": pd.date_range("2023-01-01", periods=600, freq="10s").astype(str),
                          "cpu": np.sin(np.arange(600) / 30)})
    extra.to_csv(tmp_path / "x.csv", index=False)
    out = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "s.csv"), "--model", "lstm-ae", "--window", "8",
                              "--hidden", "4", "--epochs", "1", "--timestamp-col", "ts", "--freq", "1min",
                              "--extra-normal", str(tmp_path / "x.csv"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    info = json.loads((out / "config.json").read_text())["info"]
    assert info["extra_normal"] == [{"source": str(tmp_path / "x.csv"), "rows": 600, "steps": 100}]
    assert info["n_train_rows"] == 220 and "(incl. 100 extra normal)" in res.stderr
    # the model card's threads a seed repeats the model on, as for a model without extra data
    assert isinstance(info["torch_threads"], int) and info["torch_threads"] >= 1


def test_a_far_timestamp_at_scoring_names_no_option_score_lacks() -> None:
    # at scoring the error said "choose a coarser freq (--freq)", an option score does not take
    t = pd.date_range("2024-01-01", periods=20, freq="1min").astype(str).tolist()
    df = pd.DataFrame({"ts": t, "v": np.arange(20.0)})
    pre = TimeSeriesPreprocessor("ts", freq="1min").fit(df)
    far = df.assign(ts=[*t[:-1], "2031-01-01 00:00:00"])
    with pytest.raises(InputError, match="coarser freq") as fitting:
        TimeSeriesPreprocessor("ts", freq="1min").fit(far)
    assert "--freq" not in str(fitting.value)  # a Python call: the parameter (the CLI: --freq)
    with pytest.raises(InputError, match=r"check the time stamps, or retrain with a coarser freq "
                       r"than the model's 1min") as got:
        pre.transform(far)
    assert "choose" not in str(got.value)


def test_labels_of_an_unsorted_series_warn_once(caplog: pytest.LogCaptureFixture) -> None:
    # evaluate said "timestamps are not sorted" and "duplicate timestamp(s) merged" twice: once
    # for the values, once more for the labels on the same rows
    df = _timed("ts", 8).iloc[[1, 0, 2, 3, 4, 5, 6, 7, 7]].reset_index(drop=True)
    pre = TimeSeriesPreprocessor("ts").fit(df)
    caplog.clear()
    with caplog.at_level("WARNING", logger="hourglass"):
        pre.transform(df)
        y = pre.align_labels(df, [0, 0, 0, 1, 0, 0, 0, 0, 1])
    said = [r.getMessage() for r in caplog.records]
    assert sum("not sorted" in m for m in said) == 1, said
    assert sum("duplicate timestamp" in m for m in said) == 1, said
    assert y.tolist() == [0, 0, 0, 1, 0, 0, 0, 1]


def test_a_gap_at_an_end_without_fill_limit_names_no_limit() -> None:
    # "the gap is longer than fill_limit=None (--fill-limit)": no limit was set, the gap was at
    # the start (ffill) or an end (interpolate) of the series
    df = pd.DataFrame({"v": [np.nan, 1.0, 2.0, 3.0, np.nan]})
    with pytest.raises(InputError, match=r"the gap is at the start of the series, where ffill"):
        TimeSeriesPreprocessor(fill="ffill").fit(df)
    with pytest.raises(InputError, match=r"at the start or the end of the series, where interpolate"):
        TimeSeriesPreprocessor(fill="interpolate").fit(df)
    with pytest.raises(InputError, match=r"longer than fill_limit=1 or is at the start$"):
        TimeSeriesPreprocessor(fill="ffill", fill_limit=1).fit(df)


def test_interpretation_labels_refuse_ranges_that_mark_nothing(tmp_path: Path) -> None:
    # '7-5:1' was read as the empty range (7, 6) and '3-4:0' as a dimension 0 of 1-based ones
    from hourglass.ingest.timeseries import read_interpretation_labels

    for text in ("7-5:1\n", "3-4:0,2\n"):
        (tmp_path / "i.txt").write_text("1-2:1\n" + text)
        with pytest.raises(InputError, match=r"i.txt: line 2: expected start <= end"):
            read_interpretation_labels(tmp_path / "i.txt")
    (tmp_path / "i.txt").write_text("5-5:1\n")
    assert read_interpretation_labels(tmp_path / "i.txt") == [(5, 6, [1])]
    with pytest.raises(InputError, match=r"line 1: expected start <= end"):
        (tmp_path / "i.txt").write_text("6-5:1\n")
        read_interpretation_labels(tmp_path / "i.txt", end_inclusive=False)
