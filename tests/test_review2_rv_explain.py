"""Review of the explanations (library and ``hourglass explain``): regressions of defects found."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.explain import explain_rows


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
