"""Feature preprocessing: the same values read alike whatever their dtype."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features import TabularPreprocessor
from hourglass.features.timeseries import TimeSeriesPreprocessor


def _flags(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"bytes": rng.lognormal(5, 1, n), "syn": rng.choice([True, False], n)})


@pytest.mark.parametrize("spell", [str.lower, str.upper, str])
def test_a_boolean_column_scored_as_its_text_is_no_unseen_value(spell: object) -> None:
    # a CSV column of true/false reads as booleans ('True'); the same column with one other word in
    # it (or JSON strings "true") reads as text 'true': every row was <unseen>, its score raised
    train = _flags()
    pre = TabularPreprocessor().fit(train)
    as_text = train.assign(syn=train["syn"].map(lambda b: spell(str(b))).astype(object))  # type: ignore[operator]
    want = pre.transform(train)
    for rows in (as_text, as_text.iloc[:3], pd.concat([as_text] * 40, ignore_index=True)):
        got = pre.transform(rows)
        assert np.array_equal(got, want[np.arange(len(rows)) % len(train)])
    # trained on the text, scored as booleans; saved and loaded
    pre = TabularPreprocessor().fit(train.assign(syn=train["syn"].map({True: "true", False: "false"})))
    loaded = TabularPreprocessor.from_dict(json.loads(json.dumps(pre.to_dict(), sort_keys=True)))
    assert "syn=<unseen>" in pre.feature_names_
    unseen = pre.feature_names_.index("syn=<unseen>")
    for p in (pre, loaded):
        X = p.transform(train)
        assert not X[:, unseen].any()
        assert p.transform(train.assign(syn="maybe"))[:, unseen].all()  # a new word still is unseen


def test_a_sum_of_missing_values_only_is_missing_not_zero() -> None:
    # agg="sum": a step whose rows were all NaN (a sensor that did not report) read as a measured
    # 0, past fill="none" (no error), the fill policy and the missing mask; a step with no row at
    # all stays 0 (a minute without events)
    times = pd.date_range("2024-01-01", periods=8, freq="1min").astype(str).tolist()
    df = pd.DataFrame({"ts": times, "v": [1.0, 2.0, 3.0, np.nan, 5.0, 6.0, 7.0, 8.0],
                       "w": np.arange(8.0)})
    first = r"column 'v': 1 missing value\(s\), first at timestamp 2024-01-01 00:03"
    with pytest.raises(InputError, match=first):
        TimeSeriesPreprocessor("ts", freq="1min", agg="sum", scaler="none").fit(df)
    with pytest.raises(InputError, match="column 'v': 1 missing"):  # the same timestamp twice too
        TimeSeriesPreprocessor("ts", agg="sum", scaler="none").fit(pd.concat([df, df.iloc[[3]]]))
    pre = TimeSeriesPreprocessor("ts", freq="1min", agg="sum", scaler="none", fill="ffill",
                                 missing_mask=True).fit(df)
    X = pre.transform(df)
    assert pre.feature_names_ == ["v", "w", "v__missing"]
    assert X[:, 0].tolist() == [1.0, 2.0, 3.0, 3.0, 5.0, 6.0, 7.0, 8.0]
    assert X[:, 2].tolist() == [0, 0, 0, 1, 0, 0, 0, 0]
    gap = df.drop(index=[5])  # no row at 00:05: a sum of nothing is 0, as before
    assert pre.transform(gap)[:, 1].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 6.0, 7.0]


def test_a_duration_channel_is_read_in_seconds_whatever_its_unit() -> None:
    # a Parquet duration column was ignored as "non-numeric"; named in columns, it was read in
    # the count of its dtype's unit: a model trained on timedelta64[us] read timedelta64[ns]
    # (or an Arrow duration) 1,000 times larger, without a word
    import pyarrow as pa

    lat = pd.to_timedelta(np.arange(10.0) ** 2, unit="ms").astype("timedelta64[us]")
    df = pd.DataFrame({"lat": lat, "v": np.arange(10.0)})
    pre = TimeSeriesPreprocessor(scaler="none").fit(df)
    assert pre.channels_ == ["lat", "v"]
    want = (np.arange(10.0) ** 2 / 1000).astype(np.float32)
    for unit in (lat.astype("timedelta64[ns]"), lat.astype(pd.ArrowDtype(pa.duration("ms")))):
        assert np.array_equal(pre.transform(df.assign(lat=unit))[:, 0], want)
    scaled = TimeSeriesPreprocessor(columns=["lat"]).fit(df)
    assert scaled.offset_[0] == pytest.approx(want.mean(), rel=1e-6)
    loaded = TimeSeriesPreprocessor.from_dict(json.loads(json.dumps(scaled.to_dict())))
    nanos = df.assign(lat=lat.astype("timedelta64[ns]"))
    assert np.array_equal(loaded.transform(nanos), scaled.transform(df))


def test_bytes_that_are_no_utf8_are_an_input_error_naming_the_column(tmp_path: Path) -> None:
    # a Parquet binary column reads as bytes cells; one that is no UTF-8 raised a bare
    # UnicodeDecodeError from fit and transform ("error: 'utf-8' codec can't decode byte 0xff in
    # position 0" from the command line, no column named)
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hourglass.features.statistics import site_schema
    from tests._cli import one_line_error

    good = pd.DataFrame({"b": [1.0, 2.0, 3.0, 4.0], "proto": [b"tcp", b"udp", b"tcp", b"udp"]})
    pre = TabularPreprocessor().fit(good)
    assert pre.feature_names_ == ["b", "proto=tcp", "proto=udp", "proto=<unseen>"]  # UTF-8 bytes read
    bad = good.assign(proto=[b"tcp", b"\xff\xfe", b"tcp", b"udp"])
    said = r"column 'proto': a cell holds bytes that are no UTF-8 text \(b'\\xff\\xfe', row 2\)"
    for call in (lambda: TabularPreprocessor().fit(bad), lambda: pre.transform(bad),
                 lambda: pre.transform(pd.concat([bad] * 300)),
                 lambda: site_schema(TabularPreprocessor().get_params(), bad)):
        with pytest.raises(InputError, match=said):
            call()
    assert TabularPreprocessor(drop=["proto"]).fit(bad).feature_names_ == ["b"]
    table = pa.table({"bytes": [1.0, 2.0, 3.0], "proto": pa.array([b"tcp", b"\xff", b"udp"], pa.binary())})
    pq.write_table(table, tmp_path / "new.parquet")
    one_line_error(["inspect", str(tmp_path / "new.parquet")],
                   "column 'proto': a cell holds bytes that are no UTF-8 text (b'\\xff', row 2)")


def test_numbers_as_text_with_a_missing_spelling_read_as_the_csv_reads_them() -> None:
    # JSON lines bring numbers as text with 'N/A', 'null' or 'NaN' for a missing value, which the
    # CSV reader takes as missing: the column was read as text (dropped as near-unique, or
    # hashed), and a model trained on numbers refused 'NaN' at scoring ("expected numbers")
    rng = np.random.default_rng(0)
    values = rng.lognormal(5, 1, 200).round()
    values[::10] = np.nan
    numbers = pd.DataFrame({"bytes": values, "proto": ["tcp", "udp"] * 100})
    for spelled in ("N/A", "null", "NaN", "?"):
        text = numbers.assign(bytes=[spelled if np.isnan(v) else str(int(v)) for v in values])
        pre = TabularPreprocessor().fit(text)
        assert pre.roles_["bytes"] == "numeric"
        assert pre.reasons_["bytes"] == f"numbers stored as text ({spelled!r} missing)"
        assert pre.indicators_ == ["bytes"]
        want = TabularPreprocessor().fit(numbers)
        assert np.array_equal(pre.transform(text), want.transform(numbers))
        assert np.array_equal(want.transform(text), want.transform(numbers))
        assert np.array_equal(want.transform(text.iloc[:3]), want.transform(numbers.iloc[:3]))
        assert not want.unreadable_rows(text).any()
    # text whose words only look like such a spelling stays text; the spelling itself is a
    # missing cell in a text column too, as the CSV reader reads it
    regions = pd.DataFrame({"region": ["NA", "EU", "AS", "Na"] * 5, "b": np.arange(20.0)})
    assert TabularPreprocessor().fit(regions).categories_["region"] == ["<missing>", "AS", "EU", "Na"]


def test_every_missing_spelling_of_the_table_reader_is_a_placeholder() -> None:
    from hourglass.features.roles import PLACEHOLDERS
    from hourglass.ingest.tables import NULL_VALUES

    assert set(NULL_VALUES) - {""} <= set(PLACEHOLDERS)


def test_a_channel_named_in_columns_and_in_drop_is_refused() -> None:
    # columns=['a', 'b'], drop=['a'] modelled 'a' and ignored the drop without a word
    df = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0) ** 2})
    pre = TimeSeriesPreprocessor(columns=["b"]).fit(df)
    with pytest.raises(InputError, match="columns: 'a' is in drop too; give it one place"):
        TimeSeriesPreprocessor(columns=["a", "b"], drop=["a"]).fit(df)
    assert pre.channels_ == ["b"]
    assert TimeSeriesPreprocessor(columns=["a"], drop=["b"]).fit(df).channels_ == ["a"]


def test_a_series_channel_of_numbers_as_text_reads_its_missing_spellings_as_gaps() -> None:
    # '-', 'N/A' or a blank among numbers as text (JSON lines, a scoring request): the channel
    # was left out at fit ("ignoring non-numeric column(s)") and each was an error at scoring
    # ("expected numbers, found '-'"), where the table reader and the tabular features read a
    # missing value, for the fill policy to bridge
    text = [str(float(i)) for i in range(20)]
    text[5], text[9], text[12] = "N/A", "-", " "
    df = pd.DataFrame({"v": text, "w": np.arange(20.0) ** 2})
    with pytest.raises(InputError, match=r"column 'v': 3 missing value\(s\), first at row 6; set fill"):
        TimeSeriesPreprocessor().fit(df)
    pre = TimeSeriesPreprocessor(fill="interpolate", scaler="none").fit(df)
    assert pre.channels_ == ["v", "w"]
    assert pre.transform(df)[:, 0].tolist() == list(np.arange(20.0))
    numbers = df.assign(v=np.arange(20.0))
    strict = TimeSeriesPreprocessor(scaler="none").fit(numbers)
    with pytest.raises(InputError, match=r"column 'v': 3 missing value\(s\), first at row 6; the model"):
        strict.transform(df)
    with pytest.raises(InputError, match=r"column 'v': expected numbers, found 'oops' \(row 4\)"):
        pre.transform(df.assign(v=df["v"].where(df.index != 3, "oops")))
