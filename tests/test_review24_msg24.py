"""Messages about odd column names and files, the same from every command: regression tests."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.tabular import TabularPreprocessor
from tests._cli import one_line_error


def test_an_empty_column_name_is_shown_quoted_in_column_lists(caplog: pytest.LogCaptureFixture) -> None:
    # a column named "" (a JSON key "") read as a blank: "dropping 1 column(s) constant in
    # training: " and "the data has x, " named nothing
    df = pd.DataFrame({"": [1.0] * 5, "a": np.arange(5.0), "b": [2.0, 3.0, 5.0, 1.0, 9.0]})
    with caplog.at_level(logging.INFO, logger="hourglass"):
        pre = TabularPreprocessor().fit(df)
    assert "constant in training: ''" in caplog.text
    with pytest.raises(InputError, match=r"missing: a, b; the data has x, ''$"):
        pre.transform(pd.DataFrame({"x": [1.0], "": [2.0]}))
