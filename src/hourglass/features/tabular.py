"""Tabular preprocessing: one-hot with an explicit "unseen" indicator, log1p, scaling.

The fitted state is plain JSON (lists of names, categories and numbers), so it is saved inside
the model artefact without pickle.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hourglass.errors import InputError, NotFittedError

__all__ = ["TabularPreprocessor"]

logger = logging.getLogger(__name__)

_SCALERS = ("minmax", "standard", "none")


def _is_categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _skew(x: np.ndarray) -> float:
    sd = x.std()
    if sd == 0:
        return 0.0
    return float(np.mean(((x - x.mean()) / sd) ** 3))


class TabularPreprocessor:
    """Turn a DataFrame of mixed columns into a float32 matrix for the detectors.

    * categorical columns (non-numeric dtype, or listed in ``categorical``): one-hot with the
      categories seen in training, plus a ``<col>=<unseen>`` indicator column that is 1 when a
      value never seen in normal traffic appears — an unseen value is itself a signal;
    * numeric columns: optional ``log1p`` (``"auto"``: non-negative heavy-tailed columns), then
      min-max or standard scaling fitted on training data;
    * columns constant in training are dropped (and logged).

    Parameters
    ----------
    categorical
        Columns to treat as categorical; ``None`` infers them from the dtypes.
    log1p
        ``"auto"``, ``"none"`` or a list of column names to transform with ``log1p``.
    scaler
        ``"minmax"``, ``"standard"`` or ``"none"``.
    drop
        Columns to ignore (identifiers, labels the caller did not remove, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"proto": ["tcp", "udp", "tcp"], "bytes": [10, 2000, 30]})
    >>> pre = TabularPreprocessor().fit(df)
    >>> pre.feature_names_
    ['bytes', 'proto=tcp', 'proto=udp', 'proto=<unseen>']
    >>> pre.transform(pd.DataFrame({"proto": ["icmp"], "bytes": [10]})).tolist()
    [[0.0, 0.0, 0.0, 1.0]]
    """

    output = "tabular"  # the detector input kind this produces

    def __init__(
        self,
        categorical: Sequence[str] | None = None,
        log1p: str | Sequence[str] = "auto",
        scaler: str = "minmax",
        drop: Sequence[str] = (),
    ) -> None:
        self.categorical = categorical
        self.log1p = log1p
        self.scaler = scaler
        self.drop = drop

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments (JSON-ready)."""
        return {
            "categorical": None if self.categorical is None else list(self.categorical),
            "log1p": self.log1p if isinstance(self.log1p, str) else list(self.log1p),
            "scaler": self.scaler,
            "drop": list(self.drop),
        }

    # -- fit ----------------------------------------------------------------------------------
    def fit(self, df: pd.DataFrame) -> TabularPreprocessor:
        """Learn categories, transforms and scales from training rows."""
        if not isinstance(df, pd.DataFrame):
            raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}")
        if len(df) == 0:
            raise InputError("no rows to fit the preprocessing on (empty data)")
        if self.scaler not in _SCALERS:
            raise InputError(f"scaler: unknown {self.scaler!r}; choose from {_SCALERS}")
        drop = set(self.drop)
        cols = [c for c in df.columns if c not in drop]
        if not cols:
            raise InputError("no feature columns left after dropping " + ", ".join(map(str, drop)))
        forced = set(self.categorical or ())
        missing = sorted(forced - set(df.columns))
        if missing:
            raise InputError(f"categorical column(s) not in the data: {', '.join(missing)}")
        cat_cols = [c for c in cols if c in forced or (self.categorical is None
                                                        and _is_categorical(df[c]))]
        num_cols = [c for c in cols if c not in cat_cols]
        numeric = self._numeric_frame(df, num_cols)
        self.constant_ = [c for c in num_cols if np.ptp(numeric[c]) == 0]
        if self.constant_:
            logger.info("dropping %d column(s) constant in training: %s", len(self.constant_),
                        ", ".join(map(str, self.constant_)))
        self.numeric_ = [str(c) for c in num_cols if c not in self.constant_]
        if isinstance(self.log1p, str):
            if self.log1p not in ("auto", "none"):
                raise InputError(f"log1p: expected 'auto', 'none' or column names, got {self.log1p!r}")
            self.log1p_ = ([c for c in self.numeric_ if self._heavy_tailed(numeric[c])]
                           if self.log1p == "auto" else [])
        else:
            unknown = sorted(set(self.log1p) - set(self.numeric_))
            if unknown:
                raise InputError(f"log1p: not numeric training column(s): {', '.join(unknown)}")
            neg = [c for c in self.log1p if (numeric[c] < 0).any()]
            if neg:
                raise InputError(f"log1p: column {neg[0]!r} has negative values")
            self.log1p_ = [str(c) for c in self.log1p]
        self.categories_ = {
            str(c): sorted(df[c].astype(str).unique().tolist()) for c in cat_cols
        }
        X = self._numeric_block(numeric[self.numeric_].to_numpy(dtype=np.float64), fitted=False)
        if self.scaler == "minmax":
            lo, hi = X.min(axis=0), X.max(axis=0)
            self.offset_, self.scale_ = lo, np.where(hi > lo, hi - lo, 1.0)
        elif self.scaler == "standard":
            sd = X.std(axis=0)
            self.offset_, self.scale_ = X.mean(axis=0), np.where(sd > 0, sd, 1.0)
        else:
            self.offset_, self.scale_ = np.zeros(X.shape[1]), np.ones(X.shape[1])
        self.columns_ = [str(c) for c in cols]
        self.feature_names_ = list(self.numeric_)
        for c, cats in self.categories_.items():
            self.feature_names_ += [f"{c}={v}" for v in cats] + [f"{c}=<unseen>"]
        if not self.feature_names_:
            raise InputError("every feature column is constant in training; nothing to learn from")
        return self

    @staticmethod
    def _heavy_tailed(x: pd.Series) -> bool:
        v = x.to_numpy(dtype=np.float64)
        return bool(v.min() >= 0 and v.max() > 10 and _skew(v) > 2)

    # -- transform ----------------------------------------------------------------------------
    @staticmethod
    def _numeric_frame(df: pd.DataFrame, cols: Sequence[Any]) -> pd.DataFrame:
        out = {}
        for c in cols:
            s = df[c]
            if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                conv = pd.to_numeric(s, errors="coerce")
                bad = conv.isna() & s.notna()
                if bad.any():
                    i = int(np.flatnonzero(bad.to_numpy())[0])
                    raise InputError(f"column {c!r}: expected numbers, found {s.iloc[i]!r} "
                                     f"(row {i + 1})")
                s = conv
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
            finite = np.isfinite(v)
            if not finite.all():
                i = int(np.flatnonzero(~finite)[0])
                raise InputError(f"column {c!r}: {int((~finite).sum())} missing or infinite "
                                 f"value(s), first at row {i + 1} ({v[i]}); numbers expected")
            out[c] = v
        return pd.DataFrame(out, index=df.index)

    def _numeric_block(self, X: np.ndarray, *, fitted: bool = True) -> np.ndarray:
        if self.log1p_:
            idx = [self.numeric_.index(c) for c in self.log1p_]
            X = X.copy()
            X[:, idx] = np.log1p(np.maximum(X[:, idx], 0.0))
        if fitted:
            X = (X - self.offset_) / self.scale_
        return X

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """Encode ``df`` with the fitted state; raises :class:`InputError` on missing columns,
        non-numeric values in numeric columns, or NaN/inf."""
        if not hasattr(self, "feature_names_"):
            raise NotFittedError("TabularPreprocessor is not fitted; call fit(df) first")
        if not isinstance(df, pd.DataFrame):
            raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}")
        if len(df) == 0:
            raise InputError("no rows to score (empty data)")
        df = df.rename(columns=str)
        needed = self.numeric_ + list(self.categories_)
        missing = [c for c in needed if c not in df.columns]
        if missing:
            more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
            raise InputError(f"column(s) the model needs are missing: {', '.join(missing[:3])}{more}")
        num = self._numeric_frame(df, self.numeric_).to_numpy(dtype=np.float64)
        blocks = [self._numeric_block(num).astype(np.float32)]
        n = len(df)
        for c, cats in self.categories_.items():
            codes = pd.Index(cats).get_indexer(df[c].astype(str))
            onehot = np.zeros((n, len(cats) + 1), dtype=np.float32)
            onehot[np.arange(n), np.where(codes >= 0, codes, len(cats))] = 1.0
            blocks.append(onehot)
        return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)

    def fit_transform(self, df: pd.DataFrame) -> np.ndarray:
        """``fit(df)`` then ``transform(df)``."""
        return self.fit(df).transform(df)

    def extra_columns(self, df: pd.DataFrame) -> list[str]:
        """Columns of ``df`` that the fitted preprocessing does not use."""
        known = set(self.columns_) | set(map(str, self.drop))
        return [str(c) for c in df.columns if str(c) not in known]

    # -- state --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON fitted state."""
        if not hasattr(self, "feature_names_"):
            raise NotFittedError("TabularPreprocessor is not fitted")
        return {
            "class": "TabularPreprocessor",
            "params": self.get_params(),
            "columns": self.columns_,
            "numeric": self.numeric_,
            "constant": [str(c) for c in self.constant_],
            "log1p": self.log1p_,
            "categories": self.categories_,
            "offset": [float(v) for v in self.offset_],
            "scale": [float(v) for v in self.scale_],
            "feature_names": self.feature_names_,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TabularPreprocessor:
        """Rebuild from :meth:`to_dict` output.

        Examples
        --------
        >>> import pandas as pd
        >>> pre = TabularPreprocessor().fit(pd.DataFrame({"a": [1.0, 2.0]}))
        >>> TabularPreprocessor.from_dict(pre.to_dict()).feature_names_
        ['a']
        """
        try:
            self = cls(**d["params"])
            self.columns_ = list(d["columns"])
            self.numeric_ = list(d["numeric"])
            self.constant_ = list(d["constant"])
            self.log1p_ = list(d["log1p"])
            # the artefact writes JSON with sorted keys: restore the column order, which fixes
            # the order of the one-hot blocks
            pos = {str(c): i for i, c in enumerate(self.columns_)}
            self.categories_ = {k: list(v) for k, v in sorted(
                d["categories"].items(), key=lambda kv: pos.get(kv[0], len(pos)))}
            self.offset_ = np.asarray(d["offset"], dtype=np.float64)
            self.scale_ = np.asarray(d["scale"], dtype=np.float64)
            self.feature_names_ = list(d["feature_names"])
        except (KeyError, TypeError) as exc:
            raise InputError(f"preprocessing state is malformed ({exc})") from None
        return self
