"""Review of the explanations (library and ``hourglass explain``): regressions of defects found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.detectors import AutoEncoder, TCNAutoEncoder
from hourglass.explain import explain_rows, step_errors
from hourglass.explain.timeseries import steps_table
from hourglass.features.entity import EntityWindows
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest.synthetic import port_scan_flows
from tests._cli import runner


def test_rows_of_a_numpy_frame_are_quoted_with_their_values() -> None:
    # columns 0, 1, 2 (a DataFrame of a numpy array) are named '0', '1', '2' by the features:
    # their values were shown as '?'
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 3)))
    pipe = Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    why = explain_rows(pipe, df.head(2), top=3)["why"]
    assert not why.str.contains("?", regex=False).any(), why.tolist()
    first = dict(p.split(" (")[0].split("=") for p in why.iloc[0].split("; "))
    assert {k: float(v) for k, v in first.items()} == {
        k: float(f"{df.iloc[0][int(k)]:.6g}") for k in first}


def _text_types(path: Path) -> dict[str, str]:
    schema = pq.read_schema(path)
    return {f.name: str(f.type) for f in schema}


def _explained_with_nothing_flagged(pipe: Pipeline, data: pd.DataFrame, tmp_path: Path) -> dict[str, str]:
    """The column types of ``hourglass explain``'s Parquet output for ``data``, the model's
    threshold raised so that nothing is flagged."""
    pipe.detector_.threshold_.value_ = np.inf
    pipe.save(tmp_path / "m")
    data.to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "why.parquet"
    res = runner.invoke(app, ["explain", str(tmp_path / "m"), str(tmp_path / "d.csv"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert " 0 flagged" in res.stderr
    return _text_types(out)


def test_a_series_explained_with_nothing_flagged_has_text_columns(tmp_path: Path) -> None:
    # with no flagged step, top_channel and why were float64 columns in the Parquet file: a
    # folder of daily outputs no longer read as one table (double against string)
    t = np.arange(300)
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=300, freq="min").astype(str),
                       "cpu": np.sin(t / 4), "mem": np.cos(t / 6)})
    pipe = Pipeline(TCNAutoEncoder(window=8, channels=(4,), code=2, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor("ts")).fit(df)
    empty = steps_table(step_errors(pipe, df.head(40)), np.array([], dtype=int))
    assert all(pd.api.types.is_string_dtype(empty[c]) for c in ("top_channel", "why"))
    types = _explained_with_nothing_flagged(pipe, df.head(40), tmp_path)
    assert "string" in types["top_channel"] and "string" in types["why"], types


def test_buckets_explained_with_nothing_flagged_have_text_columns(tmp_path: Path) -> None:
    flows, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0)
    ew = EntityWindows("src_ip", "ts", numeric=("bytes",), categorical=("dst_port",))
    pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=1, verbose=0), features=ew).fit(flows)
    types = _explained_with_nothing_flagged(pipe, flows.head(40), tmp_path)
    assert all("string" in types[c] for c in ("top_feature", "why", "method")), types


def test_a_missing_float32_value_is_said_missing(tmp_path: Path) -> None:
    # a float32 column (Parquet flow exports) holds numpy.float32 NaN, no Python float: it
    # was quoted as 'nan' where a float64 one says '<missing>'
    df = pd.DataFrame(np.random.default_rng(1).normal(size=(200, 3)), columns=["a", "b", "c"])
    pipe = Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    rows = df.head(2).astype("float32")
    rows.loc[0, "b"] = np.nan
    why = explain_rows(pipe, rows, top=3)["why"]
    assert "b=<missing>" in why.iloc[0] and "nan" not in why.iloc[0], why.tolist()


def test_a_whole_number_read_as_float_is_quoted_in_full() -> None:
    # a byte count in a column with a gap is a float: 1234567.0 was quoted '1.23457e+06'
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"bytes": rng.integers(1000, 5000, 200).astype(float), "b": rng.normal(size=200)})
    pipe = Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    rows = pd.DataFrame({"bytes": [1234567.0, np.nan], "b": [0.25, 0.5]})
    why = explain_rows(pipe, rows, top=2)["why"]
    assert "bytes=1234567 (" in why.iloc[0] and "b=0.25 (" in why.iloc[0], why.tolist()
    assert "bytes=<missing> (" in why.iloc[1], why.tolist()
