"""Review 23 (README 'Time series' and 'Logs', walked as a new user): what disagreed, pinned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor


def _series(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                         "cpu": rng.normal(size=n), "mem": rng.normal(size=n)})


@pytest.mark.parametrize("blank", [np.nan, None])
def test_a_blank_series_label_is_named_no_label_not_nan(blank: object) -> None:
    # what was wrong: a series' blank label cell (README: "text labels or a blank one stop
    # evaluate naming the first such row") was named as pandas read it, "row 3 holds nan"
    # (a JSON null: "holds None"), a value the user never wrote
    df = _series()
    pre = TimeSeriesPreprocessor("ts").fit(df)
    labels = np.zeros(len(df), dtype=object)
    labels[2] = blank
    with pytest.raises(InputError, match=r"row 3 holds no label, 1 row\(s\) in all") as e:
        pre.align_labels(df, labels, column="label column 'label'")
    assert "nan" not in str(e.value) and "None" not in str(e.value)
    labels[2] = "attack"  # text is still quoted as written
    with pytest.raises(InputError, match=r"row 3 holds 'attack'"):
        pre.align_labels(df, labels)
