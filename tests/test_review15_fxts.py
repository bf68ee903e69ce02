"""Time series: the errors of extra training recordings, the warm start of a dataset model, and
interpretation labels: regression tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest.timeseries import read_interpretation_labels
from tests._cli import one_line_error, runner


def _times(n: int, start: str = "2024-01-01", freq: str = "1min") -> list[str]:
    return pd.date_range(start, periods=n, freq=freq).astype(str).tolist()


def test_an_extra_training_recording_names_the_training_options() -> None:
    # an --extra-normal file is transformed by the preprocessing fitted on DATA: its errors told
    # the user to retrain the model, or that the grid was "the model's", during train
    df = pd.DataFrame({"ts": _times(20), "v": np.arange(20.0)})
    far = df.assign(ts=[*_times(19), "2031-01-01 00:00:00"])
    gap = df.assign(v=[*range(10), np.nan, np.nan, *range(8)])
    plain = TimeSeriesPreprocessor("ts").fit(df)
    irregular = df.assign(ts=[*_times(19), "2024-01-01 00:25:00"])
    hourly = df.assign(ts=_times(20, freq="1h"))
    cases = [(TimeSeriesPreprocessor("ts", freq="1min").fit(df), far,
              "or choose a coarser freq", "retrain with a coarser freq than the model's 1min"),
             (plain, gap, "set fill ('ffill'", "trained without a fill policy: retrain"),
             (TimeSeriesPreprocessor("ts", fill="ffill", fill_limit=1).fit(df), gap,
              "longer than fill_limit=1", "the model's fill policy: retrain"),
             (plain, irregular, "set freq, e.g. '1min'", "trained on regular steps without a freq: retrain"),
             (plain, hourly, "the training series steps 1min", "or retrain with freq '1min'")]
    for pre, bad, at_train, at_scoring in cases:
        with pytest.raises(InputError) as training:
            pre.transform(bad, training=True)
        assert at_train in str(training.value) and "retrain" not in str(training.value)
        assert "model's" not in str(training.value)
        with pytest.raises(InputError, match=at_scoring.replace("(", r"\(").replace(")", r"\)")):
            pre.transform(bad)
        with pytest.raises(InputError, match=at_scoring.replace("(", r"\(").replace(")", r"\)")):
            pre.transform_frame(bad)
    # the flag words the errors only: it refits nothing
    pre = TimeSeriesPreprocessor("ts").fit(df)
    assert pre.transform(df.iloc[:5], training=True).shape == (5, 1) and pre.step_ == "1min"


def test_train_extra_normal_far_time_names_freq(tmp_path: Path) -> None:
    n = 120
    pd.DataFrame({"ts": _times(n), "cpu": np.sin(np.arange(n) / 5)}).to_csv(tmp_path / "s.csv",
                                                                             index=False)
    t = _times(50, "2023-01-01")
    t[-1] = "2031-01-01 00:00:00"
    pd.DataFrame({"ts": t, "cpu": np.sin(np.arange(50) / 5)}).to_csv(tmp_path / "x.csv", index=False)
    out = tmp_path / "m"
    one_line_error(["train", str(tmp_path / "s.csv"), "--model", "lstm-ae", "--window", "8",
                    "--hidden", "4", "--epochs", "1", "--timestamp-col", "ts", "--freq", "1min",
                    "--extra-normal", str(tmp_path / "x.csv"), "-o", str(out)],
                   "check the time stamps, or choose a coarser --freq", out)


def _skab(path: Path, anomalous: float, n: int = 420) -> None:
    a = np.zeros(n)
    a[100:120] = anomalous
    pd.DataFrame({"datetime": pd.date_range("2020-03-09", periods=n, freq="1s")
                  .strftime("%Y-%m-%d %H:%M:%S"), "A": np.sin(np.arange(n) / 5),
                  "anomaly": a, "changepoint": 0.0}).to_csv(path, sep=";", index=False)


def test_warm_start_with_a_dataset_refuses_another_label_column(tmp_path: Path) -> None:
    # train NEW --warm-start PARENT --dataset skab --label-col changepoint checked the all-zero
    # changepoint column and trained silently on SKAB's anomalous steps (its 'label')
    _skab(tmp_path / "1.csv", 0.0)
    _skab(tmp_path / "2.csv", 1.0)
    parent = tmp_path / "p"
    res = runner.invoke(app, ["train", str(tmp_path / "1.csv"), "--dataset", "skab", "--model",
                              "lstm-ae", "--window", "8", "--hidden", "4", "--epochs", "1",
                              "-o", str(parent)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "w"
    new = ["train", str(tmp_path / "2.csv"), "--warm-start", str(parent), "--epochs", "1",
           "--label-col", "changepoint", "-o", str(out)]
    one_line_error([*new, "--dataset", "skab"],
                   "--label-col changepoint: --dataset skab labels its steps itself", out)
    # without --dataset the parent's reader (skab) reads NEW, its labels too
    one_line_error(new, "--label-col changepoint: the model's dataset skab labels its steps", out)
    # its own label column is checked as before
    one_line_error([*new[:-4], "--label-col", "label", "-o", str(out), "--dataset", "skab"],
                   "20 of the 400 rows of the protocol's training part are not labelled normal in "
                   "'label'", out)


def test_interpretation_labels_refuse_a_range_without_dimensions(tmp_path: Path) -> None:
    # '5-7' and '8-9:' were read as ranges interpreted by no dimension ([])
    for text in ("5-7", "8-9:", "8-9:,"):
        (tmp_path / "i.txt").write_text(f"1-2:1\n{text}\n")
        with pytest.raises(InputError, match=rf"i.txt: line 2: expected start-end:d1,d2,.., "
                                             rf"got '{text}'"):
            read_interpretation_labels(tmp_path / "i.txt")
    (tmp_path / "i.txt").write_text("1-2:1\n5-7:2,3")
    assert read_interpretation_labels(tmp_path / "i.txt", end_inclusive=False) == [
        (1, 2, [1]), (5, 7, [2, 3])]
