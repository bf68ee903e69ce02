"""The transform of a few rows (a scoring request, a ``stream`` micro-batch), bit for bit the
matrix of :meth:`TabularPreprocessor.transform <hourglass.features.TabularPreprocessor.transform>`.

The general transform spends ~40 pandas calls on a table whatever its length: about 3.6 ms for
one NSL-KDD row. Here the columns are read as arrays once, the numeric ones go through the very
same numeric block, and a categorical or hashed cell that is a ``str`` (or missing) is looked up
in a per-column memo of the one-hot position the general code gave that value. The general code
fills the memo itself, on the values it has not seen yet. A value's position depends on the
value alone as long as a column of a call holds at most ``roles._FEW`` distinct values (then
``factorize_strings`` canonicalises each one in the same Python loop); a column with more goes
to the general code. Anything else unusual (a column label that is not a ``str``, a missing
column, a non-numeric dtype in a numeric column, a cell of another type in a categorical one,
NaN with ``impute="error"``) also goes back to the general code, column by column or for the
whole call, so its errors and values stay the general code's own. Past :data:`SMALL_ROWS` rows
the per-cell loop costs more than pandas' vectorised passes (break-even near 2,000 NSL-KDD rows).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hourglass.features.roles import _FEW, ip_parts, ipv4_bucket, ipv4_private

if TYPE_CHECKING:
    from hourglass.features.tabular import TabularPreprocessor

__all__ = ["SMALL_ROWS", "transform_small"]

#: Largest call the small-batch road takes (``hourglass stream``'s default batch).
SMALL_ROWS = 1024
_MEMO_LIMIT = 4096  # values remembered per column: a long-running service stays bounded
_STATE = ("columns_", "numeric_", "indicators_", "roles_", "categories_", "other_", "hashed_")


class _Plan:
    """What the small-batch road remembers of one fitted state: its memos and the state they
    were filled from (``fit`` makes new objects of all of them; they are never changed in place)."""

    def __init__(self, pre: TabularPreprocessor) -> None:
        self.state = tuple(getattr(pre, a) for a in _STATE)
        self.numeric_inputs = pre._numeric_inputs()
        self.category_memo: dict[str, dict[str, int]] = {c: {} for c in pre.categories_}
        self.hash_memo: dict[str, dict[str, int]] = {c: {} for c in pre.hashed_}
        self.ip_memo: dict[str, dict[str, tuple[Any, ...]]] = {c: {} for c in pre.ips_}
        # a missing cell (None, NaN, pd.NA) is "<missing>", whatever the column's dtype
        none = pd.Series([None], dtype=object)
        self.category_missing = {c: int(pre._category_columns(c, none)[0]) for c in pre.categories_}
        self.hash_missing = {c: int(pre._hash_columns(c, none)[0]) for c in pre.hashed_}
        self.ip_missing = {c: _ip_rows(ip_parts(none, k))[0] for c, k in pre.ips_.items()}

    def fits(self, pre: TabularPreprocessor) -> bool:
        return all(getattr(pre, a) is s for a, s in zip(_STATE, self.state, strict=True))


def _plan(pre: TabularPreprocessor) -> _Plan:
    plan: _Plan | None = pre.__dict__.get("_small_batch")
    if plan is None or not plan.fits(pre):
        plan = pre.__dict__["_small_batch"] = _Plan(pre)
    return plan


def _columns(df: pd.DataFrame) -> list[Any]:
    """The columns' own arrays (numpy or extension), without building a Series per column."""
    it = getattr(df, "_iter_column_arrays", None)  # pandas ≥ 1.3 (private, hence the fallback)
    if it is not None:
        return list(it())
    out = []
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        out.append(s.to_numpy() if isinstance(s.dtype, np.dtype) else s.array)
    return out


def _is_text(values: Any) -> bool:
    dtype = values.dtype
    return dtype.kind == "O" if isinstance(dtype, np.dtype) else isinstance(dtype, pd.StringDtype)


_DOTTED_QUAD = re.compile(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}")


def _ipv4_parts(v: str, buckets: int) -> tuple[bool, bool, int, bool] | None:
    """:func:`ip_parts` of one cell written as a plain ASCII dotted quad (digits and dots only:
    no whitespace to strip, nothing for the whole-number rule to change), by the same
    arithmetic on Python integers; ``None`` for any other text. A new address in every row (a
    flow's source) then costs no pandas call."""
    if _DOTTED_QUAD.fullmatch(v) is None:
        return None
    a, b, c, d = (int(p) for p in v.split("."))
    ok = a <= 255 and b <= 255 and c <= 255 and d <= 255
    return bool(ipv4_private(a, b)) and ok, False, ipv4_bucket(a, b, c, buckets), not ok


def _ip_rows(parts: tuple[np.ndarray, ...]) -> list[tuple[Any, ...]]:
    """:func:`ip_parts`' four arrays as one tuple per row."""
    return list(zip(*(p.tolist() for p in parts), strict=True))


def _lookup(values: Any, memo: dict[str, Any], missing: Any, general: Any,
            direct: Callable[[str], Any] | None = None) -> list[Any] | None:
    """Memo entry of each cell; ``None`` when a cell is neither ``str`` nor missing. A value
    not in the memo is placed by ``direct`` when it gives an answer, else by ``general`` (the
    general code, one result per value) on those values only."""
    # a string array converted in one call (iterating pyarrow-backed strings costs a Python call a
    # cell, a fifth of a 1,024-row transform); missing cells come out as None
    cells = (values if isinstance(values, np.ndarray) else values.to_numpy(dtype=object, na_value=None)
             ).tolist()
    if len(cells) > _FEW and len(set(cells)) > _FEW:
        return None  # the general code would canonicalise these values with pandas, not one by one
    out = []
    new: dict[str, None] = {}
    for v in cells:
        if type(v) is str:
            j = memo.get(v)
            if j is None and direct is not None:
                j = direct(v)
            if j is None:
                new[v] = None
        elif v is None or v is pd.NA or (type(v) is float and v != v):
            j = missing
        else:
            return None
        out.append(j)
    if new:
        placed = dict(zip(new, general(pd.Series(list(new), dtype=object)), strict=True))
        if len(memo) + len(placed) <= _MEMO_LIMIT:
            memo.update(placed)
        out = [placed[v] if j is None else j for v, j in zip(cells, out, strict=True)]
    return out


def transform_small(pre: TabularPreprocessor, df: pd.DataFrame) -> np.ndarray | None:
    """``pre.transform(df)`` for a fitted ``pre`` and 1 to :data:`SMALL_ROWS` rows, or ``None``
    when the general code must answer (it then also raises whatever error is due)."""
    labels = df.columns
    if not labels.is_unique:
        return None
    pos: dict[str, int] = {}
    for i, c in enumerate(labels):
        if type(c) is not str:  # the general code renames them with str()
            return None
        pos[c] = i
    if any(c not in pos for c in pre.columns_):
        return None
    plan = _plan(pre)
    arrays = _columns(df)
    allow_missing = pre.impute != "error"
    raw: dict[str, np.ndarray] = {}
    for c in plan.numeric_inputs:  # in the general code's order: the same first error
        v = arrays[pos[c]]
        if isinstance(v, np.ndarray) and v.dtype.kind in "iuf":
            x = np.array(v, dtype=np.float64)  # what Series.to_numpy(float64, na_value=nan) gives
            if v.dtype.kind == "f":
                x[np.isnan(x)] = np.nan
            if not allow_missing and not np.isfinite(x).all():
                return None
            raw[c] = x
        else:
            raw.update(pre._numeric_frame(df, [c], allow_missing=allow_missing))

    def category_columns(c: str) -> np.ndarray:
        v = arrays[pos[c]]
        out = (_lookup(v, plan.category_memo[c], plan.category_missing[c],
                       lambda s: pre._category_columns(c, s).tolist()) if _is_text(v) else None)
        return np.array(out, dtype=np.intp) if out is not None else pre._category_columns(c, df[c])

    def hash_columns(c: str) -> np.ndarray:
        v = arrays[pos[c]]
        out = (_lookup(v, plan.hash_memo[c], plan.hash_missing[c],
                       lambda s: pre._hash_columns(c, s).tolist()) if _is_text(v) else None)
        return np.array(out, dtype=np.intp) if out is not None else pre._hash_columns(c, df[c])

    def ip_columns(c: str) -> tuple[np.ndarray, ...]:
        v = arrays[pos[c]]
        k = pre.ips_[c]
        mapped, ported = pre.ip_mapped, pre.ip_ported
        out = (_lookup(v, plan.ip_memo[c], plan.ip_missing[c],
                       lambda s: _ip_rows(ip_parts(s, k, mapped=mapped, ported=ported)),
                       lambda cell: _ipv4_parts(cell, k)) if _is_text(v) else None)
        if out is None:
            return ip_parts(df[c], k, mapped=mapped, ported=ported)
        private, v6, bucket, absent = zip(*out, strict=True)
        return (np.array(private, dtype=bool), np.array(v6, dtype=bool),
                np.array(bucket, dtype=np.int64), np.array(absent, dtype=bool))

    return pre._encode(df, raw, category_columns, hash_columns, ip_columns)
