"""Time series: how rows are combined onto the grid (``agg``), in the library and the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor


def _series_with_a_repeated_time(n: int = 80) -> pd.DataFrame:
    t = pd.date_range("2024-01-01", periods=n, freq="1min").strftime("%Y-%m-%d %H:%M:%S")
    return pd.DataFrame({"ts": [*t, t[-1]], "v": np.sin(np.arange(n + 1.0) / 5)})


@pytest.mark.parametrize(("ts", "freq"), [("ts", "rows"), (None, None)])
def test_agg_where_nothing_is_combined_is_refused_at_fit(ts: str | None, freq: str | None) -> None:
    """``agg="max"`` with rows as the steps combined nothing: accepted and ignored (the repeated
    time stayed two steps), as ``--freq-agg`` was on the command line."""
    df = _series_with_a_repeated_time()
    pre = TimeSeriesPreprocessor(ts, freq=freq, agg="max", drop=() if ts else ("ts",))
    with pytest.raises(InputError, match="agg: 'max' combines the rows of one freq grid step"):
        pre.fit(df)
    assert not hasattr(pre, "channels_")  # left unfitted


def test_agg_where_it_combines_still_fits_loads_and_warm_starts(tmp_path: Path) -> None:
    """Where ``agg`` combines (duplicate times, a time grid) it is taken; a model saved with
    ``agg`` and ``freq="rows"`` (as an earlier version wrote it) still loads, scores the same
    and warm-starts: the preprocessing is fitted once, never checked again."""
    import hourglass
    from hourglass import Pipeline
    from hourglass.detectors import registry

    df = _series_with_a_repeated_time()
    pre = TimeSeriesPreprocessor("ts", agg="max").fit(df)
    assert pre.transform(df).shape[0] == 80  # the repeated time merged into one step
    assert TimeSeriesPreprocessor("ts", freq="2min", agg="max").fit(df).transform(df).shape[0] == 40
    det = registry.get("lstm-ae")(epochs=1, window=4, hidden=4, random_state=0)
    pipe = Pipeline(detector=det, features=TimeSeriesPreprocessor("ts", freq="rows")).fit(df)
    pipe.features_.agg = "max"  # what train --freq rows --freq-agg max saved before it was refused
    pipe.save(tmp_path / "m")
    loaded = hourglass.load(tmp_path / "m")
    assert loaded.features_.agg == "max"
    np.testing.assert_allclose(loaded.score(df), pipe.score(df), rtol=1e-6)
    warm = loaded.warm_start(df, epochs=1)
    assert warm.features_.agg == "max" and np.isfinite(warm.score(df)).all()


def test_freq_agg_on_a_dataset_without_times_does_not_ask_for_a_timestamp_column(tmp_path: Path) -> None:
    """ASD/SMD files are numbers only: the refusal told to 'give --timestamp-col', which no column
    of theirs can be (a column of measurements read as times: 'timestamps are irregular')."""
    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    (tmp_path / "train").mkdir()
    data = tmp_path / "train" / "e.txt"
    np.savetxt(data, np.random.default_rng(0).normal(size=(60, 2)), delimiter=",")
    args = ["train", str(data), "--dataset", "asd", "--model", "lstm-ae", "--epochs", "1",
            "--window", "4", "--freq-agg", "max", "-o", str(tmp_path / "m")]
    one_line_error(args, "--dataset asd's files have no time column", tmp_path / "m")
    res = runner.invoke(app, args)
    assert "--timestamp-col" not in res.output
