"""Time series: datasets, preprocessing, window detectors and their CLI: regression tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest.timeseries import read_interpretation_labels, read_nab, read_smd


@pytest.mark.parametrize("gz", [False, True])
def test_label_files_with_a_byte_order_mark_read(tmp_path: Path, gz: bool) -> None:
    # a test_label file saved with a BOM was refused: "line 1: ... got '\ufeff0'"
    (tmp_path / "test").mkdir()
    (tmp_path / "test_label").mkdir()
    (tmp_path / "test" / "e.txt").write_text("0.1,0.2\n0.3,0.4\n")
    text = "\ufeff0\r\n1\r\n".encode()
    name = tmp_path / "test_label" / ("e.txt.gz" if gz else "e.txt")
    name.write_bytes(gzip.compress(text) if gz else text)
    assert read_smd(tmp_path / "test" / "e.txt")["label"].tolist() == [0, 1]
    ranges = tmp_path / ("i.txt.gz" if gz else "i.txt")
    raw = "\ufeff5-7:1,3\n".encode()
    ranges.write_bytes(gzip.compress(raw) if gz else raw)
    assert read_interpretation_labels(ranges) == [(5, 8, [1, 3])]


def test_a_gzipped_nab_series_finds_its_windows(tmp_path: Path) -> None:
    # realX/s.csv.gz looked for the key 'realX/s.csv.gz': "no windows" for a series read fine
    data = tmp_path / "data" / "realX"
    data.mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text(
        json.dumps({"realX/s.csv": [["2024-01-01 00:10:00", "2024-01-01 00:20:00"]]}))
    t = pd.date_range("2024-01-01", periods=10, freq="5min")
    frame = pd.DataFrame({"timestamp": t.astype(str), "value": np.arange(10.0)})
    with gzip.open(data / "s.csv.gz", "wt") as fh:
        frame.to_csv(fh, index=False)
    assert read_nab(data / "s.csv.gz")["label"].tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0]


@pytest.mark.parametrize("columns", [None, ("x",)])
def test_complex_channels_are_an_input_error(columns: tuple[str, ...] | None) -> None:
    # the imaginary parts were dropped with only numpy's ComplexWarning among the output
    df = pd.DataFrame({"a": np.arange(6.0), "x": np.arange(6) + 1j})
    with pytest.raises(InputError, match=r"column 'x': holds complex numbers"):
        TimeSeriesPreprocessor(columns=columns).fit(df)
    fitted = TimeSeriesPreprocessor().fit(df.assign(x=np.arange(6.0)))
    with pytest.raises(InputError, match=r"column 'x': holds complex numbers"):
        fitted.transform(df)


def test_warm_start_of_a_nab_model_reads_new_data_without_windows(tmp_path: Path) -> None:
    # a warm start (and its --replay-data) refused a new normal NAB recording for having no
    # labels/combined_windows.json, which --extra-normal, score and explain read unlabelled
    from hourglass.cli.warm import _normal_series

    t = pd.date_range("2024-02-01", periods=50, freq="5min")
    new = tmp_path / "s2.csv"
    pd.DataFrame({"timestamp": t.astype(str), "value": np.sin(np.arange(50.0))}).to_csv(new, index=False)
    for train_part in (False, True):  # the parent's reader, or --dataset nab
        part = _normal_series(new, "nab", train_part, "label", None, str(new))
        assert len(part) == 50 and "label" not in part.columns


def _series(n: int) -> pd.DataFrame:
    return pd.DataFrame({"cpu": np.sin(np.arange(n) / 5.0)})


def test_extra_normal_keeps_the_validation_fraction_asked_for(tmp_path: Path) -> None:
    # the share scaled to the joined series for the fit stayed the model's: the model card said
    # 0.02 for 0.1 of DATA's rows, and a warm start of it held out 8 of 400 new steps, not 40
    from hourglass.cli.timeseries import train_timeseries

    _series(100).to_csv(tmp_path / "own.csv", index=False)
    _series(400).to_csv(tmp_path / "extra.csv", index=False)
    pipe = train_timeseries(
        tmp_path / "own.csv", dataset=None, model="lstm-ae",
        params={"window": 8, "hidden": 4, "epochs": 1, "verbose": 0}, threshold=None,
        timestamp_col=None, freq=None, fill=None, fill_limit=None, label_col=None, drop=[],
        extra_normal=[tmp_path / "extra.csv"])
    assert len(pipe.detector_.val_index_) == 10  # 10% of DATA's 100 rows
    assert pipe.detector_.validation_fraction == 0.1
    assert pipe.info["held_out"]["fraction"] == 0.1
    warm = pipe.warm_start(_series(400), epochs=1)
    assert len(warm.detector_.val_index_) == 40


def test_warm_start_with_replay_keeps_the_validation_fraction_asked_for() -> None:
    from hourglass import Pipeline
    from hourglass.detectors import LSTMAutoEncoder

    pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor()).fit(_series(200))
    warm = pipe.warm_start(_series(100), replay=_series(300), epochs=1)
    assert len(warm.detector_.val_index_) == 10  # 10% of the 100 new steps
    assert warm.detector_.validation_fraction == 0.1
    again = warm.warm_start(_series(400), epochs=1)  # it compounded: 0.1 * 100 / 400 = 0.025
    assert len(again.detector_.val_index_) == 40


@pytest.mark.parametrize("window", [float("inf"), float("nan"), -float("inf")])
def test_a_window_that_is_no_number_of_steps_is_named(tmp_path: Path, window: float) -> None:
    # --window inf ended in an OverflowError traceback, --window nan in "cannot convert float NaN
    # to integer"
    from hourglass.cli.timeseries import train_command
    from hourglass.errors import HourglassError

    _series(50).to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(HourglassError, match=r"^--window: a time-series window is a whole number"):
        train_command(tmp_path / "s.csv", tmp_path / "m", dataset=None, model="lstm-ae",
                      epochs=1, batch_size=None, lr=None, window=window, threshold=None, seed=0,
                      device="cpu", params=[], timestamp_col=None, freq=None, fill=None,
                      fill_limit=None, label_col=None, drop=[], quiet=True)
    assert not (tmp_path / "m").exists()
