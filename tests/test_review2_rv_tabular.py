"""Review of the tabular preprocessing: defects found and fixed (one test or more each)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.tabular import TabularPreprocessor


def _frame(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.normal(size=n) * 100,
                         "dur": rng.exponential(size=n)})


@pytest.mark.parametrize("rows", [3, 2000])  # the small-batch road and the general one
def test_repeated_column_at_transform_is_an_input_error(rows: int) -> None:
    pre = TabularPreprocessor().fit(_frame())
    df = _frame(rows)
    df = pd.concat([df, df["bytes"]], axis=1)  # 'bytes' twice: df['bytes'] is a table
    with pytest.raises(InputError, match="column names repeat: 'bytes'"):
        pre.transform(df)
    other = pd.concat([_frame(rows), pd.Series(0, index=df.index, name="x"),
                       pd.Series(1, index=df.index, name="x")], axis=1)
    assert pre.transform(other).shape[0] == rows  # a repeated column the model ignores: fine
