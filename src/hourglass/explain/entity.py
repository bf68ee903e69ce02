"""Why an (entity, bucket) was flagged: each bucket feature's share of what made its score high.

The same two methods as table rows (:mod:`hourglass.explain.tabular`: reconstruction-error
shares, or integrated gradients), with the features summed back to the aggregate they came from
(``dst_port:distinct``, ``count``, ``bytes:sum``), and each aggregate named with its value as
counted (no ``log1p``) and its median over the training buckets: ``distinct dst_port=57 (81%;
median 2); rows=64 (9%; median 6)`` — this host touched 57 distinct ports in the bucket, where
an ordinary bucket touches 2. A top-value share names its value, read from the bucket's rows:
``top dst_ip=10.0.0.9 share=0.86 (25%)``, ``top CallerProcessId=<missing> share=0.98 (40%)``
(the field was absent from 98% of the rows), ``top dst_port=22 (+2 tied) share=0.33`` (three
values as frequent; the first seen is named).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from hourglass.errors import InputError
from hourglass.explain.tabular import (
    METHOD_NAMES,
    cut_value,
    explanation_method,
    feature_weights,
    percent,
    the_way_for,
    top_shares,
)
from hourglass.features.entity import KEYS
from hourglass.features.roles import factorize_strings

if TYPE_CHECKING:
    from hourglass.features.entity import EntityWindows
    from hourglass.pipeline import Pipeline

__all__ = ["BUCKET_COLUMNS", "bucket_reasons", "bucket_verdicts", "explain_buckets", "top_values",
           "training_medians"]

#: what ``hourglass explain`` writes of a scored (entity, bucket) before its reasons, and
#: :func:`explain_buckets` gives
BUCKET_COLUMNS = (*KEYS, "score", "flag", "severity")

#: A named top value longer than this is cut (a command line, a path) and ends in ``…``.
LONGEST_VALUE = 40


def _number(value: float, share: bool = False) -> str:
    if np.isnan(value):
        return "<missing>"
    if share:  # a top-value share: a fraction of the bucket's rows
        return f"{value:.2f}"
    if not np.isfinite(value):  # an inf field, or a sum past float's range: round() would raise
        return "inf" if value > 0 else "-inf"
    # a whole number in full (a byte count); past 1e15 a float's digits are not the value's
    # (10**30 would read 1000000000000000019884624838656, 1e308 as 309 digits). Whole up to a
    # relative 1e-6 (a count back from log1p is 63.99999999999998): a value below 1e-6 such
    # as a latency of 4e-07 s is no 0; below 1e-12, float residue (0.1 + 0.2 - 0.3) is
    if abs(value) < 1e15 and (abs(value) < 1e-12 or abs(value - round(value)) <= 1e-6 * abs(value)):
        return str(int(round(value)))
    text = f"{value:.4g}"
    # a mean past 4 digits (mean bytes=16938.7) to the unit, not in exponent form ('1.694e+04'),
    # as the table and series explanations quote such values without one
    return f"{value:.0f}" if "e" in text and 1 <= abs(value) < 1e15 else text


def top_values(features: EntityWindows, rows: pd.DataFrame, agg: pd.DataFrame, column: str) -> list[str]:
    """Per row of ``agg`` (rows of the :meth:`~hourglass.features.entity.EntityWindows.aggregate`
    table of the table rows ``rows``): the most frequent value of categorical ``column`` among
    the bucket's rows, as the aggregation counts values (stripped text, ``80.0`` as ``80``,
    missing or empty as ``<missing>``), so that its count over the bucket's rows is the printed
    ``top_share``. Of values as frequent, the first seen (in row order) is named, followed by
    `` (+N tied)``; a value longer than :data:`LONGEST_VALUE` characters is cut. Only the rows
    of ``agg``'s buckets are counted; ``ValueError`` if ``rows`` lack some of their rows.

    Examples
    --------
    >>> from hourglass.features.entity import EntityWindows
    >>> df = pd.DataFrame({"host": ["a"] * 4 + ["b"] * 3, "ts": [0, 1, 2, 3, 4, 5, 6],
    ...                    "user": [None, "x", None, "", "y", "z", "y"]})
    >>> ew = EntityWindows("host", "ts", categorical=("user",)).fit(df)
    >>> top_values(ew, df, ew.aggregate(df), "user")
    ['<missing>', 'y']
    >>> top_values(ew, df.iloc[[4, 5]], ew.aggregate(df.iloc[[4, 5]]), "user")
    ['y (+1 tied)']
    """
    if len(agg) == 0:
        return []
    return _top_values(rows, agg, column, _row_buckets(features, rows, agg))


def _row_buckets(features: EntityWindows, rows: pd.DataFrame, agg: pd.DataFrame) -> np.ndarray:
    """Per row of ``rows``: the position of its (entity, bucket) among ``agg``'s rows, ``-1``
    for a row of another bucket; ``ValueError`` if ``rows`` lack some of ``agg``'s rows."""
    entity, start = features.row_keys(rows)
    buckets = pd.MultiIndex.from_arrays([agg["entity"].to_numpy(dtype=object),
                                         pd.DatetimeIndex(agg["bucket_start"])])
    where = buckets.get_indexer(pd.MultiIndex.from_arrays([entity, start]))
    if not np.array_equal(np.bincount(where[where >= 0], minlength=len(agg)), agg["rows"].to_numpy()):
        raise ValueError("top_values: rows are not the table rows agg was aggregated from")
    return where


def _top_values(rows: pd.DataFrame, agg: pd.DataFrame, column: str, where: np.ndarray) -> list[str]:
    """:func:`top_values` of the rows whose bucket (position among ``agg``'s rows, ``-1``: none)
    is ``where`` (:func:`_row_buckets`)."""
    take = np.flatnonzero(where >= 0)
    bucket = where[take]
    values = rows.rename(columns=str)[column].iloc[take].reset_index(drop=True)
    codes, uniques = factorize_strings(values, null_text=True)  # 'N/A' from JSON lines: '<missing>'
    # (bucket, value) pairs in the order first seen: within a bucket, its values in row order
    pair, first = pd.factorize(bucket * (int(codes.max()) + 1) + codes)
    count = np.bincount(pair, minlength=len(first))
    pair_bucket, pair_code = first // (int(codes.max()) + 1), first % (int(codes.max()) + 1)
    order = np.lexsort((np.arange(len(first)), -count, pair_bucket))  # most frequent, then first seen
    lead = np.ones(len(order), dtype=bool)
    lead[1:] = pair_bucket[order][1:] != pair_bucket[order][:-1]
    best = order[lead]
    top = np.zeros(len(agg), dtype=np.int64)
    top[pair_bucket[best]] = count[best]
    tied = np.bincount(pair_bucket, weights=count == top[pair_bucket], minlength=len(agg)).astype(int) - 1
    out = [""] * len(agg)
    for b, code in zip(pair_bucket[best].tolist(), pair_code[best].tolist(), strict=True):
        text = str(uniques[code])
        text = cut_value(text, LONGEST_VALUE)  # (a Windows SID whole: its RID tells the account)
        out[b] = text + (f" (+{tied[b]} tied)" if tied[b] else "")
    return out


def training_medians(features: EntityWindows) -> dict[str, float]:
    """Per aggregate (``dst_port:distinct``), its median over the training buckets as counted
    (no ``log1p``), kept by the fit (``raw_medians_``). A model saved before that was kept has
    the median the tabular preprocessing imputes with, of the ``log1p`` values: exact for an odd
    number of buckets, between the two middle counts otherwise. Empty when the preprocessing
    imputes a constant (no median was kept).

    Examples
    --------
    >>> from hourglass.features.entity import EntityWindows
    >>> df = pd.DataFrame({"host": ["a", "b", "b", "b"], "ts": [0, 1, 2, 3], "port": [22, 22, 23, 80]})
    >>> ew = EntityWindows("host", "ts", categorical=("port",), top_share=False).fit(df)
    >>> {k: round(v, 6) for k, v in training_medians(ew).items()}
    {'count': 2.0, 'port:distinct': 2.0}
    """
    tab = features.tabular_
    if getattr(tab, "impute", "median") != "median" or not tab.impute_:
        return {}
    kept = [c for c in features.aggregates_ if c in tab.impute_]
    raw = features.raw_values(pd.DataFrame([{c: tab.impute_.get(c, np.nan) for c in features.aggregates_}]))
    exact = getattr(features, "raw_medians_", None) or {}
    return {c: float(exact[c]) if c in exact else float(raw[c].iloc[0]) for c in kept}


def _entity_pipe(pipe: Pipeline, method: str, caller: str) -> str:
    """The explanation method ``method`` resolves to for ``pipe``, once ``pipe`` is checked to
    be a fitted entity-bucket model; ``caller``: the function the user called, which the
    refusal names."""
    pipe._check_fitted()  # NotFittedError, as pipe.score says it (an AttributeError before)
    output = getattr(pipe.features_, "output", "tabular")
    if output != "entity":
        # the way that works for its kind (explain_rows refuses a time-series or log model too)
        raise InputError(f"{caller}: the model is not an entity-bucket model; this model "
                         f"({type(pipe.detector_).__name__}) reads {output} data{the_way_for(pipe)}")
    return explanation_method(pipe, method)


def bucket_reasons(pipe: Pipeline, agg: pd.DataFrame, X: np.ndarray, *, rows: pd.DataFrame | None = None,
                   top: int = 3, method: str = "auto", steps: int = 64) -> pd.DataFrame:
    """``top_feature``, ``why`` and ``method`` per row of an :meth:`EntityWindows.aggregate
    <hourglass.features.entity.EntityWindows.aggregate>` table ``agg`` whose feature rows
    (``encode(agg)``) are ``X``; same index as ``agg``. ``top_feature`` is the aggregate's name
    (``dst_port:distinct``), ``why`` names the ``top`` largest shares as
    ``distinct dst_port=57 (81%; median 2)``: the aggregate's value in the bucket, its share of
    the score, and its median over the training buckets (:func:`training_medians`), what an
    ordinary bucket holds. ``rows``: the table rows ``agg`` was aggregated from (every
    row of its buckets; rows of other buckets are ignored); a top-value share shown then names
    its value (:func:`top_values`): ``top dst_ip=10.0.0.9 share=0.86 (25%)``; without ``rows``,
    ``top dst_ip share=0.86 (25%)``.

    Examples
    --------
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder
    >>> from hourglass.features.entity import EntityWindows
    >>> from hourglass.ingest.synthetic import port_scan_flows
    >>> flows, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0)
    >>> ew = EntityWindows("src_ip", "ts", numeric=("bytes",), categorical=("dst_port",))
    >>> pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=2, verbose=0), features=ew).fit(flows)
    >>> fitted = pipe.features_   # the pipeline's own fitted copy of ew
    >>> agg = fitted.aggregate(flows.head(50))
    >>> why = bucket_reasons(pipe, agg, fitted.encode(agg), rows=flows.head(50), top=2)
    >>> list(why.columns), bool(why.index.equals(agg.index)), int(why["why"].str.count("%").min())
    (['top_feature', 'why', 'method'], True, 2)
    """
    chosen = _entity_pipe(pipe, method, "bucket_reasons")
    f = cast("EntityWindows", pipe.features_)  # entity-bucket features (checked just above)
    if len(agg) == 0:
        text = np.array([], dtype=object)  # text columns, as with rows (not float64: an empty list's)
        return pd.DataFrame({"top_feature": text, "why": text, "method": text}, index=agg.index)
    weights, columns, total = feature_weights(pipe, X, chosen, steps=steps)
    order, share = top_shares(weights, total, top)
    raw = f.raw_values(agg).to_numpy(dtype=np.float64)
    where = {c: i for i, c in enumerate(f.aggregates_)}
    names = [f.readable(c) for c in columns]
    medians = training_medians(f)
    named: dict[int, list[str]] = {}  # top-share feature → its value per bucket
    shares = [int(j) for j in np.unique(order) if columns[j].endswith(":top_share")]
    if rows is not None and shares:
        # each row's bucket found once (its time read once), not once per top share shown
        in_bucket = _row_buckets(f, rows, agg)
        for j in shares:
            shown = np.flatnonzero((order == j).any(axis=1))
            at = np.full(len(agg) + 1, -1, dtype=np.int64)  # (position -1: a row of no bucket)
            at[shown] = np.arange(len(shown))
            values = _top_values(rows, agg.iloc[shown], columns[j].rpartition(":")[0], at[in_bucket])
            named[j] = [""] * len(agg)
            for i, v in zip(shown.tolist(), values, strict=True):
                named[j][i] = v

    def reason(i: int, j: int) -> str:
        c = columns[j]
        value = _number(raw[i, where[c]], c.endswith(":top_share"))
        usual = f"; median {_number(medians[c], c.endswith(':top_share'))}" if c in medians else ""
        if j in named:
            return (f"top {c.rpartition(':')[0]}={named[j][i]} share={value} "
                    f"({percent(share[i, j])}{usual})")
        return f"{names[j]}={value} ({percent(share[i, j])}{usual})"

    why = ["; ".join(reason(i, int(j)) for j in row) for i, row in enumerate(order)]
    return pd.DataFrame({"top_feature": [columns[j] for j in order[:, 0]], "why": why,
                         "method": METHOD_NAMES[chosen]}, index=agg.index)


def bucket_verdicts(pipe: Pipeline, keys: pd.DataFrame, X: np.ndarray) -> pd.DataFrame:
    """``keys`` (:data:`~hourglass.features.entity.KEYS` per (entity, bucket)) with the
    ``score``, ``flag``, ``calibrated`` probability and ``severity`` of its feature row in
    ``X``, as the detector gives them: what ``score``, ``explain`` and :func:`explain_buckets`
    give for each bucket.

    Examples
    --------
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder
    >>> from hourglass.features.entity import EntityWindows
    >>> from hourglass.ingest.synthetic import port_scan_flows
    >>> flows, _ = port_scan_flows(hosts=2, days=0.3, scan_flows=0)
    >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
    ...                 features=EntityWindows("src_ip", "ts")).fit(flows)
    >>> list(bucket_verdicts(pipe, *pipe.features_.transform_with_keys(flows.head(20))).columns)
    ['entity', 'bucket_start', 'bucket_end', 'rows', 'score', 'flag', 'calibrated', 'severity']
    """
    pipe._check_fitted()
    det = pipe.detector_
    scores = det.score(X)
    out = keys.copy()
    out["score"] = scores
    out["flag"] = det.threshold_predict(scores)
    out["calibrated"] = det.calibrate(scores)
    out["severity"] = det.severity(scores)
    return out


def explain_buckets(pipe: Pipeline, df: pd.DataFrame, *, top: int = 3, method: str = "auto",
                    steps: int = 64, flagged_only: bool = False) -> pd.DataFrame:
    """One row per (entity, bucket) of the table rows ``df`` (flagged ones only with
    ``flagged_only``): ``entity``, ``bucket_start``, ``bucket_end``, ``rows``, ``score``,
    ``flag``, ``severity`` (:func:`bucket_verdicts`'), and :func:`bucket_reasons`'
    ``top_feature``, ``why`` and ``method``, in
    :meth:`~hourglass.features.entity.EntityWindows.aggregate`'s order: the columns
    ``hourglass explain -o`` writes (:data:`BUCKET_COLUMNS` and the reasons). Scores are the
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
    >>> list(out.columns)[:6]
    ['entity', 'bucket_start', 'bucket_end', 'rows', 'score', 'flag']
    >>> list(out.columns)[6:]
    ['severity', 'top_feature', 'why', 'method']
    >>> int(out["why"].str.count("%").min()), set(out["severity"]) <= {"low", "medium", "high", "critical"}
    (2, True)
    """
    _entity_pipe(pipe, method, "explain_buckets")
    f = cast("EntityWindows", pipe.features_)  # entity-bucket features (checked just above)
    df = pipe.with_absent_fields(df)
    agg = f.aggregate(df)
    X = f.encode(agg)
    out = bucket_verdicts(pipe, agg[list(KEYS)], X)
    pick = out["flag"].to_numpy() == 1 if flagged_only else np.ones(len(agg), dtype=bool)
    why = bucket_reasons(pipe, agg.loc[pick], X[pick], rows=df, top=top, method=method, steps=steps)
    return pd.concat([out.loc[pick, list(BUCKET_COLUMNS)], why], axis=1).reset_index(drop=True)
