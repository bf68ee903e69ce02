"""Review round 54 (left54c): regression tests."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def test_timeseries_benchmark_docstring_says_how_a_forecaster_maps_scores() -> None:
    # What was wrong: benchmarks/timeseries.py's docstring said "every window score is mapped back
    # to steps the same way (mean over the windows covering a step)", though lstm-forecaster's
    # first `window` steps of a scored series take a copy of the first forecast's score (no
    # forecast is about them) and pyod-lstmad maps its scores back its own way.
    from hourglass.detectors import LSTMForecaster

    X = np.random.default_rng(0).normal(size=(60, 2)).astype("float32")
    det = LSTMForecaster(window=8, epochs=1, verbose=0, random_state=0).fit(X)
    s = det.score(X)
    assert (s[:8] == s[8]).all()  # the behaviour the docstring now states
    doc = ast.get_docstring(ast.parse((ROOT / "benchmarks" / "timeseries.py").read_text()))
    assert doc is not None
    assert "mapped back to steps the same way" not in doc
    assert "take a copy of the first forecast's score" in " ".join(doc.split())
