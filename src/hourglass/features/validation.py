"""Checks that turn bad arrays into clear :class:`~hourglass.errors.InputError` messages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hourglass.errors import InputError

__all__ = ["check_array", "check_labels"]


def check_array(
    X: object,
    *,
    n_features: int | None = None,
    feature_names: Sequence[str] | None = None,
    what: str = "X",
) -> np.ndarray:
    """Return ``X`` as a finite, non-empty, 2-D float32 array or raise :class:`InputError`.

    Parameters
    ----------
    X
        Array-like or DataFrame of numbers, rows × features.
    n_features
        Expected number of columns (checked when given).
    feature_names
        Names used in messages about a bad column.
    what
        Name of the argument, for messages.

    Examples
    --------
    >>> check_array([[1, 2], [3, 4]]).dtype
    dtype('float32')
    """
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
        bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
        if bad:
            raise InputError(
                f"{what}: column {bad[0]!r} is not numeric (dtype {X[bad[0]].dtype}); "
                "preprocess it first or use a Pipeline"
            )
        feature_names = feature_names or names
        arr = X.to_numpy(dtype=np.float32)
    else:
        try:
            arr = np.asarray(X, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{what}: expected an array of numbers ({exc})") from None
    if arr.ndim == 1:
        raise InputError(f"{what}: expected a 2-D array (rows × features), got 1-D of length "
                         f"{arr.shape[0]}; use X.reshape(-1, 1) for a single feature")
    if arr.ndim != 2:
        raise InputError(f"{what}: expected a 2-D array (rows × features), got {arr.ndim}-D")
    if arr.shape[0] == 0:
        raise InputError(f"{what}: no rows (empty data)")
    if arr.shape[1] == 0:
        raise InputError(f"{what}: no feature columns")
    if n_features is not None and arr.shape[1] != n_features:
        raise InputError(
            f"{what}: has {arr.shape[1]} features, but the model was fitted on {n_features}"
        )
    if not np.isfinite(arr).all():
        rows, cols = np.nonzero(~np.isfinite(arr))
        r, c = int(rows[0]), int(cols[0])
        name = feature_names[c] if feature_names is not None and c < len(feature_names) else c
        raise InputError(
            f"{what}: {int(rows.size)} non-finite value(s) (NaN or inf); first at row {r}, "
            f"column {name!r}"
        )
    return np.ascontiguousarray(arr)


def check_labels(y: object, n_rows: int, *, what: str = "y") -> np.ndarray:
    """Return binary labels (0 normal, 1 anomaly) as an int8 array, or raise :class:`InputError`.

    Examples
    --------
    >>> check_labels([0, 1, 0], 3)
    array([0, 1, 0], dtype=int8)
    """
    arr = np.asarray(y).ravel()
    if arr.shape[0] != n_rows:
        raise InputError(f"{what}: has {arr.shape[0]} labels for {n_rows} rows")
    try:
        values = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{what}: labels must be 0 (normal) or 1 (anomaly)") from None
    if not np.isin(values, (0.0, 1.0)).all():
        odd = values[~np.isin(values, (0.0, 1.0))][0]
        raise InputError(f"{what}: labels must be 0 (normal) or 1 (anomaly), found {odd!r}")
    return values.astype(np.int8)
