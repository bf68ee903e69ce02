"""Feature preprocessing: unusual cells (bytes, Arrow text, placeholders) and saved state."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor


def _channel(values: list[object], dtype: object = object) -> pd.DataFrame:
    return pd.DataFrame({"v": pd.array(values, dtype=dtype), "w": np.arange(float(len(values)))})


@pytest.mark.parametrize("dtype", [object, pd.ArrowDtype(pa.binary())])
def test_a_series_channel_of_bytes_that_are_no_utf8_names_column_row_and_bytes(dtype: object) -> None:
    # a Parquet binary column: astype("string") raised a bare UnicodeDecodeError
    df = _channel([b"1", b"2", b"\xff", b"4", b"5", b"6"], dtype)
    with pytest.raises(InputError, match=r"column 'v': expected numbers, found b'\\xff' \(row 3\)"):
        TimeSeriesPreprocessor(columns=["v", "w"], scaler="none", fill="ffill").fit(df)


def test_a_series_picks_its_channels_past_bytes_that_are_no_utf8(caplog: pytest.LogCaptureFixture) -> None:
    few = _channel([b"1", b"2", b"\xff", b"4", b"5", b"6"])  # mostly no number: not a channel, said
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pre = TimeSeriesPreprocessor(scaler="none").fit(few)
    assert pre.channels_ == ["w"] and "ignoring non-numeric column(s): v" in caplog.text
    many = [str(i).encode() for i in range(300)]
    many[5] = b"\xff"  # numbers in (nearly) every row: a channel, its stray cell named
    with pytest.raises(InputError, match=r"column 'v': expected numbers, found b'\\xff' \(row 6\)"):
        TimeSeriesPreprocessor(scaler="none").fit(_channel(many))  # type: ignore[arg-type]


def test_a_word_in_an_arrow_text_channel_is_no_gap_to_fill() -> None:
    # Arrow's to_numeric gives NaN, which Arrow does not count as missing: the word was filled
    df = _channel(["1", "2", "oops", "4", "5", "6"], pd.ArrowDtype(pa.string()))
    with pytest.raises(InputError, match=r"column 'v': expected numbers, found 'oops' \(row 3\)"):
        TimeSeriesPreprocessor(columns=["v", "w"], scaler="none", fill="ffill").fit(df)
    gaps = _channel(["1", "2", "N/A", "4", None, "6"], pd.ArrowDtype(pa.string()))
    pre = TimeSeriesPreprocessor(columns=["v", "w"], scaler="none", fill="ffill").fit(gaps)
    assert pre.transform(gaps)[:, 0].tolist() == [1.0, 2.0, 2.0, 4.0, 4.0, 6.0]


def _events(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="7s").astype(str),
                         "user": [f"u{i % 4}".encode() for i in range(n)],
                         "proto": [p.encode() for p in rng.choice(["tcp", "udp"], n)],
                         "bytes": rng.integers(1, 1000, n).astype(float)})


@pytest.mark.parametrize("column", ["proto", "user"])
def test_entity_features_name_bytes_that_are_no_utf8(column: str) -> None:
    from hourglass.features.entity import EntityWindows

    bad = _events()
    bad.loc[5, column] = b"\xff"
    want = rf"column '{column}': a cell holds bytes that are no UTF-8 text \(b'\\xff', row 6\)"
    with pytest.raises(InputError, match=want):
        EntityWindows("user", "ts", bucket="1min").fit(bad)
    fitted = EntityWindows("user", "ts", bucket="1min").fit(_events())
    with pytest.raises(InputError, match=want):
        fitted.transform(bad)
    if column == "user":
        with pytest.raises(InputError, match=want):
            EntityWindows("user", "ts", bucket="1min").row_keys(bad)
    dropped = _events().assign(note=[b"\xff"] * 120)  # a column the features do not read
    assert EntityWindows("user", "ts", bucket="1min", drop=("note",)).fit(dropped).transform(dropped).shape[0]


def test_an_arrow_binary_column_of_bytes_that_are_no_utf8_is_named() -> None:
    from hourglass.features import TabularPreprocessor

    binary = pd.ArrowDtype(pa.binary())
    good = pd.DataFrame({"b": [1.0, 2.0, 3.0, 4.0], "proto": pd.array([b"tcp", b"udp"] * 2, dtype=binary)})
    bad = good.assign(proto=pd.array([b"tcp", b"\xff", b"tcp", b"udp"], dtype=binary))
    want = r"column 'proto': a cell holds bytes that are no UTF-8 text \(b'\\xff', row 2\)"
    with pytest.raises(InputError, match=want):
        TabularPreprocessor().fit(bad)
    with pytest.raises(InputError, match=want):
        TabularPreprocessor().fit(good).transform(bad)


def _tags(n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    tag = np.array([f"t{i}" for i in rng.integers(0, 120, n)], dtype=object)
    tag[::3] = "true"
    return pd.DataFrame({"b": rng.lognormal(5, 1, n), "tag": tag})


@pytest.mark.parametrize("rows", [600, 5])
def test_a_hashed_value_spelled_true_hashes_as_written(rows: int) -> None:
    # models saved before hashed 'true' as written; hashing it as 'True' moved a third of the
    # rows a saved model was fitted on to another bucket, without a word
    from hourglass.features import TabularPreprocessor
    from hourglass.features.roles import stable_hash

    df = _tags()
    pre = TabularPreprocessor(max_categories=32).fit(df)
    assert pre.roles_["tag"] == "hash"
    k = pre.hashed_["tag"]
    want, other = stable_hash(np.array(["true", "True"], dtype=object), k)
    assert want != other
    X = pre.transform(df.iloc[:rows])
    block = X[:, [pre.feature_names_.index(f"tag#{j}") for j in range(k)]]
    assert (block[::3].argmax(axis=1) == want).all()


def test_entity_names_and_rule_globs_read_true_as_written() -> None:
    from hourglass.features.entity import EntityWindows
    from hourglass.serve.suppress import Suppressions

    entity, _ = EntityWindows("host", "ts", bucket="1min").row_keys(
        pd.DataFrame({"host": ["true", "b"], "ts": [59, 61]}))
    assert entity.tolist() == ["true", "b"]
    rules = Suppressions.parse('[[rule]]\nname = "r"\nmatch = { tag = "tr*" }\n')
    assert rules.names(pd.DataFrame({"tag": ["true", "trap", "x"]})).tolist() == ["r", "r", ""]


def test_a_series_model_saved_before_durations_read_in_seconds_reads_them_as_fitted() -> None:
    lat = pd.to_timedelta(np.arange(1.0, 11.0), unit="ms").astype("timedelta64[us]")
    df = pd.DataFrame({"lat": lat, "v": np.arange(10.0)})
    # such a model was fitted on the numbers of the dtype's unit (microseconds here)
    as_fitted = df.assign(lat=lat.to_numpy().view(np.int64).astype(np.float64))
    old = TimeSeriesPreprocessor(columns=["lat", "v"]).fit(as_fitted).to_dict()
    old.pop("durations")
    pre = TimeSeriesPreprocessor.from_dict(old)
    np.testing.assert_array_equal(pre.transform(df), pre.transform(as_fitted))
    assert TimeSeriesPreprocessor.from_dict(pre.to_dict()).to_dict()["durations"] == "unit"
    # a model fitted now reads seconds, whatever the unit, and keeps doing so once saved
    new = TimeSeriesPreprocessor.from_dict(TimeSeriesPreprocessor(columns=["lat", "v"]).fit(df).to_dict())
    np.testing.assert_allclose(new.transform(df.assign(lat=lat.astype("timedelta64[ns]"))),
                               new.transform(df.assign(lat=lat.total_seconds())))
    with pytest.raises(InputError, match="malformed"):
        TimeSeriesPreprocessor.from_dict({**new.to_dict(), "durations": "hours"})


def test_a_stream_step_with_a_placeholder_channel_is_a_missing_value() -> None:
    # 'score' reads '', '-', 'N/A' in a channel as a missing value; the stream said
    # "expected a number, got 'N/A'" as for a word
    from hourglass import Pipeline
    from hourglass.detectors import TCNAutoEncoder
    from hourglass.serve.series_stream import SeriesStreamScorer

    t = np.arange(80)
    df = pd.DataFrame({"cpu": 50 + 20 * np.sin(t / 6), "mem": 10 + np.cos(t / 9)})
    pipe = Pipeline(TCNAutoEncoder(window=4, channels=(4,), epochs=1, verbose=0, random_state=0),
                    features=TimeSeriesPreprocessor()).fit(df)
    stream = SeriesStreamScorer.from_pipeline(pipe)
    rows = [{"cpu": v, "mem": 10.0} for v in (50.0, "N/A", " ", "-", "NaN", "x", 51.0)]
    _, bad = stream.feed(list(enumerate(rows, start=1)))
    assert [line for line, _ in bad] == [2, 3, 4, 5, 6]
    assert all("channel 'cpu' is a missing value" in why for _, why in bad[:4])
    assert "expected a number, got 'x'" in bad[4][1]


@pytest.mark.parametrize("column", ["user", "event"])
def test_an_event_table_names_bytes_that_are_no_utf8(column: str) -> None:
    from hourglass.features.sessions.events import EventSessions

    good = pd.DataFrame({"user": [b"a", b"b", b"a", b"a", b"b"], "event": [b"login", b"login", b"read",
                                                                          b"exit", b"exit"]})
    bad = good.copy()
    bad.loc[3, column] = b"\xff"
    want = rf"column '{column}': a cell holds bytes that are no UTF-8 text \(b'\\xff', row 4\)"
    pre = EventSessions(session_column="user", key_column="event")
    pre.chunk_lines = 2  # the row of the table, not of its chunk
    with pytest.raises(InputError, match=want):
        pre.fit(bad)
    with pytest.raises(InputError, match=want):
        pre.fit(good).transform(bad)
