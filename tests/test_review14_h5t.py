"""Regression tests: DSPOT refused fit/update, SQLite/JSON lines values, real_scores on arrays."""

from __future__ import annotations

import decimal
import io
import json

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest.sqlite import parquet_value, sql_value
from hourglass.serve.sinks import JsonLinesSink, json_line
from hourglass.thresholds import DSPOT


def _far_scores(last: float | None = None) -> np.ndarray:
    rng = np.random.default_rng(0)
    x = rng.exponential(size=3000) * 1e300
    x[rng.choice(np.arange(1, 2998, 2), size=200, replace=False)] = 1e308 + rng.exponential(size=200) * 1e306
    if last is not None:
        x[-1] = last
    return x


def test_dspot_refused_refit_keeps_the_last_fit() -> None:
    t = DSPOT(1e-3, depth=1).fit(np.random.default_rng(0).exponential(size=3000))
    before = (t.value_, t.z_, list(t.window_), t.window_sum_, list(t.peaks_), t.n_fit_)
    with pytest.raises(InputError, match="past the largest float"):
        t.fit(_far_scores(1.5e308))
    assert (t.value_, t.z_, list(t.window_), t.window_sum_, list(t.peaks_), t.n_fit_) == before
    assert t._current_value() == t.value_
    assert t.predict([before[0] * 2]).tolist() == [1]


def test_dspot_refused_first_fit_leaves_it_unfitted() -> None:
    t = DSPOT(1e-3, depth=1)
    with pytest.raises(InputError, match="past the largest float"):
        t.fit(_far_scores(1.5e308))
    assert not hasattr(t, "value_") and not hasattr(t, "window_")


def test_dspot_update_past_the_largest_float_is_refused() -> None:
    t = DSPOT(1e-3, depth=1).fit(_far_scores())
    value = t.value_
    assert np.isfinite(value)
    with pytest.raises(InputError, match=r"DSPOT\.update: the cut-off .* past the largest float"):
        t.update([1.0e308])
    assert t.value_ == value  # never inf: the rule is to be refitted (update's docstring)


@pytest.mark.parametrize("text", ["sNaN", "-sNaN", "NaN"])
def test_nan_decimal_is_null_in_sqlite_and_json_lines(text: str) -> None:
    value = decimal.Decimal(text)
    assert parquet_value(value) is None
    assert sql_value(value) is None
    assert json.loads(sql_value({"v": [value, decimal.Decimal("1.5")]})) == {"v": [None, 1.5]}
    assert json.loads(json_line({"v": [value]})) == {"v": [None]}


def test_numpy_arrays_in_json_lines_as_in_sqlite() -> None:
    # JSON lines raised "Object of type ndarray is not JSON serializable" for any such array
    values = [np.array(["2026-01-02"], dtype="datetime64[D]"), np.array([90], dtype="timedelta64[s]"),
              np.array([5], dtype="timedelta64[M]"), np.array([float("nan"), 1.5]),
              np.array([pd.Timestamp("2026-01-01")], dtype=object)]
    alerts = [{"row": i, "score": 1.0, "flag": 1, "v": v} for i, v in enumerate(values)]
    buf = io.BytesIO()
    JsonLinesSink(buf).write(alerts)
    jsonl = [json.loads(line)["v"] for line in buf.getvalue().decode().splitlines()]
    assert jsonl == [["2026-01-02T00:00:00"], ["0 days 00:01:30"], ["5 months"], [None, 1.5],
                     ["2026-01-01T00:00:00"]]
    # as the SQLite outputs store such an array in a list or dict (ingest.sqlite.sql_value)
    assert [json.loads(sql_value({"v": v}))["v"] for v in values] == jsonl


def test_real_scores_object_array_of_arrays_checks_their_dtypes() -> None:
    from hourglass.thresholds.base import real_scores

    a = np.empty(4, dtype=object)
    a[:] = [np.array(1.0), np.array(2, dtype=np.int32), np.array(3.5, dtype=np.float32), 4.0]
    assert real_scores(a, "Percentile").tolist() == [1.0, 2.0, 3.5, 4.0]
    a[1] = np.array(1 + 0j)
    with pytest.raises(InputError, match="found complex numbers"):
        real_scores(a, "Percentile")


def test_a_kept_numpy_array_is_stored_as_the_list_json_lines_write(tmp_path) -> None:
    # a kept field holding a numpy array was stored as the array's memory, a BLOB
    import sqlite3

    from hourglass.serve.sinks import SQLiteSink, alert_columns

    alert = {"row": 1, "score": 2.5, "v": np.array([1.5, np.nan, 3.0])}
    buf = io.BytesIO()
    JsonLinesSink(buf).write([alert])
    path = tmp_path / "a.sqlite"
    with SQLiteSink(path, alert_columns("table", keep=["v"])) as sink:
        sink.write([alert])
    with sqlite3.connect(path) as conn:
        (got, kind), = conn.execute("SELECT v, typeof(v) FROM alerts").fetchall()
    assert kind == "text" and json.loads(got) == json.loads(buf.getvalue())["v"] == [1.5, None, 3.0]


def test_a_zero_dimensional_array_is_stored_as_the_value_it_holds() -> None:
    # sql_value(np.array(1.5)) was the text '1.5', np.array(nan) the text 'null', a 0-d time quoted
    assert sql_value(np.array(1.5)) == 1.5
    assert sql_value(np.array(np.nan)) is None
    assert sql_value(np.array("2026-01-01T00:00:00", dtype="datetime64[ns]")) == "2026-01-01T00:00:00"
