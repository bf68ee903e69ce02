"""The Python API given the same numbers in other in-memory forms (review 28, api28): a read-only
array, a read-only memmap, a DataFrame over either, pandas' nullable and Arrow dtypes, another
index. The same scores and attributions, no warning, and the caller's input left as it was."""

from __future__ import annotations

import copy
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder, DeepSVDD
from hourglass.errors import InputError
from hourglass.explain.gradients import attributions


def _read_only(X: np.ndarray) -> np.ndarray:
    X = X.copy()
    X.setflags(write=False)
    return X


@pytest.fixture
def handed_read_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, ...]]]:
    """The shapes of the read-only arrays given to ``torch.from_numpy``: torch warns the user for
    each ("The given NumPy array is not writable ...", once per process, so a spy and not the
    warning itself says it here, whatever ran before in the session)."""
    seen: list[tuple[int, ...]] = []
    original: Callable[[np.ndarray], torch.Tensor] = torch.from_numpy

    def spy(a: np.ndarray) -> torch.Tensor:
        if not a.flags.writeable:
            seen.append(a.shape)
        return original(a)

    monkeypatch.setattr(torch, "from_numpy", spy)
    yield seen


@pytest.fixture(scope="module")
def rows() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(120, 4)).astype(np.float32)


@pytest.fixture(scope="module")
def svdd(rows: np.ndarray) -> DeepSVDD:
    return DeepSVDD(hidden=(8, 4), epochs=1, verbose=0).fit(rows)


def test_gradients_of_read_only_rows_give_torch_no_read_only_array(
        svdd: DeepSVDD, rows: np.ndarray, handed_read_only: list[tuple[int, ...]]) -> None:
    # what was wrong: integrated gradients made each chunk of rows a tensor with
    # torch.from_numpy(np.ascontiguousarray(chunk)), which keeps a read-only array read-only, so
    # attributions(detector, X) of a read-only X (X.setflags(write=False), a read-only memmap, a
    # DataFrame over one) printed torch's "The given NumPy array is not writable" UserWarning
    # to the user; a writable X gave none. Scoring copied such a batch (np.require), so did this
    # path not: both now go through hourglass.nn.training.rows_tensor.
    want = attributions(svdd, rows[:10])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.f32"
        rows[:10].tofile(path)
        mapped = np.memmap(path, dtype=np.float32, mode="r", shape=(10, 4))
        for X in (_read_only(rows[:10]), mapped,
                  pd.DataFrame(_read_only(rows[:10]), columns=list("abcd"), copy=False)):
            got = attributions(svdd, X)
            assert np.array_equal(got.values, want.values)
            assert np.array_equal(got.score, want.score)
        del mapped
    assert handed_read_only == []


def test_onnx_parity_check_of_a_read_only_sample_gives_torch_no_read_only_array(
        tmp_path: Path, handed_read_only: list[tuple[int, ...]]) -> None:
    # what was wrong: export_onnx(pipe, path, sample=X) measured torch's float32 rounding on
    # torch.from_numpy of slices of X as given (check_array keeps a float32 C-ordered array as
    # it is), so a read-only sample printed torch's "not writable" UserWarning during export
    pytest.importorskip("onnxruntime")
    from hourglass.pipeline.export import export_onnx

    df = pd.DataFrame(np.random.default_rng(1).normal(size=(200, 3)), columns=["a", "b", "c"])
    pipe = Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    sample = _read_only(pipe.transform(df.head(50)).astype(np.float32))
    export_onnx(pipe, tmp_path / "model.onnx", sample=sample)
    assert handed_read_only == []
    assert not sample.flags.writeable  # the caller's array is left as it was


def _forms(X: np.ndarray, tmp: Path) -> Iterator[tuple[str, Any]]:
    """The same numbers as the float32 array ``X`` (whole numbers), in other in-memory forms."""
    cols = [f"f{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X.astype(np.int64), columns=cols)
    yield "read-only", _read_only(X)
    X.tofile(tmp / "X.f32")
    yield "read-only memmap", np.memmap(tmp / "X.f32", dtype=np.float32, mode="r", shape=X.shape)
    yield "int64", X.astype(np.int64)
    yield "Int64", frame.astype("Int64")
    yield "Float64", frame.astype("Float64")
    yield "int64[pyarrow]", frame.astype("int64[pyarrow]")
    yield "shuffled index", frame.set_axis(np.random.default_rng(2).permutation(len(X)))
    yield "repeated text index", frame.set_axis([f"r{i % 3}" for i in range(len(X))])


def test_the_same_numbers_in_other_forms_fit_and_score_alike_and_stay_unchanged() -> None:
    # pins a promise no test held: scores depend on the numbers, not on their container (the
    # contract's "tabular = 2-D (rows × features) or a DataFrame"); fit and score leave the
    # caller's data as it was (values, dtypes, index)
    X = np.random.default_rng(3).integers(-5, 6, size=(120, 3)).astype(np.float32)
    want = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X).score(X)
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, form in _forms(X, Path(tmp)):
            before = copy.deepcopy(form) if isinstance(form, pd.DataFrame) else np.array(form)
            got = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(form).score(form)
            assert np.array_equal(got, want), name
            if isinstance(form, pd.DataFrame):
                pd.testing.assert_frame_equal(form, before)
            else:
                assert np.array_equal(form, before), name


def test_integrated_gradients_from_a_read_only_baseline_give_torch_no_read_only_array(
        handed_read_only: list[tuple[int, ...]]) -> None:
    # what was wrong: integrated_gradients(fn, X, baseline) made the baseline a tensor with
    # torch.as_tensor, which shares a read-only float32 baseline as it is: torch's "not
    # writable" UserWarning for a baseline the caller had frozen (a writable one gave none)
    from hourglass.explain.gradients import integrated_gradients

    fn = torch.nn.Sequential(torch.nn.Linear(3, 1, bias=False), torch.nn.Flatten(0))
    with torch.no_grad():
        fn[0].weight.copy_(torch.tensor([[1.0, -2.0, 0.5]]))
    spy_as_tensor: list[tuple[int, ...]] = []
    original = torch.as_tensor

    def as_tensor(data: Any, *args: Any, **kwargs: Any) -> torch.Tensor:
        if isinstance(data, np.ndarray) and not data.flags.writeable:
            spy_as_tensor.append(data.shape)
        return original(data, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch, "as_tensor", as_tensor)
        got = integrated_gradients(fn, np.ones((2, 3), dtype=np.float32),
                                   _read_only(np.zeros(3, dtype=np.float32)))
    assert got.values.round(3).tolist() == [[1.0, -2.0, 0.5]] * 2
    assert handed_read_only == [] and spy_as_tensor == []


def test_a_pyarrow_table_whose_columns_moved_is_refused_as_a_dataframe_is() -> None:
    # what was wrong: a detector reads a pyarrow Table (or RecordBatch) by position, as it reads
    # a DataFrame, but kept and checked column names for DataFrames only: fitted on a frame (or a
    # table) of bytes, rate, port, a table of port, rate, bytes was scored as if bytes were port,
    # without a word, where the same frame is refused ("the columns are in another order")
    pa = pytest.importorskip("pyarrow")
    X = np.random.default_rng(4).normal(size=(100, 3)).astype(np.float32)
    table = pa.table({"bytes": X[:, 0], "rate": X[:, 1], "port": X[:, 2]})
    for fitted_on in (table.to_pandas(), table):
        det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(fitted_on)
        assert list(det.feature_names_in_) == ["bytes", "rate", "port"]
        assert np.array_equal(det.score(table), det.score(X))  # in order: the same scores
        moved = table.select(["port", "rate", "bytes"])
        for given in (moved, moved.to_batches()[0]):
            with pytest.raises(InputError, match="columns are in another order than at fit"):
                det.score(given)
        with pytest.raises(InputError, match=r"columns differ from those at fit \(missing 'port'\)"):
            det.score(table.select(["bytes", "rate"]))


def test_a_pyarrow_table_with_a_bad_value_is_named_as_its_dataframe_is() -> None:
    # what was wrong: a pyarrow Table went to np.asarray as an unnamed array, so its NaN or
    # too-large value was placed at "column 2" (its DataFrame's: "column 'c'") and a text column
    # gave numpy's "could not convert string to float: 'x'" instead of naming the column
    pa = pytest.importorskip("pyarrow")
    from hourglass.features.validation import check_array

    for table in (pa.table({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, None]}),
                  pa.table({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [1e300, 1.0]}),
                  pa.table({"a": [1.0, 2.0], "b": ["x", "y"], "c": [5.0, 6.0]})):
        with pytest.raises(InputError) as frame_error:
            check_array(table.to_pandas())
        for given in (table, table.to_batches()[0]):
            with pytest.raises(InputError) as table_error:
                check_array(given)
            assert str(table_error.value) == str(frame_error.value)
    good = pa.table({"a": [1, 2], "b": [True, False], "c": [0.1, 2.5]})
    assert np.array_equal(check_array(good), check_array(good.to_pandas()))


def test_explaining_with_an_unfitted_pipeline_says_it_is_not_fitted() -> None:
    # what was wrong: pipe.score(df) before fit raises NotFittedError ("Pipeline is not fitted;
    # call fit(df) first"), but the explain functions of the same pipeline (explain_rows,
    # explainable, column_errors, column_attributions, explain_steps, step_errors,
    # series_explainable, explain_buckets, bucket_verdicts) gave Python's raw "AttributeError:
    # 'Pipeline' object has no attribute 'detector_'"
    from hourglass.errors import NotFittedError
    from hourglass.explain import entity, tabular, timeseries
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame(np.ones((20, 3)), columns=["a", "b", "c"])

    def table() -> Pipeline:
        return Pipeline(detector=AutoEncoder())

    def series() -> Pipeline:
        from hourglass.detectors import LSTMAutoEncoder

        return Pipeline(detector=LSTMAutoEncoder(), features=TimeSeriesPreprocessor())

    calls: list[Callable[[], object]] = [
        lambda: tabular.explain_rows(table(), df), lambda: tabular.explainable(table()),
        lambda: tabular.column_errors(table(), df), lambda: tabular.column_attributions(table(), df),
        lambda: timeseries.explain_steps(series(), df), lambda: timeseries.step_errors(series(), df),
        lambda: timeseries.series_explainable(series()), lambda: entity.explain_buckets(table(), df),
        lambda: entity.bucket_verdicts(table(), df, np.ones((20, 3), dtype=np.float32)),
    ]
    for call in calls:
        with pytest.raises(NotFittedError, match=r"^Pipeline is not fitted; call fit\(df\) first$"):
            call()


def test_calibrated_score_and_predict_proba_of_an_unfitted_pipeline_say_it_is_not_fitted() -> None:
    # what was wrong: Pipeline.calibrated_score(df) read self.detector_ before scoring, so it and
    # predict_proba raised "AttributeError: 'Pipeline' object has no attribute 'detector_'"
    # before fit, where score and predict say NotFittedError
    from hourglass.errors import NotFittedError

    df = pd.DataFrame(np.ones((20, 3)), columns=["a", "b", "c"])
    for method in ("score", "predict", "calibrated_score", "predict_proba"):
        with pytest.raises(NotFittedError, match=r"^Pipeline is not fitted; call fit\(df\) first$"):
            getattr(Pipeline(detector=AutoEncoder()), method)(df)
