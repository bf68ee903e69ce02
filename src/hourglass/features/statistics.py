"""The :class:`~hourglass.features.tabular.TabularPreprocessor` fitted from statistics that sites
compute on their own rows and a server merges, so that several sites share one feature schema
without sharing a row (federated training, :mod:`hourglass.distributed.federated`).

Two passes, because the scales are fitted after imputation and ``log1p``, which the first pass
decides:

1. :func:`site_schema` (per site) → :func:`merge_schema` → :func:`schema_preprocessor`: roles,
   categories with their counts, missing counts, and per numeric column min/max, central moments
   and a quantile sketch.
2. :func:`site_scales` (per site, on the numeric block of step 1's preprocessor) →
   :func:`merge_scales` → :func:`scaled_preprocessor`: per column min/max, mean, co-moments (the
   correlations that drop near-duplicates) and, for the ``robust``/``quantile`` scalers, a
   quantile sketch.

What merges exactly (counts, sums, min/max, moments by Chan's pairwise update, co-moments) gives
the pooled fit's decisions, to float rounding: categories and ``min_frequency``, constant
columns, missing indicators, the ``log1p="auto"`` decision (its skew comes from the merged third
moment), near-duplicate columns (on all rows; a pooled fit of more than 100k rows looks at a
50k-row sample), ``max_features``, and the ``minmax``/``standard`` scales. Approximated, from
a mixture of per-site quantile sketches (:data:`SKETCH_POINTS` quantiles each): the median
imputed into missing values, the ``robust`` (median/IQR) and ``quantile`` scalers. One site
alone gives its exact quantiles. Also approximate: which text columns are hashed rather than
one-hot encoded when sites disagree (decided from the union of their distinct values), whether
text that is near-unique at some sites only is dropped or hashed (from the sum of the sites'
distinct counts, an upper bound of the pooled count), the most
frequent ports when counts tie at the cut (lower port first), and the descriptive ``profile_``
(distinct counts of numeric columns are the largest site's). A column whose role differs between
sites otherwise (numbers at one, text at another) is refused: give ``roles``.

Statistics are aggregates, not rows, but they are not nothing: category values with their
counts, each numeric column's min, max and quantiles leave the site. A site with fewer rows
than :data:`SKETCH_POINTS` sends, in its sketches, every value of each numeric column (column by
column, not joined into rows). No differential privacy or secure aggregation is applied.

Examples
--------
>>> import pandas as pd
>>> from hourglass.features import TabularPreprocessor
>>> a = pd.DataFrame({"proto": ["tcp", "udp", "tcp"], "bytes": [10, 2000, 30]})
>>> b = pd.DataFrame({"proto": ["icmp", "tcp"], "bytes": [5, 70]})
>>> params = TabularPreprocessor().get_params()
>>> schema = merge_schema([site_schema(params, a), site_schema(params, b)])
>>> pre = schema_preprocessor(params, schema)
>>> pre = scaled_preprocessor(pre, merge_scales([site_scales(pre, a), site_scales(pre, b)]))
>>> pre.feature_names_ == TabularPreprocessor().fit(pd.concat([a, b])).feature_names_
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from hourglass._columns import listed_columns
from hourglass.errors import InputError
from hourglass.features.roles import (
    IP_FORM,
    MISSING,
    PLACEHOLDERS,
    ip_parts,
    near_unique,
    port_numbers,
    string_values,
)
from hourglass.features.tabular import (
    _N_QUANTILES,
    CELL_ERRORS,
    TabularPreprocessor,
    _constant_span,
    _refuse_levels,
    null_spellings,
    refuse_unhashable,
)
from hourglass.features.validation import native_byte_order

__all__ = ["SKETCH_POINTS", "merge_scales", "merge_schema", "mixture_quantiles", "scaled_preprocessor",
           "schema_preprocessor", "shared_schema", "site_scales", "site_schema"]

SKETCH_POINTS = 1001
"""Quantiles per column in a site's sketch (probabilities 0, 0.001, ..., 1): the pooled fit's
median, quartiles and percentiles are among them, so one site reproduces them exactly."""

_PROBS = np.linspace(0.0, 1.0, SKETCH_POINTS)
_TOO_LARGE = 1e140
"""Below this magnitude a column's range and sum of squares are floats (up to 1e20 rows): a
statistic that is not finite is then a malformed site reply, not values too large to scale."""


# -- merging helpers ----------------------------------------------------------------------------
def _moments(x: np.ndarray) -> dict[str, float]:
    """Count, mean and the 2nd/3rd central sums of ``x`` (what Chan's update merges); of
    ``x / 2**exp`` when ``|x|`` passes 1e100 or stays below 1e-100 (the cube of 1e103 is no
    float, that of 1e-110 is 0: the skew and the scaled variance, which the scale does not change,
    would be lost, as the pooled fit's ``_skew`` avoids).

    Examples
    --------
    >>> m = _moments(np.array([1e300, 2e300, 6e300]))
    >>> m["exp"], round(m["m3"] / m["n"] / (m["m2"] / m["n"]) ** 1.5, 4)
    (1000, 0.5952)
    """
    n = len(x)
    if n == 0:
        return {"n": 0, "mean": 0.0, "m2": 0.0, "m3": 0.0, "exp": 0}
    top = float(np.abs(x).max())
    exp = int(np.frexp(top)[1]) if top > 1e100 or 0 < top < 1e-100 else 0  # 2**exp > top
    y = np.ldexp(x, -exp) if exp else x
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(y.mean())
        d = y - mean
        return {"n": n, "mean": mean, "m2": float((d * d).sum()), "m3": float((d * d * d).sum()),
                "exp": exp}


def _at_exp(m: Mapping[str, float], exp: int) -> dict[str, float]:
    """Moments ``m`` of ``x / 2**m["exp"]`` as those of ``x / 2**exp`` (``exp >= m["exp"]``, or any
    ``exp`` where ``m`` is of zeros only)."""
    k = int(m.get("exp", 0)) - exp  # <= 0: exact, or below the smallest float
    return {"n": m["n"], "mean": float(np.ldexp(m["mean"], k)), "m2": float(np.ldexp(m["m2"], 2 * k)),
            "m3": float(np.ldexp(m["m3"], 3 * k)), "exp": exp}


def _merge_moments(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
    na, nb = a["n"], b["n"]
    if na == 0 or nb == 0:
        return dict(b if na == 0 else a)
    ea, eb = int(a.get("exp", 0)), int(b.get("exp", 0))  # statistics sent without it: 0
    # zeros only are the same at any scale: the other part's (tiny values kept, not lost below 2**-1074)
    exp = eb if not (a["mean"] or a["m2"]) else ea if not (b["mean"] or b["m2"]) else max(ea, eb)
    a, b = _at_exp(a, exp), _at_exp(b, exp)
    n = na + nb
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.float64(b["mean"]) - np.float64(a["mean"])  # NumPy floats: overflow is inf, not an error
        mean = a["mean"] + d * nb / n
        m2 = a["m2"] + b["m2"] + d * d * na * nb / n
        m3 = (a["m3"] + b["m3"] + d ** 3 * na * nb * (na - nb) / n ** 2
              + 3 * d * (na * b["m2"] - nb * a["m2"]) / n)
    return {"n": n, "mean": float(mean), "m2": float(m2), "m3": float(m3), "exp": exp}


def _column_moments(parts: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The sites' :func:`_moments` of one column, merged."""
    out: dict[str, float] = {"n": 0, "mean": 0.0, "m2": 0.0, "m3": 0.0, "exp": 0}
    for m in parts:
        out = _merge_moments(out, m)
    return out


def _scaled_variance(m: Mapping[str, float], span: float) -> float:
    """The variance of ``x / span`` (``span`` itself where it is > 0, else 1) from the moments
    ``m`` of ``x``, without squaring ``x``: what ``max_features`` ranks, as the pooled fit's
    ``(X / span).var()`` (0 for a range past the float range)."""
    if not m["n"]:
        return 0.0
    exp = int(m.get("exp", 0))
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        unit = np.ldexp(np.float64(span if span > 0 else 1.0), -exp)  # NumPy floats: x / 0 is no error
        return float(np.float64(m["m2"]) / m["n"] / unit**2)


def _sketch(x: np.ndarray) -> list[float]:
    if not len(x):
        return []
    # values past 1e100 are scaled down by a power of two first, only as far as the largest
    # needs (its exponent to 2**1021; tiny ones kept): interpolating between -1e308 and 1e308
    # overflowed, with a warning the pooled fit does not give
    top = float(np.max(np.abs(x)))
    e = max(0, int(np.frexp(top)[1]) - 1021) if np.isfinite(top) and top > 1e100 else 0
    return [float(v) for v in np.ldexp(np.quantile(np.ldexp(x, -e), _PROBS), e)]


def _cdf(q: np.ndarray, x: np.ndarray, side: Literal["left", "right"]) -> np.ndarray:
    """CDF of the distribution whose quantiles at evenly spaced probabilities are ``q`` (linear
    between them; a repeated quantile is a point mass) at ``x``: right-continuous (``P(X <= x)``,
    ``side="right"``) or its left limit (``P(X < x)``, ``side="left"``)."""
    p = np.linspace(0.0, 1.0, len(q))
    idx = np.searchsorted(q, x, side=side)  # quantiles <= x (right) or < x (left)
    out = np.where(idx >= len(q), 1.0, 0.0)
    mid = (idx > 0) & (idx < len(q))
    i = idx[mid]
    lo, hi = q[i - 1], q[i]
    with np.errstate(over="ignore", invalid="ignore"):  # quantiles ±1e308 apart: no warning
        frac = np.where(hi > lo, (x[mid] - lo) / np.where(hi > lo, hi - lo, 1.0), 0.0)
    out[mid] = p[i - 1] + frac * (p[i] - p[i - 1])
    return out


def mixture_quantiles(sketches: Sequence[Sequence[float] | np.ndarray], counts: Sequence[int],
                      probs: Sequence[float] | np.ndarray) -> np.ndarray:
    """Quantiles at ``probs`` of the union of sites' values, from each site's quantile sketch
    weighted by its count: the inverse of the count-weighted mixture of their CDFs (linear
    between sketch points, a point mass where a value repeats). One site gives its own
    quantiles back.

    Examples
    --------
    >>> q = list(np.quantile(np.arange(101.0), _PROBS))
    >>> mixture_quantiles([q], [101], [0.5]).tolist()
    [50.0]
    >>> lo = list(np.quantile(np.arange(0.0, 50), _PROBS))
    >>> hi = list(np.quantile(np.arange(50.0, 100), _PROBS))
    >>> round(float(mixture_quantiles([lo, hi], [50, 50], [0.5])[0]), 1)
    49.5
    >>> ones = list(np.quantile(np.r_[np.zeros(30), np.ones(70)], _PROBS))
    >>> mixture_quantiles([ones, ones], [100, 50], [0.5]).tolist()   # the median of 0/1 flags
    [1.0]
    """
    parts = [(np.asarray(s, dtype=np.float64), int(n)) for s, n in zip(sketches, counts, strict=True)
             if n and len(s)]
    if not parts:
        return np.zeros(len(probs))
    xs = np.unique(np.concatenate([s for s, _ in parts]))
    total = sum(n for _, n in parts)
    zero = np.zeros(len(xs))  # the sums' start (0 + x is x exactly): arrays, not the int 0
    right = sum((n * _cdf(s, xs, "right") for s, n in parts), zero) / total
    left = sum((n * _cdf(s, xs, "left") for s, n in parts), zero) / total
    eps = 1e-12
    t = np.asarray(probs, dtype=np.float64).reshape(-1)
    # every probability at once (a pseudo-union asks for one per held-out score: 600k of them
    # took 4 s one by one), each with the same float operations as one at a time
    last = len(xs) - 1
    j = np.minimum(np.searchsorted(right, t - eps, side="left"), last)
    after, before = np.minimum(j + 1, last), np.maximum(j - 1, 0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # (in the branches not taken)
        # the CDF is flat at t up to xs[j + 1]: the middle
        flat = (np.abs(right[j] - t) <= eps) & (j + 1 < len(xs)) & (np.abs(left[after] - right[j]) <= eps)
        # below the first value, or inside the jump at xs[j]
        jump = (j == 0) | (t > left[j] + eps)
        # else on the linear stretch between xs[j - 1] and xs[j]
        c0, c1 = right[before], left[j]
        line = np.where(c1 <= c0, xs[j], xs[before] + (t - c0) / (c1 - c0) * (xs[j] - xs[before]))
        q = np.where(flat, (xs[j] + xs[after]) / 2, np.where(jump, xs[j], line))
    # a linear stretch can end a rounding error past the value the next probability jumps to
    # (0.10000000000000099, then 0.1): never down with the probability, as a quantile function
    q = np.asarray(q, dtype=np.float64)
    order = np.argsort(np.asarray(probs, dtype=np.float64), kind="stable")
    q[order] = np.minimum.accumulate(q[order][::-1])[::-1]
    return q


def _add_counts(into: dict[str, int], more: Mapping[str, int]) -> None:
    for k, v in more.items():
        into[k] = into.get(k, 0) + int(v)


# -- pass 1: schema -----------------------------------------------------------------------------
def site_schema(params: Mapping[str, Any], df: pd.DataFrame) -> dict[str, Any]:
    """One site's first-pass statistics of its (normal) rows, plain JSON.

    ``params`` are the preprocessor's constructor arguments (``TabularPreprocessor.get_params()``),
    the same at every site.
    """
    if not isinstance(df, pd.DataFrame) or len(df) == 0:
        raise InputError("a site needs a non-empty DataFrame of rows to compute statistics on")
    df = native_byte_order(df)  # pandas hashes no big-endian column (its distinct values)
    try:
        return _site_schema(params, df)
    except CELL_ERRORS as exc:  # a list or mapping in a cell, a nested Arrow column
        refuse_unhashable(df, exc, skip={str(c) for c in params.get("drop") or ()})
        raise


def _site_schema(params: Mapping[str, Any], df: pd.DataFrame) -> dict[str, Any]:
    pre = TabularPreprocessor(**params)
    df, cols = pre._prepare(df)
    num_cols = [c for c in cols if pre.roles_[c] == "numeric"]
    raw = pre._numeric_frame(df, num_cols, allow_missing=pre.impute != "error",
                             inferred=pre._text_numbers(num_cols))
    columns: dict[str, Any] = {}
    for c in cols:
        role = pre.roles_[c]
        s = df[c]
        entry: dict[str, Any] = {"role": role, "why": pre.reasons_[c], "dtype": str(s.dtype),
                                 "missing": int(s.isna().sum()), "unique": int(s.nunique(dropna=True))}
        if role in ("drop", "hash") and not pd.api.types.is_numeric_dtype(s):
            # text: present and distinct values as infer_role counts them (a blank is no value)
            text = s.dropna()
            text = text[(text.astype("string").str.strip() != "").to_numpy(dtype=bool)]
            entry.update(present=len(text), text_unique=int(text.nunique()))
        if role in ("categorical", "hash", "drop") and not pd.api.types.is_numeric_dtype(s):
            # its 'N/A', 'null' ... held as text, hashed as text once merged as the pooled fit's
            # hash_nulls_: none, as _prepare reads them as missing (as a CSV does) for both
            nulls = null_spellings(s)
            if nulls:
                entry["nulls"] = nulls
        if role == "numeric":
            v = raw[c]
            nan = np.isnan(v)  # as the pooled fit's profile: a '-' or an empty text cell is missing
            entry.update(missing=int(nan.sum()), unique=int(pd.unique(v[~nan]).size))
            finite = v[np.isfinite(v)]
            entry.update(finite=len(finite), nonfinite=int(len(v) - len(finite)),
                         min=float(finite.min()) if len(finite) else None,
                         max=float(finite.max()) if len(finite) else None,
                         moments=_moments(finite), sketch=_sketch(finite))
        elif role in ("categorical", "hash"):
            if role == "categorical":
                counts = pd.Series(string_values(s, bools=True)).value_counts()
                entry["counts"] = {str(k): int(v) for k, v in counts.items()}
                entry["missing"] = int(counts.get("<missing>", 0))
                entry["unique"] = int(len(counts) - (entry["missing"] > 0))
        elif role == "ip":
            entry["absent"] = int(ip_parts(s, 1, ported=True)[3].sum())
        elif role == "port":
            ports = port_numbers(s)
            counts = pd.Series(ports[np.isfinite(ports)]).value_counts()
            entry["counts"] = {str(int(k)): int(v) for k, v in counts.items()}
            entry["absent"] = int(np.isnan(ports).sum())
        columns[c] = entry
    return {"rows": len(df), "columns": columns}


_BLANK = "no values (all missing)"  # the reason a column without a value is read as numeric


def _no_value(e: Mapping[str, Any]) -> bool:
    """Whether a site has no value in a column: :data:`_BLANK`, or a numeric dtype whose every
    row is missing (an empty CSV column reads as float NaN: read as numbers for its dtype alone)."""
    return e["why"] == _BLANK or (e["role"] == "numeric" and e["why"] == "numeric values"
                                  and int(e["missing"]) == int(e["site_rows"]))


def _blank_as(role: str, e: Mapping[str, Any]) -> dict[str, Any]:
    """A site's statistics of a column it has no value in (read as numeric there), as a site
    would send them had it read the column as ``role``: every row missing."""
    if role == "numeric":
        return dict(e)
    rows = int(e["finite"]) + int(e["nonfinite"])
    out: dict[str, Any] = {"role": role, "why": e["why"], "dtype": e["dtype"], "missing": e["missing"],
                           "unique": 0}
    if role == "categorical":
        out["counts"] = {"<missing>": rows}
    elif role == "port":
        out["counts"], out["absent"] = {}, rows
    elif role == "ip":
        out["absent"] = rows
    return out


def _unset_only(e: Mapping[str, Any]) -> bool:
    """Whether a site read a column as text because it holds nothing but ``-`` / ``(empty)``
    there (no value: the other sites' numbers, addresses or ports decide)."""
    return (e["role"] == "categorical" and not e["why"].startswith("given")
            and set(e.get("counts", {})) <= {*PLACEHOLDERS, MISSING})


def _unset_as_blank(e: Mapping[str, Any]) -> dict[str, Any]:
    """The statistics a site sends for a column without a value, for :func:`_unset_only` ``e``."""
    rows = sum(int(v) for v in e["counts"].values())
    return {"role": "numeric", "why": _BLANK, "dtype": e["dtype"], "missing": rows, "unique": 0,
            "finite": 0, "nonfinite": rows, "min": None, "max": None, "moments": _moments(np.zeros(0)),
            "sketch": []}


def _merge_role(c: str, entries: list[dict[str, Any]], max_categories: int) -> tuple[str, str]:
    roles = {e["role"] for e in entries}
    inferred = not any(e["why"].startswith("given") for e in entries)
    if roles <= {"categorical", "hash"} and inferred and len(entries) > 1:
        # text columns: the union of the values decides (a pooled fit sees them all)
        if any(e["role"] == "hash" for e in entries):
            return "hash", "more distinct values than max_categories at one site at least"
        distinct = set().union(*(e["counts"] for e in entries)) - {"<missing>"}
        present = sum(int(v) for e in entries for k, v in e["counts"].items() if k != "<missing>")
        if near_unique(len(distinct), present):  # as infer_role, on all values
            return "drop", f"near-unique text ({len(distinct)} distinct of {present})"
        return (("hash", f"{len(distinct)} distinct values > max_categories={max_categories}")
                if len(distinct) > max_categories else (entries[0]["role"], entries[0]["why"]))
    if len(roles) == 1:
        return entries[0]["role"], entries[0]["why"]
    near = [e for e in entries if e["role"] == "drop" and e["why"].startswith("near-unique")]
    if near and inferred and roles <= {"categorical", "hash", "drop"} and all(
            e["role"] != "drop" or e["why"].startswith("near-unique") for e in entries):
        # text, near-unique at some sites (which send no values): dropped as the pooled fit
        # would drop it, from the most distinct values the sites may hold together; else hashed
        # (more values than a one-hot takes: over 50 at one site already)
        most = sum(int(e.get("text_unique", e["unique"])) for e in entries)
        present = sum(int(e["present"]) if "present" in e
                      else int(e.get("site_rows", 0)) - int(e["missing"]) for e in entries)
        if most > 0.5 * present:
            return "drop", f"near-unique text (up to {most} distinct of {present} at the sites)"
        if max(int(e.get("text_unique", e["unique"])) for e in entries) > max_categories:
            # (the pooled count is at least the largest site's)
            return "hash", f"near-unique text at {len(near)} site(s), fewer distinct values pooled"
    named = [e for e in entries if e["role"] == "drop" and e["why"] == "identifier/timestamp name"]
    if named and inferred and all(e in named or e["why"].startswith("user or group id") for e in entries):
        # Unix user or group ids (uid, gid): codes at some sites, near-unique at others, where
        # they are dropped by name (and send no values, so no one-hot can hold them): dropped as
        # the pooled fit would drop them, from the most distinct ids the sites may hold together,
        # else hashed (as the pooled fit hashes more codes than max_categories)
        most = sum(int(e["unique"]) for e in entries)
        present = sum(int(e.get("site_rows", 0)) - int(e["missing"]) for e in entries)
        if near_unique(most, present):
            return "drop", f"identifier/timestamp name (up to {most} distinct ids of {present} at the sites)"
        return "hash", f"user or group id, near-unique at {len(named)} site(s), fewer distinct values pooled"
    rows = [e for e in entries if e["role"] == "drop" and e["why"].startswith("row numbers")]
    if rows and roles == {"drop", "numeric"} and inferred:
        # a saved index: one site's rows count up, another's restart (two files read as one) or
        # are a single row; numbers that count rows at one site are not a feature anywhere
        return rows[0]["role"], rows[0]["why"]
    by_role = {r: [str(k) for k, e in enumerate(entries, start=1) if e["role"] == r] for r in sorted(roles)}
    read = "; ".join(f"{r} at site{'s' if len(ks) > 1 else ''} {', '.join(ks)}" for r, ks in by_role.items())
    raise InputError(f"column {c!r}: the sites read it differently ({read}); "
                     f"give its role, e.g. roles={{{c!r}: 'categorical'}}")


def merge_schema(parts: Sequence[Mapping[str, Any]], *, max_categories: int = 50) -> dict[str, Any]:
    """Merge the sites' :func:`site_schema` statistics (every site must have the same columns,
    but for those the preprocessing is given the role ``drop`` of, ``roles={c: "drop"}``;
    the first site's order is kept). ``max_categories`` is the preprocessor's."""
    if not parts:
        raise InputError("no site statistics to merge")
    # a column the preprocessing drops by name (roles={c: "drop"}) is no feature: a site may lack
    # it, as a pooled fit's transform takes rows without it (drop=[c] leaves it out at the site)
    given_drop = {c for p in parts for c, e in p["columns"].items()
                  if e.get("role") == "drop" and e.get("why") == "given"}
    order = list(dict.fromkeys(c for p in parts for c in p["columns"]
                               if p is parts[0] or c in given_drop))
    first = set(parts[0]["columns"]) - given_drop
    for i, p in enumerate(parts[1:], start=2):
        if set(p["columns"]) - given_drop != first:
            lacks, extra = sorted(first - set(p["columns"])), sorted(set(p["columns"]) - given_drop - first)
            what = "; ".join(f"{how} {', '.join(map(repr, cols[:5]))}" + (" ..." if len(cols) > 5 else "")
                             for how, cols in (("lacks", lacks), ("has, unlike site 1,", extra)) if cols)
            raise InputError(f"site {i} has other columns than site 1 (differ: it {what}); "
                             "every site must send the same columns (drop or add them at the site)")
    merged: dict[str, Any] = {"rows": sum(int(p["rows"]) for p in parts), "sites": len(parts),
                              "columns": {}}
    for c in order:
        entries = [{**p["columns"][c], "site_rows": int(p["rows"])} for p in parts if c in p["columns"]]
        blank = [_no_value(e) for e in entries]
        mixed = any(blank) and not all(blank)
        # a site without a value in the column has no say in its role: the others decide; nor
        # has one with only '-' in it (read as text there) beside sites with numbers in it
        say = [e for e, b in zip(entries, blank, strict=True) if not b] if mixed else entries
        unset = [_unset_only(e) for e in say]
        partly = any(unset) and not all(unset)
        role, why = _merge_role(c, [e for e, u in zip(say, unset, strict=True) if not u]
                                if partly else say, max_categories)
        near_drop = role == "drop" and why.startswith("near-unique")
        if partly and (role in ("categorical", "hash") or near_drop):
            # text (kept, or dropped as near-unique: the '-' rows may make it not so): its '-'
            # counts, as pooled
            try:
                role, why = _merge_role(c, say, max_categories)
            except InputError:
                # near-unique sites beside the '-' sites' categories (a one-hot under
                # max_categories pooled): those sites send no values, so no one-hot can be
                # built; the column stays dropped
                if not near_drop:
                    raise
        if partly and role in ("numeric", "ip", "port"):
            entries = [_unset_as_blank(e) if _unset_only(e) else e for e in entries]
            blank = [_no_value(e) for e in entries]
            mixed = True
        if mixed:
            entries = [_blank_as(role, e) if b else e for e, b in zip(entries, blank, strict=True)]
        dtypes = sorted({e["dtype"] for e in entries})
        m: dict[str, Any] = {"role": role, "why": why, "dtype": "|".join(dtypes),
                             "missing": sum(e["missing"] for e in entries),
                             "unique": max(e["unique"] for e in entries)}
        nulls = sorted({str(v) for e in entries for v in e.get("nulls", ())})
        if nulls:  # the missing spellings some site's text holds (a hashed column keeps them as text)
            m["nulls"] = nulls
        if role == "numeric":
            present = [e for e in entries if e["finite"]]
            mom = {"n": 0, "mean": 0.0, "m2": 0.0, "m3": 0.0}
            for e in present:
                mom = _merge_moments(mom, e["moments"])
            m.update(finite=sum(e["finite"] for e in entries),
                     nonfinite=sum(e["nonfinite"] for e in entries),
                     min=min((e["min"] for e in present), default=None),
                     max=max((e["max"] for e in present), default=None), moments=mom,
                     sketches=[e["sketch"] for e in present], counts=[e["finite"] for e in present])
        elif role in ("categorical", "port"):
            counts: dict[str, int] = {}
            for e in entries:
                _add_counts(counts, e.get("counts", {}))
            m["counts"] = counts
            if role == "categorical":
                m["unique"] = len(set(counts) - {"<missing>"})
        if role in ("ip", "port"):
            m["absent"] = sum(e["absent"] for e in entries)
        merged["columns"][c] = m
    return merged


def shared_schema(merged: Mapping[str, Any]) -> dict[str, Any]:
    """The merged statistics as a server sends them back to the sites (for
    :func:`schema_preprocessor`): pooled only. Each numeric column's per-site quantile sketches
    and counts, which :func:`merge_schema` keeps for the median, are replaced by that median
    (the mixture's, as :func:`schema_preprocessor` computes it), so that no site receives
    another's sketches (a site under :data:`SKETCH_POINTS` rows sends every value of a column).

    Examples
    --------
    >>> import pandas as pd
    >>> from hourglass.features import TabularPreprocessor
    >>> params = TabularPreprocessor().get_params()
    >>> parts = [site_schema(params, pd.DataFrame({"x": v})) for v in ([1.0, 2.0, 3.0], [10.0, 20.0])]
    >>> col = shared_schema(merge_schema(parts))["columns"]["x"]
    >>> "sketches" in col, col["median"] == schema_preprocessor(params, merge_schema(parts)).impute_["x"]
    (False, True)
    """
    out = {**merged, "columns": {}}
    for c, m in merged["columns"].items():
        m = dict(m)
        if m["role"] == "numeric":
            sketches, counts = m.pop("sketches", []), m.pop("counts", [])
            m["median"] = float(mixture_quantiles(sketches, counts, [0.5])[0])
        out["columns"][c] = m
    return out


def _skew_from(m: Mapping[str, Any]) -> float:
    mom = m["moments"]
    n, m2 = mom["n"], mom["m2"]
    if n == 0 or not m2 > 0:
        return 0.0
    sd = np.sqrt(m2 / n)
    with np.errstate(over="ignore", invalid="ignore"):
        skew = (mom["m3"] / n) / sd ** 3
    return float(skew) if np.isfinite(skew) else 0.0


def schema_preprocessor(params: Mapping[str, Any], merged: Mapping[str, Any]) -> TabularPreprocessor:
    """The preprocessor's decisions that the merged first-pass statistics fix (roles, constant
    columns, missing indicators, imputation, ``log1p``, categories, ports); its scales come from
    :func:`scaled_preprocessor`."""
    pre = TabularPreprocessor(**params)
    pre._check_params()
    n = int(merged["rows"])
    need = pre.min_frequency if pre.min_frequency >= 1 else pre.min_frequency * n
    cols = list(merged["columns"])
    info = merged["columns"]
    pre.roles_ = {c: info[c]["role"] for c in cols}
    pre.reasons_ = {c: info[c]["why"] for c in cols}
    pre.profile_ = {c: {"dtype": info[c]["dtype"], "missing": info[c]["missing"] / n,
                        "unique": int(info[c]["unique"])} for c in cols}
    num_cols = [c for c in cols if pre.roles_[c] == "numeric"]
    pre.constant_ = [c for c in num_cols  # the pooled fit's rule: one value but for float rounding
                     if info[c]["finite"] == 0
                     or _constant_span(float(info[c]["min"]), float(info[c]["max"]), info[c]["dtype"])]
    kept = [c for c in num_cols if c not in pre.constant_]
    pre.indicators_ = [c for c in num_cols if info[c]["nonfinite"] and info[c]["finite"]]
    pre.impute_ = {c: (float(info[c]["median"]) if "median" in info[c]
                       else float(mixture_quantiles(info[c]["sketches"], info[c]["counts"], [0.5])[0]))
                   if pre.impute == "median" else float(pre.fill_value) for c in kept}
    if isinstance(pre.log1p, str):
        if pre.log1p not in ("auto", "none"):
            raise InputError(f"log1p: expected 'auto', 'none' or column names, got {pre.log1p!r}",
                             param="log1p")
        pre.log1p_ = ([c for c in kept if info[c]["min"] >= 0 and info[c]["max"] > 10
                       and _skew_from(info[c]) > 2] if pre.log1p == "auto" else [])
    else:
        unknown = sorted(set(map(str, pre.log1p)) - set(num_cols))
        if unknown:
            raise InputError(f"log1p: not numeric training column(s): {listed_columns(unknown)}",
                             param="log1p")
        neg = [c for c in map(str, pre.log1p) if c in kept and info[c]["min"] < 0]
        if neg:
            raise InputError(f"log1p: column {neg[0]!r} has negative values", param="log1p")
        pre.log1p_ = [str(c) for c in pre.log1p if str(c) in kept]  # as the pooled fit: constant ones dropped
    pre.numeric_ = kept
    pre.categories_, pre.other_, pre.hashed_, pre.ips_, pre.ports_ = {}, {}, {}, {}, {}
    pre.hash_nulls_ = {}  # a hashed column's 'N/A' ... that some site holds as text: hashed as text
    pre.hash_form_ = "NFC"  # as the pooled fit hashes text
    pre.ip_form_ = IP_FORM  # as the pooled fit reads ::ffff:a.b.c.d and 10.0.1.5:52153
    for c in cols:
        role = pre.roles_[c]
        if role == "categorical":
            counts = info[c]["counts"]
            pre.categories_[c] = sorted(k for k, v in counts.items() if v >= need)
            rare = sorted(k for k, v in counts.items() if v < need)
            if rare:
                pre.other_[c] = rare
        elif role == "hash":
            pre.hashed_[c] = int(pre.hash_buckets)
            pre.hash_nulls_[c] = [str(v) for v in info[c].get("nulls", ())]
        elif role == "ip":
            pre.ips_[c] = int(pre.hash_buckets)
            if info[c]["absent"]:
                pre.indicators_.append(c)
        elif role == "port":
            counts = sorted(((-v, int(k)) for k, v in info[c]["counts"].items() if v >= max(need, 0.01 * n)))
            pre.ports_[c] = sorted(p for _, p in counts[: int(pre.max_ports)])
            if info[c]["absent"]:
                pre.indicators_.append(c)
    pre.columns_ = [c for c in cols if pre.roles_[c] != "drop"]
    return pre


# -- pass 2: scales -----------------------------------------------------------------------------
def site_scales(pre: TabularPreprocessor, df: pd.DataFrame) -> dict[str, Any]:
    """One site's second-pass statistics: of the numeric block (imputed, ``log1p``) that the
    :func:`schema_preprocessor` ``pre`` makes of its rows (checked as :func:`site_schema` checks
    them)."""
    if not isinstance(df, pd.DataFrame) or len(df) == 0:
        raise InputError("a site needs a non-empty DataFrame of rows to compute statistics on")
    _refuse_levels(df)
    df = pre._named(df)  # a repeated name the preprocessor reads: df[c] would be a table
    missing = [c for c in pre.numeric_ if c not in df.columns]
    if missing:
        raise InputError(f"column(s) missing at this site: {', '.join(missing[:3])}")
    raw = pre._numeric_frame(df, pre.numeric_, allow_missing=pre.impute != "error")
    X = pre._numeric_block(raw, len(df), fitted=False)
    out: dict[str, Any] = {"rows": len(X)}
    if X.shape[1]:
        with np.errstate(over="ignore", invalid="ignore"):  # values near the float range: inf
            mean = X.mean(axis=0)
            D = X - mean
            out.update(mean=mean.tolist(), comoment=(D.T @ D).tolist(), min=X.min(axis=0).tolist(),
                       max=X.max(axis=0).tolist())
        # each column's moments, scaled past 1e100: its variance when the co-moments overflow
        out["moments"] = [_moments(X[:, j]) for j in range(X.shape[1])]
        if pre.scaler in ("robust", "quantile"):
            out["sketch"] = [_sketch(X[:, j]) for j in range(X.shape[1])]
    return out


def merge_scales(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Merge the sites' :func:`site_scales` statistics (exactly, but for the quantile sketches)."""
    if not parts:
        raise ValueError("merge_scales: no site statistics to merge")
    if any("mean" not in p for p in parts):
        return {"rows": sum(int(q["rows"]) for q in parts)}
    first = parts[0]
    n, mean, C = int(first["rows"]), np.asarray(first["mean"]), np.asarray(first["comoment"])
    lo, hi = np.asarray(first["min"]), np.asarray(first["max"])
    for p in parts[1:]:
        nb, mb, Cb = int(p["rows"]), np.asarray(p["mean"]), np.asarray(p["comoment"])
        tot = n + nb
        with np.errstate(over="ignore", invalid="ignore"):  # values near the float range: inf
            d = mb - mean
            C = C + Cb + np.outer(d, d) * (n * nb / tot)
            mean = mean + d * nb / tot
        lo, hi, n = np.minimum(lo, p["min"]), np.maximum(hi, p["max"]), tot
    out: dict[str, Any] = {"rows": n, "mean": mean.tolist(), "comoment": C.tolist(),
                           "min": lo.tolist(), "max": hi.tolist()}
    if all("moments" in p for p in parts):
        out["moments"] = [_column_moments([p["moments"][j] for p in parts]) for j in range(len(mean))]
    if all("sketch" in p for p in parts):
        out["sketches"] = [p["sketch"] for p in parts]
        out["counts"] = [int(p["rows"]) for p in parts]
    return out


def scaled_preprocessor(pre: TabularPreprocessor, merged: Mapping[str, Any]) -> TabularPreprocessor:
    """The fitted preprocessor: ``pre`` (from :func:`schema_preprocessor`) with the near-duplicate
    columns and the scales that the merged second-pass statistics give."""
    state = {k: v for k, v in pre.__dict__.items() if k.endswith("_")}
    out = TabularPreprocessor(**pre.get_params())
    out.__dict__.update({k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
                         for k, v in state.items()})
    numeric = list(out.numeric_)
    k = len(numeric)
    if k:
        n = int(merged["rows"])
        mean, C = np.asarray(merged["mean"]), np.asarray(merged["comoment"])
        lo, hi = np.asarray(merged["min"]), np.asarray(merged["max"])
        var = np.diag(C) / n
    out.duplicates_ = {}
    if k >= 2 and out.max_corr is not None:
        sd = np.sqrt(var)
        ok = np.flatnonzero((sd > 0) & np.isfinite(sd))
        corr = np.abs(C[np.ix_(ok, ok)] / (n * np.outer(sd[ok], sd[ok])))
        kept: list[int] = []
        for j in range(len(ok)):
            hit = next((i for i in kept if corr[i, j] > out.max_corr), None)
            if hit is None:
                kept.append(j)
            else:
                out.duplicates_[numeric[ok[j]]] = numeric[ok[hit]]
    if k and out.max_features is not None and k - len(out.duplicates_) > out.max_features:
        keep_idx = [i for i, c in enumerate(numeric) if c not in out.duplicates_]
        span = (hi - lo)[keep_idx]
        with np.errstate(over="ignore", invalid="ignore"):
            v = var[keep_idx] / np.where(span > 0, span, 1) ** 2
        moments = merged.get("moments")
        if moments is not None and not np.isfinite(v).all():  # values past 1e154: var overflowed
            v = np.array([_scaled_variance(moments[i], s) for i, s in zip(keep_idx, span, strict=True)])
        for j in np.argsort(-v, kind="stable")[int(out.max_features):]:
            out.duplicates_[numeric[keep_idx[j]]] = "<low variance>"
    idx = [i for i, c in enumerate(numeric) if c not in out.duplicates_]
    out.numeric_ = [numeric[i] for i in idx]
    out.log1p_ = [c for c in out.log1p_ if c in out.numeric_]
    out.quantiles_ = {}
    m = len(idx)
    with np.errstate(over="ignore", invalid="ignore"):  # a range past the float range: named below
        if m == 0:
            out.offset_, out.scale_ = np.zeros(0), np.ones(0)
        elif out.scaler == "minmax":
            out.offset_, out.scale_ = lo[idx], np.where(hi[idx] > lo[idx], hi[idx] - lo[idx], 1.0)
        elif out.scaler == "standard":
            sd = np.sqrt(var[idx])
            out.offset_, out.scale_ = mean[idx], np.where(sd > 0, sd, 1.0)
        else:
            sketches = merged.get("sketches")
            if out.scaler in ("robust", "quantile") and sketches is None:
                raise InputError(f"scaler {out.scaler!r} needs the sites' quantile sketches")
            out.offset_, out.scale_ = np.zeros(m), np.ones(m)
            cols = {i: mixture_quantiles([s[i] for s in sketches], merged["counts"],
                                         np.linspace(0, 1, _N_QUANTILES) if out.scaler == "quantile"
                                         else [0.25, 0.5, 0.75]) for i in idx} if sketches else {}
            if out.scaler == "robust":
                q = np.array([cols[i] for i in idx])
                iqr, sd = q[:, 2] - q[:, 0], np.sqrt(var[idx])
                out.offset_, out.scale_ = q[:, 1], np.where(iqr > 0, iqr, np.where(sd > 0, sd, 1.0))
            elif out.scaler == "quantile":
                out.quantiles_ = {numeric[i]: [float(v) for v in cols[i]] for i in idx}
    for j, c in enumerate(out.numeric_):  # as the pooled fit names it (not as a malformed state)
        big = max(abs(lo[idx[j]]), abs(hi[idx[j]])) > _TOO_LARGE  # NaN (a malformed reply): not
        if big and not np.isfinite([out.offset_[j], out.scale_[j], *out.quantiles_.get(c, ())]).all():
            raise InputError(f"column {c!r}: values from {lo[idx[j]]:.3g} to {hi[idx[j]]:.3g} are too "
                             f"large to scale ({out.scaler}); drop the column or fix its values")
    out.feature_names_ = out._feature_names()
    if not out.feature_names_:
        raise InputError("no usable feature column: every column is constant, dropped or an identifier")
    # through the saved form: what an artefact holds, checked as it is on load
    return TabularPreprocessor.from_dict(out.to_dict())
