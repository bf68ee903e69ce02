"""Review 22 (rv22b): review of the last merges (--freq spellings, ...): regression tests."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from hourglass._times import frequency, steps_per_day
from hourglass.features.timeseries import TimeSeriesPreprocessor


def _series(n: int = 48) -> pd.DataFrame:
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1h").astype(str),
                         "cpu": np.sin(np.arange(n) / 5)})


def test_freq_unit_without_a_number() -> None:
    # frequency() respelled a unit only after its number: --freq H (pandas' own old spelling of
    # one hour, and what a model saved by an older pandas holds) was still refused as 'not a
    # pandas frequency' while 1H was read; T, S too
    assert [frequency(f) for f in ("H", "T", "S", "D", "L")] == ["h", "min", "s", "D", "ms"]
    # other offset words stay as they are
    assert [frequency(f) for f in ("MS", "W-MON", "QS-JAN", "BMS", "ME", "YS")] == [
        "MS", "W-MON", "QS-JAN", "BMS", "ME", "YS"]
    assert steps_per_day("H") == 24.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pre = TimeSeriesPreprocessor("ts", freq="H").fit(_series())
        assert pre.freq == "H" and pre.to_dict()["params"]["freq"] == "h"
        assert len(pre.transform(_series())) == 48
        saved = TimeSeriesPreprocessor("ts", freq="1h").fit(_series()).to_dict()
        saved["params"]["freq"] = "H"  # a model saved with a bare H
        assert len(TimeSeriesPreprocessor.from_dict(saved).transform(_series())) == 48
