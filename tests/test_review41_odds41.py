"""Sizes past what a buffer takes, an Ensemble's or a preprocessor's list of names, the way to
explain a model of another kind, a warm start's device fallback, and flags among log keys."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import hourglass
from hourglass import Pipeline
from hourglass._params import SIZE_TOP
from hourglass.cli import app
from hourglass.detectors import AutoEncoder, DeepLog, Ensemble
from hourglass.errors import InputError
from hourglass.explain import explain_rows, explain_steps
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.thresholds import DSPOT, SPOT, AlertRateMonitor, Calibrator
from tests._cli import one_line_error, runner

_SCORES = np.random.default_rng(0).exponential(size=500)


# what was wrong: SPOT(max_peaks=10**30).fit(...) and DSPOT's raised Python's bare OverflowError
# ("Python int too large to convert to C ssize_t"), Calibrator(n_knots=10**30).fit(...) NumPy's
# "Maximum allowed size exceeded" and AlertRateMonitor(window=10**30) NumPy's "Maximum allowed
# dimension exceeded": now one InputError naming the parameter and the largest value taken
@pytest.mark.parametrize(("make", "name"), [
    (lambda v: SPOT(1e-3, max_peaks=v).fit(_SCORES), "SPOT: max_peaks"),
    (lambda v: DSPOT(1e-3, depth=10, max_peaks=v).fit(_SCORES), "DSPOT: max_peaks"),
    (lambda v: SPOT(1e-3, max_peaks=v).check_params(), "SPOT: max_peaks"),
    (lambda v: Calibrator(n_knots=v).fit(_SCORES), "Calibrator: n_knots"),
    (lambda v: AlertRateMonitor(0.01, window=v), "AlertRateMonitor: window"),
])
@pytest.mark.parametrize("value", [10**30, 2**63, SIZE_TOP + 1])
def test_a_size_past_the_largest_taken_is_one_input_error(make, name: str, value: int) -> None:
    with pytest.raises(InputError, match=f"^{name} must be at most {SIZE_TOP:,}, got ") as info:
        make(value)
    assert info.value.param == name.split(": ")[1]


# pin (held, untested): the largest size is taken (a deque's maxlen sized by it, no allocation),
# and a small one as before
def test_the_largest_size_is_taken() -> None:
    t = SPOT(1e-2, max_peaks=SIZE_TOP).fit(_SCORES)
    assert t.peaks_.maxlen == SIZE_TOP
    assert Calibrator(n_knots=5).fit(_SCORES).knots_.size == 5


# what was wrong: --param 'detectors=[]' said "got ()" (Python's words for the empty tuple the
# JSON list is read as), not what was typed
def test_an_empty_list_of_detectors_is_said_as_typed(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text("a,b\n" + "".join(f"{i % 7},{i % 5}\n" for i in range(60)))
    one_line_error(["train", str(data), "-o", str(tmp_path / "m"), "-m", "ensemble", "--param",
                    "detectors=[]"], "detectors must be a non-empty list of detectors, got an empty list",
                   tmp_path / "m")
    for empty in ((), []):
        with pytest.raises(InputError, match=r"got an empty list$"):
            Ensemble(detectors=empty).validate_params()


# what was wrong: detectors=[nan] / detectors=nan (an Ensemble) and columns=nan (a time-series
# preprocessor) said "must be a finite number": a list of names is wanted, and now said
def test_a_nan_for_a_list_of_names_asks_for_names() -> None:
    with pytest.raises(InputError, match=r"^detectors\[0\] must be a detector, a registered name"):
        Ensemble(detectors=[float("nan")]).validate_params()
    with pytest.raises(InputError, match=r"^detectors must be a non-empty list of detectors, got nan$"):
        Ensemble(detectors=float("nan")).validate_params()
    df = pd.DataFrame({"a": np.arange(50.0)})
    with pytest.raises(InputError, match=r"^columns: expected a list of names, got float nan$"):
        TimeSeriesPreprocessor(columns=float("nan")).fit(df)
    # (a whole number may be a column's name: the hint stays)
    with pytest.raises(InputError, match=r"got int 5; write \[5\] for one column$"):
        TimeSeriesPreprocessor(columns=5).fit(df)


# (table_and_series: the fitted table and time-series models of tests/conftest.py)


# what was wrong: explain_rows on a time-series model said "explanations are for table and
# entity-bucket models" without naming the way that works; explain_steps on a table model the
# same the other way round
def test_explaining_a_model_of_another_kind_names_the_way_that_works(table_and_series) -> None:
    table, ts, rows, series = table_and_series
    with pytest.raises(InputError, match=r"reads timeseries data; explain its time steps with "
                                         r"hourglass\.explain\.explain_steps \('hourglass explain'"):
        explain_rows(ts, series)
    with pytest.raises(InputError, match=r"reads tabular data; explain its rows with "
                                         r"hourglass\.explain\.explain_rows \('hourglass explain'"):
        explain_steps(table, rows)
    # each explains its own kind
    assert len(explain_rows(table, rows.head(3))) == 3
    assert len(explain_steps(ts, series)) == len(series)


# what was wrong: train --warm-start from a model saved with device="cuda", on a machine
# without CUDA, printed "device: 'cuda' is not available here ...; using the CPU" twice (as the
# model loaded, and again as its copy was built)
@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_warm_start_from_a_cuda_model_says_the_cpu_fallback_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rng = np.random.default_rng(0)
    data = tmp_path / "t.csv"
    pd.DataFrame(rng.normal(size=(200, 2)), columns=["a", "b"]).to_csv(data, index=False)
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu")).fit(pd.read_csv(data))
    pipe.detector_.device = "cuda"  # what a GPU-trained artefact's parameters say
    pipe.save(tmp_path / "gpu")
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "w"), "--warm-start",
                              str(tmp_path / "gpu"), "--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert res.stderr.count("'cuda' is not available here") == 1, res.stderr
    # so does the Python warm start
    loaded = hourglass.load(tmp_path / "gpu")
    with caplog.at_level(logging.WARNING, logger="hourglass.nn.device"):
        loaded.warm_start(pd.read_csv(data), device="cpu")
    assert "using the CPU" not in caplog.text
    # the Python warm start still asks for the saved device, as a fit does
    loaded = hourglass.load(tmp_path / "gpu")
    with pytest.raises(InputError, match="'cuda' was asked for"):
        loaded.detector_.warm_start(pd.read_csv(data).to_numpy(dtype=np.float32))


# what was wrong: DeepLog.score([[1, True]]) read True as the key 1 (NumPy makes [1, True] the
# integers [1, 1]) while [[True, False]] (a bool array) was refused: a flag is refused in both
@pytest.mark.parametrize("session", [[1, True, 2], [True, False, 1], (2, np.True_, 1), [True, False]])
def test_a_flag_among_log_keys_is_refused_everywhere(session: list[object]) -> None:
    det = DeepLog(window=2, top_g=1, epochs=1, verbose=0, hidden=8, embed=4).fit([[1, 2, 3, 1, 2, 3]] * 10)
    with pytest.raises(InputError, match=r"^session 0: keys must be integers, found True$"):
        det.score([session])
    with pytest.raises(InputError, match=r"^session 1: keys must be integers, found True$"):
        DeepLog(window=2, top_g=1, epochs=1, verbose=0).fit([[1, 2, 3], session])
    assert det.score([[1, 2, 3, 1]]).shape == (1,)  # integer keys as before
