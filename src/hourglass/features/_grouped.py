"""Per-group reductions of :class:`~hourglass.features.EntityWindows`' (entity, bucket) groups
with numpy, bit for bit what pandas' group-by gives (the aggregation is a hot path: a 100-row
service request, a stream batch, every chunk of a large file).

One sort puts the rows in group order (groups in their output order, rows in input order within
a group); every reduction then works on slices of that order:

* sums and means: pandas' group-by sum and mean add each group's values in row order with Kahan
  compensation, so a plain ``np.add.reduceat`` (pairwise) would differ in the last bits. Here the
  same compensated recurrence runs for all groups at once, one step per row position within a
  group (groups sorted by size, so the groups still adding are a prefix). Groups longer than
  :data:`LONG` rows, and groups whose running sum or compensation leaves the finite range (where
  pandas versions differ in how they reset the compensation), are handed to pandas itself;
* maxima: ``np.maximum.reduceat`` with NaN skipped, then the sign of a zero maximum set to that
  of the group's first zero (pandas keeps the first of equal values, ``-0.0 == 0.0``);
* distinct counts and top-value counts: one hash factorisation (or a dense count table, for few
  values) of the (group, value code) pairs.

pandas 3.1 takes a shortcut for sums, means and maxima when each group's rows are contiguous
(its group ids are monotonic) and a column (the old code's frame held each column in a block of
its own) holds no NaN: ``np.add.reduceat`` (pairwise) and
``np.maximum.reduceat`` over the column, then sum / rows for the mean. Those columns get the
same calls here (:data:`PANDAS_REDUCEAT` says whether the installed pandas has the shortcut), so
that the aggregates, and the scores, are the ones pandas gave.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.core.groupby.ops import BaseGrouper

#: Whether pandas' group-by sums, means and maxima of a NaN-free column over contiguous groups
#: are ``ufunc.reduceat`` calls (pandas >= 3.1) rather than its compensated Cython loops.
PANDAS_REDUCEAT = hasattr(BaseGrouper, "_reduceat_aggregate")

#: Groups with more rows than this are summed by pandas: the vectorised recurrence takes one
#: numpy step per row position, cheap for the few rows of a bucket, not for a bucket of 100k.
LONG = 256


class Groups:
    """Rows grouped by an integer key; groups in ascending key order, rows in input order within
    a group.

    Examples
    --------
    >>> g = Groups(np.array([5, 2, 5, 7, 2]))
    >>> g.perm.tolist(), g.starts.tolist(), g.sizes.tolist()
    ([1, 4, 0, 2, 3], [0, 2, 4], [2, 2, 1])
    """

    def __init__(self, key: np.ndarray) -> None:
        key = np.asarray(key, dtype=np.int64)
        n = len(key)
        lo = int(key.min())
        span = int(key.max()) - lo + 1
        if span <= 1 << 16:  # a stable radix sort on 16-bit keys: linear time
            self.perm = np.argsort((key - lo).astype(np.uint16), kind="stable")
            sk = key[self.perm]
        elif span < (1 << 62) // max(n, 1):  # an unstable sort of (key, row) pairs is stable on key
            packed = np.sort((key - lo) * n + np.arange(n, dtype=np.int64))
            self.perm = packed % n
            sk = packed // n
        else:
            self.perm = np.argsort(key, kind="stable")
            sk = key[self.perm]
        new = np.empty(n, dtype=bool)
        new[:1] = True
        np.not_equal(sk[1:], sk[:-1], out=new[1:])
        self.starts = np.flatnonzero(new)
        self.sizes = np.diff(np.append(self.starts, n))
        #: group index of each row in group order
        self.sorted_gid = np.cumsum(new) - 1
        self.n_groups = len(self.starts)
        self.n_rows = n
        last = self.perm[self.starts + self.sizes - 1]
        #: whether each group's rows are contiguous in the input (pandas' ids are then monotonic)
        self.contiguous = bool(np.array_equal(last - self.perm[self.starts], self.sizes - 1))

    @property
    def first_rows(self) -> np.ndarray:
        """The input row of each group's first row."""
        return self.perm[self.starts]

    def row_gid(self) -> np.ndarray:
        """The group index of each input row."""
        gid = np.empty(self.n_rows, dtype=np.int64)
        gid[self.perm] = self.sorted_gid
        return gid


def _shortcut_columns(groups: Groups, x: np.ndarray) -> np.ndarray:
    """The columns (rows of ``x``) pandas reduces with ``ufunc.reduceat`` (see the notes above)."""
    if not (PANDAS_REDUCEAT and groups.contiguous):
        return np.zeros(len(x), dtype=bool)
    return ~np.isnan(x).any(axis=1)


def _reduceat(groups: Groups, column: np.ndarray, ufunc: np.ufunc) -> np.ndarray:
    """``ufunc.reduceat`` over contiguous groups of one column, the call pandas makes (a row of a
    2-D block, segments in input order), as a value per group in group order."""
    first = groups.first_rows
    order = np.argsort(first)
    out = np.empty(groups.n_groups)
    block = np.ascontiguousarray(column, dtype=np.float64).reshape(1, -1)
    with np.errstate(over="ignore", invalid="ignore"):  # a sum past 1.8e308 is inf, as in pandas
        out[order] = ufunc.reduceat(block, first[order], axis=1)[0]
    return out


def _pandas_sums(x: np.ndarray, gid: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(sum with ``min_count=1``, mean) per group by pandas' compensated Cython loops, for the
    rows (columns of ``x``) of groups ``gid`` (ascending). A last row of NaN in a group of its own
    keeps pandas off its ``reduceat`` shortcut, which these rows (contiguous groups) would take."""
    frame = pd.DataFrame(np.hstack([x, np.full((len(x), 1), np.nan)]).T)
    g = frame.groupby(np.append(gid, n_groups), sort=True)
    sums, means = g.sum(min_count=1).iloc[:-1], g.mean().iloc[:-1]
    out_s = np.full((len(x), n_groups), np.nan)
    out_m = np.full((len(x), n_groups), np.nan)
    out_s[:, sums.index.to_numpy()] = sums.to_numpy(np.float64).T
    out_m[:, means.index.to_numpy()] = means.to_numpy(np.float64).T
    return out_s, out_m


def numeric_stats(groups: Groups, x: np.ndarray, stats: tuple[str, ...] | list[str]) -> dict[str, np.ndarray]:
    """Per column (a row of ``x``: columns × rows, float64, rows in input order) and group:
    pandas' ``groupby.sum(min_count=1)``, ``groupby.mean()`` and ``groupby.max()`` (those named
    in ``stats``), each a columns × groups array with pandas' bits.

    Examples
    --------
    >>> g = Groups(np.array([0, 1, 0, 0]))
    >>> out = numeric_stats(g, np.array([[0.1, np.nan, 0.2, 0.3]]), ("sum", "mean", "max"))
    >>> out["sum"].tolist(), out["mean"].tolist(), out["max"].tolist()
    ([[0.6, nan]], [[0.19999999999999998, nan]], [[0.3, nan]])
    """
    fast = _shortcut_columns(groups, x)
    slow = ~fast
    out: dict[str, np.ndarray] = {}
    want_sums = "sum" in stats or "mean" in stats
    if want_sums:
        out["sum"], out["mean"] = np.empty((len(x), groups.n_groups)), np.empty((len(x), groups.n_groups))
    if "max" in stats:
        out["max"] = np.empty((len(x), groups.n_groups))
    if slow.any():
        xs = np.take(x[slow], groups.perm, axis=1)  # np.take: far quicker than x[:, perm]
        if want_sums:
            out["sum"][slow], out["mean"][slow] = _compensated(groups, xs)
        if "max" in stats:
            out["max"][slow] = _first_max(groups, xs)
    for j in np.flatnonzero(fast):
        if want_sums:
            out["sum"][j] = _reduceat(groups, x[j], np.add)
            out["mean"][j] = out["sum"][j] / groups.sizes.astype(np.float64)
        if "max" in stats:
            out["max"][j] = _reduceat(groups, x[j], np.maximum)
    return {k: v for k, v in out.items() if k in stats}


def _compensated(groups: Groups, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pandas' Cython group sum (``min_count=1``) and mean of ``xs`` (columns × rows in group
    order): Kahan-compensated, NaN skipped, row by row in input order within a group.

    The rows of groups of at most :data:`LONG` rows are laid out step-major (all groups' first
    rows, then all second rows...; groups longest first), so that step ``k`` adds a contiguous
    slice to the running sums of the groups still adding, a prefix."""
    k_cols, n_g = xs.shape[0], groups.n_groups
    sizes = groups.sizes
    short = sizes <= LONG
    order = np.flatnonzero(short)
    order = order[np.argsort(-sizes[order], kind="stable")]  # short groups, longest first
    sz = sizes[order]
    steps = int(sz[0]) if len(sz) else 0
    active = np.searchsorted(-sz, -np.arange(steps), side="left")  # groups with more than k rows
    offset = np.concatenate(([0], np.cumsum(active)))
    place = np.full(n_g, -1, dtype=np.int64)
    place[order] = np.arange(len(order))
    gid = groups.sorted_gid
    pos = np.arange(groups.n_rows) - groups.starts[gid]
    rows = np.flatnonzero(short[gid])
    source = np.empty(int(offset[-1]), dtype=np.int64)
    source[offset[pos[rows]] + place[gid[rows]]] = rows
    steps_major = np.take(xs, source, axis=1)
    has_nan = bool(np.isnan(steps_major).any())
    s = np.zeros((k_cols, len(order)))
    c = np.zeros((k_cols, len(order)))
    y = np.empty_like(s)
    t = np.empty_like(s)
    nobs = np.zeros((k_cols, len(order)), dtype=np.int64) if has_nan else None
    # inf - inf on the way is NaN, not a warning: a group whose sum leaves the finite range is
    # handed to pandas below
    with np.errstate(invalid="ignore", over="ignore"):
        for k in range(steps):
            n = int(active[k])
            v = steps_major[:, offset[k]:offset[k] + n]
            sn, cn, yn, tn = s[:, :n], c[:, :n], y[:, :n], t[:, :n]
            np.subtract(v, cn, out=yn)
            np.add(sn, yn, out=tn)
            if nobs is None:
                np.subtract(tn, sn, out=cn)
                np.subtract(cn, yn, out=cn)  # (t - sumx) - y: the order pandas' C code evaluates in
                sn[...] = tn
            else:
                ok = ~np.isnan(v)
                comp = (tn - sn) - yn
                np.copyto(cn, comp, where=ok)
                np.copyto(sn, tn, where=ok)
                nobs[:, :n] += ok
    if nobs is None:
        nobs = np.broadcast_to(sz, s.shape)
    sums = np.full((k_cols, n_g), np.nan)
    means = np.full((k_cols, n_g), np.nan)
    seen = nobs > 0
    sums[:, order] = np.where(seen, s, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        means[:, order] = np.where(seen, s / nobs, np.nan)
    # a sum that left the finite range: pandas versions differ in resetting the compensation
    hand = ~short
    hand[order[~(np.isfinite(s) & np.isfinite(c)).all(axis=0)]] = True
    if hand.any():
        rows = np.flatnonzero(hand[gid])
        ps, pm = _pandas_sums(np.take(xs, rows, axis=1), gid[rows], n_g)
        sums[:, hand], means[:, hand] = ps[:, hand], pm[:, hand]
    return sums, means


def _first_max(groups: Groups, xs: np.ndarray) -> np.ndarray:
    """pandas' Cython group max of ``xs`` (columns × rows in group order): NaN skipped, NaN for a
    group without a value, the first of equal values kept (``-0.0`` or ``0.0``)."""
    nan = np.isnan(xs)
    any_nan = nan.any(axis=1)
    vals = np.where(nan, -np.inf, xs) if any_nan.any() else xs
    out = np.maximum.reduceat(vals, groups.starts, axis=1)
    for j in np.flatnonzero(any_nan):
        out[j, np.add.reduceat(~nan[j], groups.starts) == 0] = np.nan
    zero = out == 0
    for j in np.flatnonzero(zero.any(axis=1)):
        rows = np.flatnonzero(xs[j] == 0)  # group order, so each group's first zero comes first
        g = groups.sorted_gid[rows]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = g[1:] != g[:-1]
        gz, rz = g[first], rows[first]
        keep = zero[j, gz]
        out[j, gz[keep]] = xs[j, rz[keep]]
    return out


def distinct_top(groups: Groups, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the number of distinct ``codes`` (non-negative ints, input order) and the
    count of its most frequent one.

    Examples
    --------
    >>> g = Groups(np.array([0, 0, 0, 1]))
    >>> d, t = distinct_top(g, np.array([3, 1, 3, 2]))
    >>> d.tolist(), t.tolist()
    ([2, 1], [2, 1])
    """
    n_codes = int(codes.max()) + 1 if len(codes) else 1
    gid = groups.sorted_gid
    n_g = groups.n_groups
    pairs = gid * n_codes + np.take(codes, groups.perm)
    if n_g * n_codes <= 4 * max(groups.n_rows, 1024):  # few values: a dense count table
        table = np.bincount(pairs, minlength=n_g * n_codes).reshape(n_g, n_codes)
        return np.count_nonzero(table, axis=1), table.max(axis=1)
    # rows are in group order, so the pairs first seen are too: their groups never decrease
    pair_codes, uniques = pd.factorize(pairs)
    counts = np.bincount(pair_codes, minlength=len(uniques))
    distinct = np.bincount(uniques // n_codes, minlength=n_g)
    first = np.concatenate(([0], np.cumsum(distinct)[:-1]))
    return distinct, np.maximum.reduceat(counts, first)
