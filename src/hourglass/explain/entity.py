"""Why an (entity, bucket) was flagged: each bucket feature's share of what made its score high.

The same two methods as table rows (:mod:`hourglass.explain.tabular`: reconstruction-error
shares, or integrated gradients), with the features summed back to the aggregate they came from
(``dst_port:distinct``, ``count``, ``bytes:sum``), and each aggregate named with its value as
counted (no ``log1p``): ``distinct dst_port=57 (81%); rows=64 (9%)`` — this host touched 57
distinct ports in the bucket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hourglass.errors import InputError
from hourglass.explain.tabular import METHOD_NAMES, explanation_method, feature_weights, top_shares

if TYPE_CHECKING:
    from hourglass.pipeline import Pipeline

__all__ = ["bucket_reasons", "explain_buckets"]


def _number(value: float, share: bool = False) -> str:
    if np.isnan(value):
        return "<missing>"
    if share:  # a top-value share: a fraction of the bucket's rows
        return f"{value:.2f}"
    if abs(value - round(value)) < 1e-6 * max(1.0, abs(value)):
        return str(int(round(value)))
    return f"{value:.4g}"


def _entity_pipe(pipe: Pipeline, method: str) -> str:
    if getattr(pipe.features_, "output", "tabular") != "entity":
        raise InputError("explain_buckets: the model is not an entity-bucket model; use "
                         "hourglass.explain.explain_rows")
    return explanation_method(pipe, method)


def bucket_reasons(pipe: Pipeline, agg: pd.DataFrame, X: np.ndarray, *, top: int = 3,
                   method: str = "auto", steps: int = 64) -> pd.DataFrame:
    """``top_feature``, ``why`` and ``method`` per row of an :meth:`EntityWindows.aggregate
    <hourglass.features.entity.EntityWindows.aggregate>` table ``agg`` whose feature rows
    (``encode(agg)``) are ``X``; same index as ``agg``. ``top_feature`` is the aggregate's name
    (``dst_port:distinct``), ``why`` names the ``top`` largest shares as
    ``distinct dst_port=57 (81%)``."""
    chosen = _entity_pipe(pipe, method)
    f = pipe.features_
    if len(agg) == 0:
        return pd.DataFrame({"top_feature": [], "why": [], "method": []}, index=agg.index)
    weights, columns, total = feature_weights(pipe, X, chosen, steps=steps)
    order, share = top_shares(weights, total, top)
    raw = f.raw_values(agg).to_numpy(dtype=np.float64)
    where = {c: i for i, c in enumerate(f.aggregates_)}
    names = [f.readable(c) for c in columns]
    why = ["; ".join(f"{names[j]}={_number(raw[i, where[columns[j]]], columns[j].endswith(':top_share'))} "
                     f"({share[i, j]:.0%})"
                     for j in row) for i, row in enumerate(order)]
    return pd.DataFrame({"top_feature": [columns[j] for j in order[:, 0]], "why": why,
                         "method": METHOD_NAMES[chosen]}, index=agg.index)


def explain_buckets(pipe: Pipeline, df: pd.DataFrame, *, top: int = 3, method: str = "auto",
                    steps: int = 64, flagged_only: bool = False) -> pd.DataFrame:
    """One row per (entity, bucket) of the table rows ``df`` (flagged ones only with
    ``flagged_only``): ``entity``, ``bucket_start``, ``bucket_end``, ``rows``, ``score``,
    ``flag``, and :func:`bucket_reasons`' ``top_feature``, ``why`` and ``method``, in
    :meth:`~hourglass.features.entity.EntityWindows.aggregate`'s order. Scores are the
    pipeline's own (``pipe.score(df)``).

    Examples
    --------
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder
    >>> from hourglass.features.entity import EntityWindows
    >>> from hourglass.ingest.synthetic import port_scan_flows
    >>> flows, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0)
    >>> ew = EntityWindows("src_ip", "ts", numeric=("bytes",), categorical=("dst_port",))
    >>> pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=2, verbose=0), features=ew).fit(flows)
    >>> out = explain_buckets(pipe, flows.head(50), top=2)
    >>> list(out.columns)[:6], int(out["why"].str.count("%").min())
    (['entity', 'bucket_start', 'bucket_end', 'rows', 'score', 'flag'], 2)
    """
    _entity_pipe(pipe, method)
    f = pipe.features_
    agg = f.aggregate(pipe.with_absent_fields(df))
    X = f.encode(agg)
    scores = pipe.detector_.score(X)
    flags = np.asarray(pipe.detector_.threshold_predict(scores))
    out: pd.DataFrame = agg[["entity", "bucket_start", "bucket_end", "rows"]].copy()
    out["score"] = scores
    out["flag"] = flags
    pick = flags == 1 if flagged_only else np.ones(len(agg), dtype=bool)
    why = bucket_reasons(pipe, agg.loc[pick], X[pick], top=top, method=method, steps=steps)
    return pd.concat([out.loc[pick], why], axis=1).reset_index(drop=True)
