"""Tabular preprocessing: one-hot with an unseen indicator, log1p, scaling, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features import TabularPreprocessor


def test_roles_onehot_and_unseen(tabular_frame: pd.DataFrame) -> None:
    pre = TabularPreprocessor().fit(tabular_frame)
    assert pre.categories_ == {"proto": ["tcp", "udp"]}
    assert pre.feature_names_[-3:] == ["proto=tcp", "proto=udp", "proto=<unseen>"]
    new = tabular_frame.head(3).assign(proto=["tcp", "icmp", "udp"])
    X = pre.transform(new)
    assert X[:, -3:].tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert X.dtype == np.float32


def test_log1p_auto_picks_heavy_tailed_columns(tabular_frame: pd.DataFrame) -> None:
    pre = TabularPreprocessor().fit(tabular_frame)
    assert "bytes" in pre.log1p_
    assert "rate" not in pre.log1p_
    X = pre.transform(tabular_frame)
    assert X[:, : len(pre.numeric_)].min() == pytest.approx(0.0, abs=1e-6)
    assert X[:, : len(pre.numeric_)].max() == pytest.approx(1.0, abs=1e-6)


def test_standard_scaler_and_explicit_log1p(tabular_frame: pd.DataFrame) -> None:
    pre = TabularPreprocessor(scaler="standard", log1p=["duration"]).fit(tabular_frame)
    assert pre.log1p_ == ["duration"]
    num = pre.transform(tabular_frame)[:, : len(pre.numeric_)]
    np.testing.assert_allclose(num.mean(axis=0), 0.0, atol=1e-5)


def test_constant_columns_dropped_and_state_is_json(tabular_frame: pd.DataFrame) -> None:
    df = tabular_frame.assign(zero=0.0)
    pre = TabularPreprocessor().fit(df)
    assert pre.constant_ == ["zero"]
    state = json.loads(json.dumps(pre.to_dict()))
    twin = TabularPreprocessor.from_dict(state)
    np.testing.assert_array_equal(twin.transform(df), pre.transform(df))


def test_errors_name_the_column_and_row(tabular_frame: pd.DataFrame) -> None:
    pre = TabularPreprocessor().fit(tabular_frame)
    bad = tabular_frame.head(5).astype({"bytes": object})
    bad.loc[2, "bytes"] = "lots"
    with pytest.raises(InputError, match=r"'bytes'.*'lots'.*row 3"):
        pre.transform(bad)
    nan = tabular_frame.head(5).copy()
    nan.loc[4, "rate"] = np.inf
    with pytest.raises(InputError, match=r"'rate'.*row 5"):
        TabularPreprocessor(impute="error").fit(tabular_frame).transform(nan)
    with pytest.raises(InputError, match="missing: duration"):
        pre.transform(tabular_frame.drop(columns=["duration"]))
    with pytest.raises(InputError, match="empty"):
        pre.transform(tabular_frame.head(0))
    with pytest.raises(InputError, match="empty"):
        TabularPreprocessor().fit(tabular_frame.head(0))
