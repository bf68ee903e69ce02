"""Review 59 (iot59): an OT/IoT engineer's device telemetry (many devices in one file, state
columns, counters) through the time-series, entity and stream paths."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from hourglass.features.timeseries import TimeSeriesPreprocessor


def _fleet(ids: list[object], jitter: bool = False) -> pd.DataFrame:
    """Three devices polled each minute: one row per device a minute, on one clock or (``jitter``)
    each at its own second of the minute."""
    rng = np.random.default_rng(0)
    ts = pd.date_range("2024-01-01", periods=40, freq="1min")
    rows = [{"device_id": d, "ts": t + pd.Timedelta(seconds=(7 + 13 * k) * jitter),
             "temp": 20.0 * (k + 1) + rng.normal(0, 0.1), "pump": rng.choice(["on", "off"])}
            for t in ts for k, d in enumerate(ids)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("ids", [["dev-a", "dev-b", "dev-c"], [1, 2, 3]])
@pytest.mark.parametrize(("freq", "jitter", "how"), [
    (None, False, "merged by mean into one series"), ("1min", False, "merged by mean into one series"),
    ("1min", True, "merged by mean into one series"), ("rows", False, "taken in turn as the steps")])
def test_devices_merged_into_one_series_are_named(ids: list[object], freq: str | None, jitter: bool,
                                                  how: str, caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a file of several devices (device_id, ts, readings) given to a series model
    # was made one series of the devices' mean (their rows in turn with freq 'rows') with no word
    # of the devices: with a freq nothing at all was said, without one only 'N duplicate
    # timestamp(s) merged by mean'; a numeric device_id was a channel of averaged ids besides. The
    # column that tells apart the rows sharing a timestamp (or grid step) is now named in a
    # warning (the series is fitted as before).
    df = _fleet(ids, jitter)
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        TimeSeriesPreprocessor(timestamp_col="ts", freq=freq).fit(df)
    said = [r.getMessage() for r in caplog.records if "tells apart" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("column 'device_id' tells apart rows")
    assert how in said[0] and "3 values" in said[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hourglass"):  # one device: nothing merged
        TimeSeriesPreprocessor(timestamp_col="ts", freq=freq).fit(df[df.device_id == ids[0]])
    assert not [r for r in caplog.records if "tells apart" in r.getMessage()]


def test_unhashable_columns_beside_shared_timestamps_are_no_identifier() -> None:
    # What was wrong: 304013c2's check of the columns that tell apart rows sharing a timestamp
    # stopped the fit with pyarrow's ArrowNotImplementedError ('unique' has no kernel for list)
    # where such rows came with an Arrow list column (JSON lines' arrays, a Parquet list); a
    # column of Python lists or dicts is passed over too.
    import pyarrow as pa

    df = _fleet(["a", "b"]).drop(columns=["device_id", "pump"])
    n = len(df)
    for column in ({"tags": pd.array([[1], [2]] * (n // 2), dtype=pd.ArrowDtype(pa.list_(pa.int64())))},
                   {"meta": [{"fw": "1.2"}, {"fw": "1.3"}] * (n // 2)}):
        pre = TimeSeriesPreprocessor(timestamp_col="ts").fit(df.assign(**column))
        assert pre.channels_ == ["temp"]


def test_channel_constant_in_training_is_said(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a sensor stuck through the training series (a pressure reading 101325 on
    # every step) was kept as a channel without a word; its normal noise of 5 Pa at scoring then
    # made every step critical (score ~1000 against a threshold of ~1.2). Fitting now warns,
    # naming the channel, its value and how to leave it out (the CLI's --drop).
    from hourglass.cli._options import cli_advice

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=50, freq="1min"),
                       "temp": 20 + rng.normal(0, 0.1, 50), "press": 101325.0})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        TimeSeriesPreprocessor(timestamp_col="ts").fit(df)
    said = [r for r in caplog.records if "constant in training" in r.getMessage()]
    assert len(said) == 1
    assert said[0].getMessage().startswith("1 channel(s) constant in training: 'press' (101325); ")
    assert "leave it out (--drop COLUMN)" in cli_advice(said[0].getMessage())
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hourglass"):  # every channel moves: nothing said
        TimeSeriesPreprocessor(timestamp_col="ts").fit(df.assign(press=101325 + rng.normal(0, 5, 50)))
    assert not [r for r in caplog.records if "constant in training" in r.getMessage()]


def test_readings_written_with_a_unit_are_said(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a sensor's readings written with their unit ('21.5 °C', as a device's CSV
    # export writes them) were read as text without a word: a table model one-hot encoded each
    # reading as a category of its own (a spoofed '90.0 °C' no farther than '21.6 °C'), an
    # entity model counted distinct values, and a series model said only 'ignoring non-numeric
    # column(s): temp'. Each now warns that the column holds numbers with a unit, naming one.
    from hourglass.features.entity import EntityWindows
    from hourglass.features.tabular import TabularPreprocessor

    rng = np.random.default_rng(0)
    temp = [f"{v:.1f} °C" for v in 21 + rng.normal(0, 0.5, 60)]
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=60, freq="1min"),
                       "device_id": ["d1", "d2"] * 30, "temp": temp, "hum": rng.normal(50, 1, 60)})
    fits = [lambda: TabularPreprocessor().fit(df.drop(columns="ts")),
            lambda: EntityWindows(entity_col="device_id", timestamp_col="ts", bucket="10min").fit(df),
            lambda: TimeSeriesPreprocessor(timestamp_col="ts").fit(df[["ts", "temp", "hum"]])]
    for fit in fits:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="hourglass"):
            fit()
        said = [r.getMessage() for r in caplog.records if "numbers with a unit" in r.getMessage()]
        assert len(said) == 1 and f"{temp[0]!r}" in said[0], said
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hourglass"):  # text that is no reading: nothing
        TabularPreprocessor().fit(pd.DataFrame({"svc": ["80/tcp", "443/tcp", "0x1f", "ssh"] * 10,
                                                "n": range(40)}))
    assert not [r for r in caplog.records if "with a unit" in r.getMessage()]


def test_cumulative_counter_channel_is_said(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a running counter as a channel (a uint16 Modbus register counting packets,
    # wrapping at 65536) was trained on without a word; the model learnt where the total stood,
    # so a later stretch of the same normal traffic had 93% of its steps flagged (467 of 500)
    # and each wrap read as a fall. Fitting now warns, naming the channel and its wraps; a
    # reading that goes up and down is not named.
    rng = np.random.default_rng(0)
    n = 1500
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min"),
                       "temp": 21 + rng.normal(0, 0.2, n),
                       "rx_packets": (np.cumsum(rng.integers(50, 150, n)) % 65536).astype("uint16")})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        TimeSeriesPreprocessor(timestamp_col="ts").fit(df)
    said = [r.getMessage() for r in caplog.records if "cumulative counter" in r.getMessage()]
    assert len(said) == 1
    assert "'rx_packets' (wrapping round 2 time(s))" in said[0] and "'temp'" not in said[0]


def test_a_toggling_channel_is_no_counter(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: 7edf8406's counter check took a channel going from its top to its bottom
    # and back at every step (a valve's 0/1 toggling; values near float64's largest, whose
    # steps overflowed with a RuntimeWarning that failed 'train' with exit 1) for a counter
    # wrapping at every other step. A counter rises several times between wraps: such a
    # channel is none, and nothing overflows.
    import warnings

    n = 200
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min"),
                       "valve": np.arange(n) % 2, "temp": 21 + np.sin(np.arange(n) / 5)})
    with caplog.at_level(logging.WARNING, logger="hourglass"), warnings.catch_warnings():
        warnings.simplefilter("error")
        TimeSeriesPreprocessor(timestamp_col="ts").fit(df)
    assert not [r for r in caplog.records if "cumulative counter" in r.getMessage()]
