"""Saved models: damage and hand edits loading must refuse with one clear error, and what a save
then a load must keep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline, load
from hourglass.detectors import LSTMAutoEncoder
from hourglass.errors import ArtefactError
from hourglass.features.timeseries import TimeSeriesPreprocessor
from tests._artefacts import rehashed


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    t = np.arange(120)
    return pd.DataFrame({"cpu": np.sin(t / 4), "mem": np.cos(t / 6)})


@pytest.fixture(scope="module")
def series_model(series: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("art19") / "series"
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, code=2, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor()).fit(series).save(out)
    return out


@pytest.mark.parametrize(("param", "value", "said"), [
    ("stride", 0, "stride must be >= 1"), ("window", 1, "window must be >= 2"),
    ("score_reduce", "zz", "score_reduce must be"), ("score_norm", "zz", "score_norm must be"),
    ("linear_path", "zz", "linear_path must be")])
def test_a_series_window_setting_out_of_range_is_refused_on_load(
        series_model: Path, tmp_path: Path, param: str, value: Any, said: str) -> None:
    edited = rehashed(series_model, tmp_path / "m",
                      lambda c: c["detector"]["params"].__setitem__(param, value))
    with pytest.raises(ArtefactError, match=f"{edited}.*{said}"):
        load(edited)


def test_a_series_scoring_setting_changed_within_range_still_loads(
        series_model: Path, series: pd.DataFrame, tmp_path: Path) -> None:
    edited = rehashed(series_model, tmp_path / "m",
                      lambda c: c["detector"]["params"].__setitem__("score_reduce", "max"))
    assert np.isfinite(load(edited).score(series)).all()
