"""Review round 56 (sre56): an SRE's server metrics through the time-series path."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor


def _series(n: int = 120) -> pd.DataFrame:
    t = pd.date_range("2026-03-01 06:40", periods=n, freq="1min")
    return pd.DataFrame({"ts": t.strftime("%Y-%m-%d %H:%M:%S"),
                         "cpu": np.sin(np.arange(n) / 10), "mem": np.cos(np.arange(n) / 7)})


@pytest.mark.parametrize("fill", ["ffill", "interpolate", "zero"])
def test_gap_past_fill_limit_is_counted_and_placed_whole(fill: str) -> None:
    # What was wrong: ffill/interpolate with --fill-limit 5 fill the first 5 steps of a longer
    # gap, and the refusal counted and placed only what was left: a 60-minute hole in 'mem'
    # from 07:40 was "55 missing value(s), first at timestamp 2026-03-01 07:45:00" (the data
    # has 60, from 07:40), while fill 'zero' named the whole gap. Every fill now names it whole.
    pre = TimeSeriesPreprocessor(timestamp_col="ts", freq="1min", fill=fill,
                                 fill_limit=5).fit(_series())
    df = _series()
    df.loc[60:119 - 20, "mem"] = np.nan  # 40 steps missing from 07:40, inside the series
    with pytest.raises(InputError) as e:
        pre.transform(df)
    msg = str(e.value)
    assert "column 'mem': 40 missing value(s), first at timestamp 2026-03-01 07:40:00" in msg, msg
