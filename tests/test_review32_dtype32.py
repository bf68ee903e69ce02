"""The same table with NumPy dtypes and with pandas extension dtypes (review 32, dtype32): Arrow
(``pd.ArrowDtype``, what ``read_parquet(..., dtype_backend="pyarrow")`` gives), nullable and
category columns must give the same features, scores, explanations and messages as their NumPy
twins."""

from __future__ import annotations

import decimal
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.explain import explain_rows
from hourglass.features.sessions import EventSessions
from hourglass.features.validation import check_array
from hourglass.ingest.writers import chunk_writer


def test_check_array_takes_an_arrow_boolean_column_as_its_numpy_twin() -> None:
    # What was wrong: a detector given a DataFrame with a bool[pyarrow] column refused it
    # ("column 'c' is not numeric (dtype bool[pyarrow])"), where the same column as NumPy bool or
    # pandas' boolean is read as 0/1 (pandas' is_numeric_dtype says False for Arrow's bool alone).
    df = pd.DataFrame({"a": [0.5, 1.5, 2.5], "c": [True, False, True]})
    arrow = df.astype({"c": pd.ArrowDtype(pa.bool_())})
    assert np.array_equal(check_array(arrow), check_array(df))
    missing = arrow.assign(c=pd.Series([True, None, False], dtype=pd.ArrowDtype(pa.bool_())))
    with pytest.raises(Exception, match=r"first at row 2, column 'c'"):  # as boolean's NA
        check_array(missing)
    with pytest.raises(Exception, match=r"column 'c' is not numeric \(dtype category\)"):
        check_array(df.astype({"c": "category"}))  # a category of booleans stays refused


@pytest.mark.parametrize("dtype", [pd.ArrowDtype(pa.string()), pd.ArrowDtype(pa.large_string()),
                                   "category"])
def test_explain_quotes_numbers_given_as_arrow_or_category_text_as_the_model_read_them(
        dtype: object) -> None:
    # What was wrong: explain_rows quoted a numeric column given as Arrow text or a category of
    # text (a Parquet dictionary column) as its raw text, 'bytes=-', where the model read '-' as
    # missing and the same column as object or str text is quoted 'bytes=<missing>'.
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    n = 120
    text = rng.integers(0, 10_000, n).astype(str).astype(object)
    text[[3, 7]] = "-"
    df = pd.DataFrame({"bytes": text, "rate": rng.normal(size=n)})
    pipe = Pipeline(detector=AutoEncoder(epochs=1, hidden=(4,), random_state=0)).fit(df)
    ref = explain_rows(pipe, df, top=2)
    got = explain_rows(pipe, df.astype({"bytes": dtype}), top=2)
    assert "bytes=<missing>" in ref["why"][3]
    pd.testing.assert_frame_equal(got, ref)


@pytest.mark.parametrize("arrow_type", [pa.int64(), pa.int32(), pa.uint64(), pa.float64()])
def test_event_table_with_arrow_number_keys_reads_as_its_numpy_twin(arrow_type: pa.DataType) -> None:
    # What was wrong: an event table whose key column was Arrow-backed numbers stopped fit and
    # transform with an OverflowError traceback ('Python int too large to convert to C long':
    # the key checks compare with 2**63, which an Arrow scalar of the column's type cannot hold).
    df = pd.DataFrame({"sid": [1, 2, 1, 2, 1, 2], "eid": [4624, 4625, 4688, 4624, 4625, 4688]})
    arrow = df.astype({"eid": pd.ArrowDtype(arrow_type)})
    ref = EventSessions(session_column="sid", key_column="eid").fit(df)
    fitted = EventSessions(session_column="sid", key_column="eid").fit(arrow)
    assert fitted.key_names_ is None and ref.key_names_ is None  # integer keys, as given
    want = [s.tolist() for s in ref.transform(df)]
    assert [s.tolist() for s in fitted.transform(arrow)] == want
    assert [s.tolist() for s in ref.transform(arrow)] == want


def test_kept_parquet_decimal_column_is_a_json_number_as_its_double_twin(tmp_path: Path) -> None:
    # What was wrong: score -o alerts.jsonl --keep of a Parquet decimal128 column (databases,
    # Spark) wrote each value as a JSON string ("rate":"3.11"), where the same column as doubles,
    # and the ECS, grouped and SQLite outputs of the decimals, write the number 3.11.
    rate = [decimal.Decimal("3.11"), None, decimal.Decimal("2.50")]
    doubles = pd.DataFrame({"row": [0, 1, 2], "rate": [3.11, None, 2.5]})
    decimals = pd.DataFrame({"row": [0, 1, 2], "rate": pd.Series(rate, dtype=object)})
    got = []
    for name, df in (("d.jsonl", doubles), ("x.jsonl", decimals)):
        with chunk_writer(tmp_path / name) as w:
            w.write(df)
        got.append([json.loads(line) for line in (tmp_path / name).read_text().splitlines()])
    assert got[1] == got[0] == [{"row": 0, "rate": 3.11}, {"row": 1, "rate": None},
                                {"row": 2, "rate": 2.5}]
