"""Tabular preprocessing: column roles, imputation with missing indicators, categorical encoding
(min-frequency one-hot with "other"/"unseen" buckets, hashing), IP and port features, log1p,
scaling and selection of constant / near-duplicate columns.

The fitted state is plain JSON (lists of names, categories and numbers), so it is saved inside
the model artefact without pickle.
"""

from __future__ import annotations

import contextlib
import decimal
import functools
import logging
import numbers
import threading
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from hourglass._columns import listed_columns, near_names, read_as_log, shown_column
from hourglass._numbers import with_sizes
from hourglass._params import ParamsClone, check_numeric_params
from hourglass._times import cut_cell, refuse_undecodable
from hourglass.errors import InputError
from hourglass.features._unfitted import not_fitted
from hourglass.features.roles import (
    IP_FORM,
    MISSING,
    NULL_TEXT,
    NUMBER_GAPS,
    PHONE_NUMBERS,
    PLACEHOLDERS,
    ROLES,
    SCORE_OUTPUT,
    TEXT_NUMBERS,
    VERSION_CODE,
    canonical_text,
    dropped_score_output,
    factorize_strings,
    infer_role,
    ip_parts,
    numeric_identifier,
    port_numbers,
    separated_hint,
    separated_warning,
    stable_hash,
    string_values,
    table_tells,
    type_line_hint,
    unpadded,
    unpadded_reason,
    version_text,
)
from hourglass.features.small_batch import SMALL_ROWS, transform_small
from hourglass.features.validation import (
    check_name_lists,
    is_arrow_table,
    is_signalling_nan_error,
    native_byte_order,
    refuse_signalling_nan,
    saved_settings,
)

__all__ = ["TabularPreprocessor"]

logger = logging.getLogger(__name__)

#: Advice of :class:`TabularPreprocessor`'s messages in a Python user's words (the CLI says its
#: options, ``--role COLUMN=...``, ``train --format ... --model deeplog``:
#: ``cli._options.cli_advice``): a column whose role reads none of its values; a column read as
#: numbers that holds a word; a log handed to a table model.
ANOTHER_ROLE = "give it another role (roles={column: 'numeric' or 'categorical'})"
CATEGORICAL_ROLE = "give the column another role (roles={column: 'categorical'})"
ID_ADVICE = "leave it out (drop=[column]), or give it the role numeric (roles={column: 'numeric'})"
#: What a table read as one column may be, in a Python user's words (the CLI says its options).
ONE_COLUMN_ADVICE = ("a log file is read by EventSessions(format=...), a table needs a header line "
                     "naming its columns")
# a categorical column of a scoring call is warned about when fewer than 1% of its non-missing
# values were seen in training, over at least 50 of them (one stream or service request brings
# a new value often enough: that is normal)
_UNSEEN_MIN_VALUES = 50
_UNSEEN_SHARE = 0.01
# the preprocessors (ids) in an unseen_unwarned block in this thread (context): a mark on the
# preprocessor itself silenced every thread's transforms of it while the block was open
_UNSEEN_QUIET: ContextVar[frozenset[int]] = ContextVar("hourglass_unseen_quiet", default=frozenset())
# a column's unseen-value warning claimed under it: threads transforming one model's data at once
# each found the column not yet warned about and each warned (8 threads, up to 8 lines)
_UNSEEN_CLAIM = threading.Lock()

_NULL_TEXT = np.array(NULL_TEXT, dtype=object)  # (np.isin of object arrays)


def null_spellings(s: pd.Series) -> list[str]:
    """The missing-value spellings (``'N/A'``, ``'null'`` ...) that column ``s`` holds as text
    (JSON lines, a frame: a CSV reader reads them as missing): a hashed column keeps hashing
    them as text (``TabularPreprocessor.hash_nulls_``). A federated site sends them in its
    schema statistics, so that the merged preprocessing hashes them as the pooled fit does.

    Examples
    --------
    >>> null_spellings(pd.Series(["a", "N/A", None, "null", "N/A"]))
    ['N/A', 'null']
    """
    uniques = factorize_strings(s)[1]
    return sorted(str(v) for v in uniques[np.isin(uniques, _NULL_TEXT)])


def _null_text_missing(df: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """``df`` with each text cell of ``cols`` that is a missing spelling (``'N/A'``, ``'null'``,
    ``'?'`` ...: :data:`~hourglass.features.roles.NULL_TEXT`, stripped) or blank made a missing
    cell, as the CSV reader reads it. JSON lines, Parquet text and a frame bring them as text: the fit must
    give the same roles, categories, missing indicators and profile as the same rows of a CSV (a
    categorical ``proto`` learnt ``N/A``, ``null``, ``?`` ... as nine categories of its own, a
    hashed column hashed them as text, a near-unique column counted them as values). ``df`` itself
    is left as it was.

    Examples
    --------
    >>> _null_text_missing(pd.DataFrame({"p": ["tcp", " N/A", "", "?"]}), ["p"])["p"].isna().tolist()
    [False, True, True, True]
    >>> _null_text_missing(pd.DataFrame({"a": [[1], "N/A", "x"]}), ["a"])["a"].isna().tolist()
    [False, True, False]
    """
    out = df
    for c in cols:
        s = df[c]
        if not (s.dtype == object or isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype))):
            continue  # numbers, booleans, times: no text to read
        if isinstance(s.dtype, pd.StringDtype):  # (Arrow text: per cell is quicker than factorize)
            text = s.str.strip()
            cells = (text.isin(NULL_TEXT) | (text == "")).to_numpy(dtype=bool, na_value=False)
        else:  # objects of any kind: each distinct value once, as text
            try:
                codes, uniques = pd.factorize(s, use_na_sentinel=True)
            except TypeError:  # unhashable cells (a JSON array's list, a dropped column's): cell by cell
                cells = np.fromiter((isinstance(v, str) and (v.strip() in NULL_TEXT or not v.strip())
                                     for v in s.tolist()), dtype=bool, count=len(s))
            else:
                text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype("string").str.strip()
                null = (text.isin(NULL_TEXT) | (text == "")).to_numpy(dtype=bool, na_value=False)
                cells = np.append(null, False)[codes]  # (code -1, a missing cell: the last)
        if cells.any():
            if out is df:
                out = df.copy(deep=False)
            out[c] = s.mask(cells)
    return out


_SCALERS = ("minmax", "standard", "robust", "quantile", "none")
_IMPUTE = ("median", "constant", "error")
_PORT_BUCKETS = ("well-known", "registered", "ephemeral")
_CLIP = 1e9  # keeps float32 features finite whatever the input
_N_QUANTILES = 101
_CORR_ROWS = 50_000
# values this many units in the last place apart are one value written twice (0.1 + 0.2 beside
# 0.3, a bucket's mean of equal values): scaled, such a span would blow rounding up to the range
_ROUNDING_ULPS = 4


def _constant(x: np.ndarray, dtype: str = "float64") -> bool:
    """Whether the finite values ``x`` (of a column of ``dtype``, read as float64) are one value,
    but for floating-point rounding in that column's precision (a float32 column's last place is
    float32's)."""
    return len(x) == 0 or _constant_span(float(x.min()), float(x.max()), dtype)


def _constant_span(lo: float, hi: float, dtype: str = "float64") -> bool:
    """Whether finite values from ``lo`` to ``hi`` (of ``dtype``: ``float32`` values are rounded
    to float32's units in the last place) are one value, but for floating-point rounding (the
    rule of :func:`_constant`, on a column's min and max: merged per-site statistics too).
    Whole numbers the precision holds exactly (to 2**24 in float32, 2**53 in float64) that
    differ are two values: 4 units in the last place span whole numbers from 2**50 (2**22 in
    float32) up, no rounding of one value.

    Examples
    --------
    >>> _constant_span(0.3, 0.1 + 0.2), _constant_span(2.0**50, 2.0**50 + 1)
    (True, False)
    >>> _constant_span(4194304.0, 4194306.0, "float32"), _constant_span(0.3, 0.31)
    (False, False)
    """
    # max == min first: ptp of ±1e308 would overflow
    if hi == lo:
        return True
    unit = np.float32 if dtype.lower() == "float32" else np.float64  # (pandas' Float32 too)
    exact = 2.0 ** (24 if unit is np.float32 else 53)
    if lo == np.floor(lo) and hi == np.floor(hi) and max(abs(lo), abs(hi)) <= exact:
        return False
    return hi - lo <= _ROUNDING_ULPS * float(np.spacing(unit(max(abs(lo), abs(hi)))))


def _skew(x: np.ndarray) -> float:
    top = np.abs(x).max() if len(x) else 0.0
    x = x / top if top > 1e100 else x  # the skew does not change; squares of 1e300 would overflow
    sd = x.std()
    if sd == 0:
        return 0.0
    return float(np.mean(((x - x.mean()) / sd) ** 3))


@functools.lru_cache(maxsize=256)
def _known_index(values: tuple[str, ...]) -> pd.Index:
    canon = canonical_text(pd.Series(values, dtype="string"), bools=True).to_numpy(dtype=object)
    if pd.Index(canon).is_unique:
        return pd.Index(canon)
    # two saved values read alike (a state saved before whole numbers lost their '.0', or before
    # text was read in NFC, holds '80' and '80.0', 'José' and 'Jose\u0301'): each such form
    # stands for the one of them written so (else the first), the others keep their saved
    # spelling; every other value is still found by its form ('Ju\u0308rgen', saved alone, by
    # the NFC 'Jürgen' that factorize_strings reads its cells as)
    keys = canon.copy()
    taken: dict[str, int] = {}
    for i, form in enumerate(canon):
        if form not in taken or values[i] == form:
            if form in taken:
                keys[taken[form]] = values[taken[form]]
            taken[form] = i
        else:
            keys[i] = values[i]
    index = pd.Index(keys, dtype=object)
    return index if index.is_unique else pd.Index(values, dtype=object)


def _known(values: list[str]) -> pd.Index:
    """The training values of a categorical column, as :func:`factorize_strings` now writes them
    (artefacts saved before whole numbers lost their ``.0`` may hold ``"80.0"``, before text was
    read in NFC ``"Jose\u0301"``); where that would merge two of them, the one written in that
    form (else the first) takes it and the others keep their saved form.

    Examples
    --------
    >>> _known(["80", "80.0", "Ju\u0308rgen", "443.0"]).tolist()
    ['80', '80.0', 'Jürgen', '443']
    """
    return _known_index(tuple(values))


def _median(v: np.ndarray) -> float:
    """The median of the finite values ``v``, without overflow: of an even count, the mean of the
    two middle values is ``(a + b) / 2`` as numpy takes it, or ``a / 2 + b / 2`` where that sum
    overflows (1e308 and 1e308).

    Examples
    --------
    >>> _median(np.array([0.0, 1e308, 1e308, 1e308])), _median(np.array([1.0, 2.0]))
    (1e+308, 1.5)
    """
    with np.errstate(over="ignore"):
        m = float(np.median(v))
    if np.isfinite(m) or len(v) < 2:
        return m
    k = len(v) // 2
    part = np.partition(v, [k - 1, k])
    return float(part[k - 1] / 2 + part[k] / 2)


def _quantile_map(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``x`` mapped through the quantile knots ``q`` (evenly spaced on 0..1) piecewise linearly;
    beyond the end knots (the training minimum and maximum) the line through the last two
    distinct knots goes on, so that an unseen extreme stays extreme (``inf`` stays ``inf``,
    clipped later) rather than sitting on 0 or 1 with the training extremes.

    Examples
    --------
    >>> _quantile_map(np.array([0.0, 5.0, 10.0, 20.0, -10.0]), np.array([0.0, 5.0, 10.0]))
    array([ 0. ,  0.5,  1. ,  2. , -1. ])
    """
    p = np.linspace(0.0, 1.0, len(q))
    out = np.interp(x, q, p)
    hi, lo = x > q[-1], x < q[0]
    with np.errstate(over="ignore", invalid="ignore"):
        if hi.any():
            k = int(np.searchsorted(q, q[-1], side="left")) - 1  # the last knot below the end
            if k >= 0:
                out[hi] = p[-1] + (x[hi] - q[-1]) * ((p[-1] - p[k]) / (q[-1] - q[k]))
        if lo.any():
            k = int(np.searchsorted(q, q[0], side="right"))  # the first knot above the start
            if k < len(q):
                out[lo] = p[0] + (x[lo] - q[0]) * ((p[k] - p[0]) / (q[k] - q[0]))
    return out


def _listed(names: list[str], most: int = 12) -> str:
    """``names`` joined for a log line: the first ``most``, then how many more (a wide event
    table drops hundreds; the saved model's config lists them all), each as
    :func:`~hourglass._columns.shown_column` shows it (an empty name as ``''``).

    Examples
    --------
    >>> _listed(["a", "b", "c"], most=2)
    'a, b ... and 1 more'
    """
    more = f" ... and {len(names) - most} more" if len(names) > most else ""
    return listed_columns(names[:most]) + more

#: what a TypeError from a list or mapping cell, an Arrow error from a nested Arrow column, the
#: encoding error of text UTF-8 cannot hold, or the decoding error of bytes that are no UTF-8
#: (a Parquet binary column), or the InvalidOperation of a ``Decimal('sNaN')`` (which pandas
#: cannot even test for a missing value), is caught as around fit and transform (then
#: :func:`refuse_unhashable` names the column)
CELL_ERRORS = (TypeError, pa.ArrowNotImplementedError, UnicodeEncodeError, UnicodeDecodeError,
               decimal.InvalidOperation)


def _refuse_non_utf8(df: pd.DataFrame, skip: Container[str], numbers: Container[str] = ()) -> None:
    """Raise :class:`InputError` naming the first text cell of ``df`` (columns named in ``skip``
    aside) that UTF-8 cannot hold: a lone surrogate (``json.loads('"\\ud800"')``), which no
    Arrow-backed string can take. In a column of ``numbers`` (the model's numeric ones) it is
    text where numbers go, said as ``stream`` and the service say it (they escape the surrogate
    first), not advice to escape it, which would leave it text there."""
    for j, c in enumerate(df.columns):
        if str(c) in skip:
            continue
        values = df.iloc[:, j].to_numpy(dtype=object)
        for i, v in enumerate(values):
            if isinstance(v, str) and not v.isascii():
                try:
                    v.encode()
                except UnicodeEncodeError:
                    shown = v.encode("utf-8", "backslashreplace").decode()[:40]
                    if str(c) in numbers:
                        raise InputError(f"column {str(c)!r}: expected numbers, found {shown!r} "
                                         f"(row {i + 1})") from None
                    raise InputError(f"column {str(c)!r}: a cell holds text that is no UTF-8 (a lone "
                                     f"surrogate: {shown!r}, row {i + 1}); escape it first, as the "
                                     "command line reads JSON (hourglass.ingest.tables.utf8_text)"
                                     ) from None


def _refuse_undecodable(df: pd.DataFrame, skip: Container[str], first_row: int = 0) -> None:
    """Raise :class:`InputError` naming the first cell of ``df`` (columns named in ``skip``
    aside) that holds bytes which are no UTF-8 text (a Parquet ``binary`` column: pandas reads
    its cells as ``bytes`` and decodes them as UTF-8 to compare them; an Arrow ``binary``
    column of ``dtype_backend="pyarrow"`` too); ``first_row``: the rows of the table before
    ``df``'s first (a chunk of a file)."""
    for j, c in enumerate(df.columns):
        dtype = df.dtypes.iloc[j]
        binary = isinstance(dtype, pd.ArrowDtype) and (pa.types.is_binary(dtype.pyarrow_dtype)
                                                       or pa.types.is_large_binary(dtype.pyarrow_dtype)
                                                       or pa.types.is_fixed_size_binary(dtype.pyarrow_dtype))
        if str(c) in skip or not (pd.api.types.is_object_dtype(dtype) or binary):
            continue
        refuse_undecodable(df.iloc[:, j], str(c), first_row, more=", or drop the column")


def _distinct(values: pd.Series, dropped: bool) -> int | None:
    """The number of distinct values (``None``: a dropped column of lists or mappings, which
    cannot be counted and need not be: a ``flow_id`` of lists is left out as any other)."""
    try:
        return int(values.nunique(dropna=True))
    except CELL_ERRORS:
        if dropped:
            return None
        raise


def _drop_wins(params: dict[str, Any]) -> dict[str, Any]:
    """Saved parameters with a column in ``drop`` taken out of ``categorical`` and ``roles``: a
    model saved before such a pair was refused (``--format nsl-kdd --drop service``; the drop won)
    refits as it was fitted.

    Examples
    --------
    >>> _drop_wins({"drop": ["s"], "categorical": ["p", "s"], "roles": {"s": "hash"}})
    {'drop': ['s'], 'categorical': ['p'], 'roles': None}
    """
    drop = params.get("drop")
    if not isinstance(drop, list | tuple) or not drop:  # (a malformed one is said where it is read)
        return params
    gone = {str(c) for c in drop}
    if isinstance(params.get("categorical"), list | tuple):
        params["categorical"] = [c for c in params["categorical"] if str(c) not in gone] or None
    if isinstance(params.get("roles"), Mapping):
        params["roles"] = {c: r for c, r in params["roles"].items()
                           if str(c) not in gone or r == "drop"} or None
    return params


def refuse_unhashable(df: pd.DataFrame, exc: Exception, skip: Container[str] = (),
                      numbers: Container[str] = ()) -> None:
    """Raise :class:`InputError` naming the first cell of ``df`` (columns named in ``skip``
    aside) that is a list, a mapping or another unhashable object, when ``exc`` is the error
    such a cell made (pandas cannot count or compare it), or the first list, struct or map column
    of Arrow type (``read_parquet(..., dtype_backend="pyarrow")``; Arrow cannot count those
    either), or the first text cell that UTF-8 cannot hold (or bytes that are no UTF-8) when
    ``exc`` is the error it made (in a column of ``numbers``: text where numbers go); return for
    any other error."""
    for c in df.columns:
        dtype = df[c].dtype if df.columns.is_unique else None
        if (str(c) not in skip and isinstance(dtype, pd.ArrowDtype)
                and pa.types.is_nested(dtype.pyarrow_dtype)):
            raise InputError(f"column {str(c)!r}: holds nested values ({dtype}); cells must be numbers "
                             "or text: flatten it into columns, or drop the column") from None
    if isinstance(exc, UnicodeEncodeError):
        _refuse_non_utf8(df, skip, numbers)
        return
    if isinstance(exc, UnicodeDecodeError):
        _refuse_undecodable(df, skip)
        return
    if is_signalling_nan_error(exc):
        refuse_signalling_nan(df, skip)
        return
    if "unhashable" not in str(exc):
        return
    for c in df.columns[[pd.api.types.is_object_dtype(t) for t in df.dtypes]]:
        if str(c) in skip:
            continue
        values = df[c].to_numpy()
        bad = np.flatnonzero([not pd.api.types.is_hashable(v) for v in values])
        if len(bad):
            v = values[bad[0]]
            raise InputError(f"column {str(c)!r}: a cell holds a {type(v).__name__} ({str(v)[:40]!r}, row "
                             f"{int(bad[0]) + 1}); cells must be numbers or text: read nested JSON "
                             "with hourglass.ingest.tables.flatten_json(df) (arrays become their JSON "
                             "text, as the command line reads them), or drop the column") from None


def _value_profile(v: np.ndarray) -> dict[str, Any]:
    """The missing share and distinct count of a numeric column's values as read (``-``, empty
    text and NaN are missing; ``"80"`` and ``80.0`` one value), for :meth:`describe`.

    Examples
    --------
    >>> _value_profile(np.array([1.0, np.nan, 1.0, 2.0]))
    {'missing': 0.25, 'unique': 2}
    """
    nan = np.isnan(v)
    return {"missing": float(nan.mean()) if len(v) else 0.0, "unique": int(pd.unique(v[~nan]).size)}


def _category_profile(counts: pd.Series, n: int) -> dict[str, Any]:
    """The missing share and distinct count of a categorical column from the counts of its
    values as encoded (:func:`~hourglass.features.roles.string_values`), for :meth:`describe`."""
    missing = int(counts.get(MISSING, 0))
    return {"missing": missing / n if n else 0.0, "unique": int(len(counts) - (missing > 0))}


def _is_duration(s: pd.Series) -> bool:
    """Whether ``s`` holds durations: NumPy ``timedelta64`` or Arrow ``duration`` (what
    ``pd.read_parquet(..., dtype_backend="pyarrow")`` gives), both of dtype kind ``"m"``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> _is_duration(pd.Series([1, 2], dtype=pd.ArrowDtype(pa.duration("s")))), _is_duration(pd.Series([1]))
    (True, False)
    """
    return pd.api.types.is_timedelta64_dtype(s) or getattr(s.dtype, "kind", "") == "m"


def _plain(v: Any) -> Any:
    """``v`` with a NumPy scalar as its Python value (``json`` refuses ``np.int32(4)``)."""
    return v.item() if isinstance(v, np.generic) else v


def _not_a_frame(df: object) -> str:
    """The message for a table that is not a DataFrame, with the way to make one of what was
    given (the table, time-series and entity preprocessing all say it).

    Examples
    --------
    >>> _not_a_frame([{"a": 1}])
    'expected a pandas DataFrame, got list; wrap it as pd.DataFrame(X), which makes its keys the columns'
    >>> _not_a_frame({"a": [1]}).split("; ")[1]
    'wrap it as pd.DataFrame(X), which makes its keys the columns'
    """
    records = isinstance(df, list | tuple) and len(df) > 0 and all(isinstance(r, Mapping) for r in df)
    hint = ("; wrap it as pd.DataFrame(X), which makes its fields the columns"
            if isinstance(df, np.ndarray) and df.dtype.names is not None else  # a record array
            # records (a JSON API's rows) or a dict of columns: their keys are the names
            "; wrap it as pd.DataFrame(X), which makes its keys the columns"
            if records or isinstance(df, Mapping) else
            "; wrap it as pd.DataFrame(X, columns=[...]), or give the numeric array to a detector "
            "directly" if isinstance(df, np.ndarray | list) else
            "; make one column a table with series.to_frame()" if isinstance(df, pd.Series) else
            "; make it one with X.to_pandas()" if is_arrow_table(df) else "")
    return f"expected a pandas DataFrame, got {type(df).__name__}{hint}"


#: the same CICFlowMeter features as the two CIC releases name them: CIC-IDS2017's (its names'
#: leading spaces stripped, as the cicflowmeter format reads them) and CSE-CIC-IDS2018's
_CIC_NAMES = (("Destination Port", "Dst Port"), ("Total Fwd Packets", "Tot Fwd Pkts"),
              ("Total Length of Fwd Packets", "TotLen Fwd Pkts"), ("Flow Bytes/s", "Flow Byts/s"))


def _cic_release_note(missing: list[str], columns: Any) -> str:
    """What to say when the columns a model needs (``missing`` of them) are one CIC release's
    names and the data's ``columns`` the other's (CIC-IDS2017's ``Destination Port``,
    CSE-CIC-IDS2018's ``Dst Port``), else ``""``.

    Examples
    --------
    >>> _cic_release_note(["Dst Port", "Tot Fwd Pkts"], ["Destination Port", "Flow Duration"])[:60]
    "the model was trained on CSE-CIC-IDS2018's column names and "
    >>> _cic_release_note(["Dst Port"], ["dst_port"])
    ''
    """
    have, need = {str(c) for c in columns}, set(missing)
    for old, new in _CIC_NAMES:
        if old in need and new in have:
            trained, data, named = "CIC-IDS2017's", "CSE-CIC-IDS2018's", f"{new!r} for {old!r}"
        elif new in need and old in have:
            trained, data, named = "CSE-CIC-IDS2018's", "CIC-IDS2017's", f"{old!r} for {new!r}"
        else:
            continue
        return (f"the model was trained on {trained} column names and the data has {data} "
                f"({named}): the two releases name the same CICFlowMeter features differently; "
                "score files of the release the model was trained on, or train a model on this one")
    return ""


def _refuse_levels(df: pd.DataFrame) -> None:
    """Raise :class:`InputError` for a table whose column labels have several levels (a
    ``MultiIndex``: ``read_csv(header=[0, 1])``, ``groupby().agg([...])``): its labels are tuples,
    which no column role or name reads, and selecting a first-level name gives a table."""
    if isinstance(df.columns, pd.MultiIndex):
        raise InputError(f"column labels have {df.columns.nlevels} levels (a MultiIndex, e.g. "
                         f"{df.columns[0]!r}); give one name per column, e.g. df.columns = "
                         "['_'.join(map(str, c)) for c in df.columns]")


def _read_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A text column read as numbers, and per row whether its text is no number (an empty cell
    or a placeholder such as ``-`` is missing, not wrong: as :func:`infer_role` counts them)."""
    text = s.astype("string").str.strip()
    text = text.mask((text == "") | text.isin(NUMBER_GAPS))  # (a historian's 'Bad Input' too)
    conv = with_sizes(pd.to_numeric(text, errors="coerce"), text)  # ('48.2 MB': its bytes)
    return conv, conv.isna() & text.notna()


@contextlib.contextmanager
def unseen_unwarned(features: object) -> Iterator[None]:
    """No unseen-category warning from ``features``' transforms inside the block, in this thread
    (another thread's transforms of it warn as ever; a no-op for features other than
    :class:`TabularPreprocessor`).

    For a check that transforms the first rows only (the warm start's schema check): the
    warning, given once per column, would count those rows alone ("none of 64 values scored
    were seen" of a file with thousands, most of them seen) and leave the whole data's
    transform, which counts every row, silent.

    Parameters
    ----------
    features : object
        A fitted pipeline's ``features_``.

    Yields
    ------
    None
    """
    if not isinstance(features, TabularPreprocessor):
        yield
        return
    token = _UNSEEN_QUIET.set(_UNSEEN_QUIET.get() | {id(features)})
    try:
        yield
    finally:
        _UNSEEN_QUIET.reset(token)


class TabularPreprocessor(ParamsClone):
    """Turn a DataFrame of mixed columns into a finite float32 matrix for the detectors.

    Each column gets a role (inferred, or given in ``roles``/``categorical``):

    * ``numeric``: NaN and ±inf are imputed (median by default) and, when the column had any in
      training, a ``<col>:missing`` indicator is added; a ±inf in a column that had none in
      training is not imputed but the extreme of the scale (as a huge number is), so that
      ``Infinity`` in a field never passes for an ordinary value; optional ``log1p``
      (``"auto"``: non-negative heavy-tailed columns; signed, ``sign(x) * log1p(|x|)``, so that a
      negative value seen later stays below the scale); then scaling fitted on training rows
      (``quantile`` goes on linearly past the training minimum and maximum);
    * ``categorical``: one-hot of the values seen at least ``min_frequency`` times in training;
      rarer training values share ``<col>=<other>``; a value never seen in training sets
      ``<col>=<unseen>`` — an unseen value is itself a signal;
    * ``hash``: high-cardinality text, or codes (a ``postal_code`` of whole numbers), of more
      than ``max_categories`` values hashed into ``hash_buckets`` one-hot buckets;
    * ``ip``: private/public, IPv6 and a hashed /24 subnet bucket; ``port``: well-known /
      registered / ephemeral bucket plus one-hot of the most frequent training ports;
    * ``drop``: identifiers and timestamps (``Flow ID``, ``uid``, ``Timestamp``, dates and ISO 8601
      date/time text, epoch times or times as text under a time's name, near-unique text).

    Numeric columns constant in training (but for floating-point rounding, in the column's own
    precision: ``0.3`` beside ``0.1 + 0.2``, whose span would otherwise be scaled up to the whole
    feature range), and numeric columns whose correlation with an earlier one exceeds
    ``max_corr``, are dropped (and logged). A categorical column with one value in training is
    kept: its ``<unseen>`` feature flags any other value later.

    Parameters
    ----------
    categorical
        Columns to treat as categorical even if numeric.
    log1p
        ``"auto"``, ``"none"`` or a list of column names to transform with ``log1p``.
    scaler
        ``"minmax"``, ``"standard"``, ``"robust"`` (median/IQR), ``"quantile"`` (to uniform) or
        ``"none"``.
    drop
        Columns to ignore (identifiers, labels the caller did not remove, ...; ``None``: none).
        A column here that is also in ``categorical`` is an ``InputError``.
    roles
        Role overrides, column → one of ``numeric``, ``categorical``, ``hash``, ``ip``, ``port``,
        ``drop``. Names absent from the data are ignored. A column named in ``categorical`` too
        must not be given another role here (an ``InputError``), nor one in ``drop`` a role
        other than ``drop``.
    impute
        ``"median"``, ``"constant"`` (``fill_value``) or ``"error"`` (NaN/inf are an error).
    fill_value
        Value imputed with ``impute="constant"``.
    min_frequency
        Training count (≥ 1) or fraction (< 1) a category needs for its own one-hot column.
    max_categories
        Text columns with more distinct values are hashed instead of one-hot encoded.
    hash_buckets
        Buckets for hashed columns and IP subnets.
    max_ports
        Most frequent training ports one-hot encoded per port column.
    max_corr
        Drop a numeric column whose |correlation| with an earlier kept one exceeds this
        (``None``: keep all).
    max_features
        Keep at most this many numeric columns, those of highest variance after min-max scaling
        (``None``: all).

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
        drop: Sequence[str] | None = (),
        roles: Mapping[str, str] | None = None,
        impute: str = "median",
        fill_value: float = 0.0,
        min_frequency: float = 1.0,
        max_categories: int = 50,
        hash_buckets: int = 16,
        max_ports: int = 10,
        max_corr: float | None = 0.99,
        max_features: int | None = None,
    ) -> None:
        self.categorical = categorical
        self.log1p = log1p
        self.scaler = scaler
        self.drop = drop
        self.roles = roles
        self.impute = impute
        self.fill_value = fill_value
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.hash_buckets = hash_buckets
        self.max_ports = max_ports
        self.max_corr = max_corr
        self.max_features = max_features

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments (JSON-ready: a NumPy number or name, ``np.int64(16)``, as its
        Python value).

        Parameters
        ----------
        deep
            Ignored (no nested estimators); accepted for scikit-learn (``clone``, pipelines).

        Examples
        --------
        >>> import numpy as np
        >>> params = TabularPreprocessor(max_categories=np.int64(20)).get_params()
        >>> params["max_categories"], type(params["max_categories"]).__name__, params["scaler"]
        (20, 'int', 'minmax')
        """
        def items(v: Any) -> Any:
            # a value no list (log1p=True) as given: the parameter check names it at fit
            return [_plain(x) for x in v] if isinstance(v, Iterable) and not isinstance(v, str | bytes) \
                else _plain(v)

        return {
            "categorical": None if self.categorical is None else items(self.categorical),
            "log1p": self.log1p if isinstance(self.log1p, str) or self.log1p is None else items(self.log1p),
            "scaler": self.scaler,
            "drop": None if self.drop is None else items(self.drop),
            "roles": None if self.roles is None else {_plain(k): v for k, v in dict(self.roles).items()},
            "impute": self.impute,
            "fill_value": _plain(self.fill_value),
            "min_frequency": _plain(self.min_frequency),
            "max_categories": _plain(self.max_categories),
            "hash_buckets": _plain(self.hash_buckets),
            "max_ports": _plain(self.max_ports),
            "max_corr": _plain(self.max_corr),
            "max_features": _plain(self.max_features),
        }

    # -- fit ----------------------------------------------------------------------------------
    def _dropped(self) -> set[str]:
        """The names in ``drop`` as text (``None``, as for ``categorical``, drops none)."""
        return set() if self.drop is None else {str(c) for c in self.drop}

    def _forced(self) -> set[str]:
        """The names in ``categorical`` as text (a ``pd.Index`` or an array of names too: its
        truth value is an error)."""
        return set() if self.categorical is None else {str(c) for c in self.categorical}

    def _check_params(self) -> None:
        if self.roles is not None and not isinstance(self.roles, Mapping):
            raise InputError(f"roles: expected a mapping column -> role, got {type(self.roles).__name__}",
                             param="roles")
        check_numeric_params(self, error=InputError, refuse_none=True)  # None: a TypeError below
        check_name_lists(self, "categorical", "drop")
        if self.log1p is None:  # not read as 'none': say what is expected
            raise InputError("log1p: expected 'auto', 'none' or column names, got None", param="log1p")
        if isinstance(self.log1p, str) and self.log1p not in ("auto", "none"):
            raise InputError(f"log1p: expected 'auto', 'none' or a list of column names, got {self.log1p!r}"
                             f" (for that one column, write [{self.log1p!r}])", param="log1p")
        if isinstance(self.log1p, Iterator):  # read once: the fit saw no name (log1p silently none)
            raise InputError(f"log1p: expected 'auto', 'none' or a list of column names, got a one-pass "
                             f"{type(self.log1p).__name__}; write list(...) around it", param="log1p")
        if isinstance(self.log1p, bytes) or not isinstance(self.log1p, str | Iterable):
            # log1p=True: a raw "'bool' object is not iterable" at fit (get_params too); bytes
            # were read as their byte values
            hint = " (True: 'auto', False: 'none')" if isinstance(self.log1p, bool | np.bool_) else ""
            raise InputError(f"log1p: expected 'auto', 'none' or a list of column names, got "
                             f"{type(self.log1p).__name__} {self.log1p!r}{hint}", param="log1p")
        if self.scaler not in _SCALERS:
            raise InputError(f"scaler: unknown {self.scaler!r}; choose from {', '.join(_SCALERS)}",
                             param="scaler")
        if self.impute not in _IMPUTE:
            raise InputError(f"impute: unknown {self.impute!r}; choose from {', '.join(_IMPUTE)}",
                             param="impute")
        bad = {c: r for c, r in (self.roles or {}).items() if r not in ROLES}
        if bad:
            c, r = next(iter(bad.items()))
            raise InputError(f"roles: column {c!r} has unknown role {r!r}; choose from {', '.join(ROLES)}",
                             param="roles")
        # a column named in both with another role: categorical won without a word (a 'drop'
        # given in roles kept the column one-hot encoded)
        forced = self._forced()
        clash = next(((str(c), r) for c, r in (self.roles or {}).items()
                      if str(c) in forced and r != "categorical"), None)
        if clash is not None:
            raise InputError(f"roles: column {clash[0]!r} is given the role {clash[1]!r} and is among the "
                             "categorical columns; give it one role", param="roles")
        # nor one in drop: the drop won without a word (drop=['x'], roles={'x': 'numeric'})
        dropped = self._dropped()
        clash = next(((str(c), r) for c, r in (self.roles or {}).items()
                      if str(c) in dropped and r != "drop"), None)
        if clash is not None:
            raise InputError(f"roles: column {clash[0]!r} is given the role {clash[1]!r} and is in drop; "
                             "give it one role", param="roles")
        both = sorted(forced & dropped)
        if both:
            raise InputError(f"categorical: column {both[0]!r} is among the categorical columns and in "
                             "drop; give it one role", param="categorical")
        for name in ("hash_buckets", "max_categories", "max_ports"):
            if int(getattr(self, name)) < 1:
                raise InputError(f"{name} must be >= 1, got {getattr(self, name)}", param=name)
        if self.min_frequency <= 0:
            raise InputError(f"min_frequency must be > 0, got {self.min_frequency}", param="min_frequency")
        mf = self.max_features
        if mf is not None and (isinstance(mf, bool) or not isinstance(mf, numbers.Integral | float)
                               or not float(mf).is_integer() or mf < 1):
            # -1 or 0 would slice the ranking from its end: one column dropped, or every one
            raise InputError(f"max_features must be a whole number >= 1 (None: keep all), got {mf!r}",
                             param="max_features")
        if self.max_corr is not None and not 0 < self.max_corr <= 1:
            raise InputError(f"max_corr must be in (0, 1], got {self.max_corr}", param="max_corr")

    def _assign_roles(self, df: pd.DataFrame, cols: list[str]) -> None:
        forced = self._forced()
        missing = sorted(forced - set(df.columns))
        if missing:
            raise InputError(f"categorical column(s) not in the data: {', '.join(missing)}")
        overrides = {str(k): v for k, v in (self.roles or {}).items()}
        self.roles_: dict[str, str] = {}
        self.reasons_: dict[str, str] = {}
        # a scored file fed back: its scores would be learnt as features, silently (judged on the
        # columns of cols alone: a dropped flag is no score output's)
        verdicts = dropped_score_output(df[[c for c in cols if c in SCORE_OUTPUT]], forced | overrides.keys())
        tells = table_tells(df.columns)  # (what the table's names tell, read once for its columns)
        for c in cols:
            if c in forced:
                role, why = "categorical", "given as categorical"
            elif c in overrides:
                role, why = overrides[c], "given"
            elif c in verdicts:
                role, why = "drop", "hourglass score output"
            else:
                role, why = infer_role(c, df[c], max_categories=int(self.max_categories), columns=tells)
                if _is_duration(df[c]) and why != "identifier/timestamp name":
                    # a Parquet duration: its text was one-hot encoded or dropped as near-unique
                    role, why = "numeric", "durations (in seconds)"
                said = separated_warning(c, df[c], role, why)
                if said is not None:  # read as text, likely dropped: say so, not silently
                    logger.warning("%s", said)
            self.roles_[c], self.reasons_[c] = role, why

    def fit(self, df: pd.DataFrame, y: object | None = None) -> TabularPreprocessor:
        """Learn roles, imputation, categories, transforms and scales from training rows.

        A fit that fails leaves the preprocessor as it was (unfitted, or with its earlier fit),
        not with part of each: a refused refit's transform gave a matrix of no columns, or
        scaled by one fit and encoded by the other, without a word.

        Parameters
        ----------
        df
            Training rows (a DataFrame).
        y
            Ignored: labels a scikit-learn pipeline passes to each step
            (``make_pipeline(TabularPreprocessor(), detector).fit(df, y)``).

        Returns
        -------
        TabularPreprocessor
            ``self``, fitted (``feature_names_``, ``roles_`` ...).

        Raises
        ------
        hourglass.errors.InputError
            Not a DataFrame, no rows, or columns it cannot read (listed cells, wrong settings).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"bytes": [100.0, 200.0, 150.0, 120.0],
        ...                    "proto": ["tcp", "udp", "tcp", "tcp"]})
        >>> TabularPreprocessor().fit(df).feature_names_
        ['bytes', 'proto=tcp', 'proto=udp', 'proto=<unseen>']
        """
        if not isinstance(df, pd.DataFrame):
            raise InputError(_not_a_frame(df))
        if len(df) == 0:
            raise InputError("no rows to fit the preprocessing on (empty data)")
        before = dict(self.__dict__)
        df = native_byte_order(df)  # pandas hashes no big-endian column (its distinct values)
        try:
            return self._fit(df)
        except BaseException as exc:
            # the columns this fit dropped (drop=, a 'drop' role given or inferred): not the cause
            roles = self.__dict__.get("roles_")
            self.__dict__.clear()
            self.__dict__.update(before)
            if isinstance(exc, CELL_ERRORS):
                # (only here: drop=5, refused by the parameter check, is no set of names)
                skip = self._dropped() | ({c for c, r in roles.items() if r == "drop"}
                                          if roles is not None and roles is not before.get("roles_")
                                          else set())
                refuse_unhashable(df, exc, skip=skip)
            raise

    def _fit(self, df: pd.DataFrame) -> TabularPreprocessor:
        self.__dict__.pop("_small_batch", None)  # the small-batch plan of an earlier fit
        self.__dict__.pop("_unseen_warned", None)  # its columns warned about: new categories now
        df, cols = self._prepare(df)
        self.profile_ = {c: {"dtype": str(df[c].dtype), "missing": float(df[c].isna().mean()),
                             "unique": _distinct(df[c], self.roles_[c] == "drop")} for c in cols}
        for c, role in self.roles_.items():
            if role == "drop":
                logger.info("dropping column %r (%s)", c, self.reasons_[c])
        self._fit_numeric(df, [c for c in cols if self.roles_[c] == "numeric"])
        self._fit_categorical(df, cols)
        self.columns_ = [c for c in cols if self.roles_[c] != "drop"]
        self.feature_names_ = self._feature_names()
        self.columns_ = self._used_columns()
        if not self.feature_names_:
            hint = ""
            if all(self.profile_[c]["missing"] == 1.0 for c in cols):  # ',,,' lines: rows of nothing
                hint = f" ({len(df)} training row(s), in which every value is missing)"
            elif len(df) == 1:  # every column of one row is constant: the row count is what to change
                hint = " (1 training row, in which every value is constant; training needs at least 2)"
            elif len(cols) == 1:  # a log or a ';'-separated file read as a one-column table
                hint = f" (one column only, {cols[0][:50]!r}: {ONE_COLUMN_ADVICE})"
            raise InputError("no usable feature column: every column is constant, dropped or "
                             f"an identifier{hint}")
        return self

    def _prepare(self, df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        """Check the parameters, name the columns as strings and give each kept one its role
        (what :meth:`fit` and the per-site statistics of :mod:`hourglass.features.statistics`
        both start with)."""
        self._check_params()
        _refuse_levels(df)
        df = df.rename(columns=str)
        if df.columns.has_duplicates:
            dup = sorted(set(df.columns[df.columns.duplicated()]))
            raise InputError(f"column names repeat: {', '.join(map(repr, dup[:5]))} (as text); every "
                             "column needs its own name")
        drop = self._dropped()
        cols = [c for c in df.columns if c not in drop]
        if not cols:
            raise InputError("no feature columns left after dropping " + listed_columns(drop)
                             if drop else "no feature columns: the data has no column to learn from")
        self._assign_roles(df, cols)
        # (a column read as numbers reads them as missing already, and its role's reason names them)
        df = _null_text_missing(df, [c for c in cols if self.roles_[c] != "numeric"])
        return df, cols

    def _fit_numeric(self, df: pd.DataFrame, num_cols: list[str]) -> None:
        raw = self._numeric_frame(df, num_cols, allow_missing=self.impute != "error",
                                  inferred=self._text_numbers(num_cols))
        for c in num_cols:  # as read: a '-' or an empty text cell is missing, not a value
            self.profile_[c].update(_value_profile(raw[c]))
        finite = {c: raw[c][np.isfinite(raw[c])] for c in num_cols}
        self.constant_ = [c for c in num_cols if _constant(finite[c], str(df[c].dtype))]
        if self.constant_:
            logger.info("dropping %d column(s) constant in training: %s", len(self.constant_),
                        _listed(self.constant_))
        kept = [c for c in num_cols if c not in self.constant_]
        self.indicators_ = [c for c in num_cols
                            if not np.isfinite(raw[c]).all() and np.isfinite(raw[c]).any()]
        self.impute_ = {c: (_median(finite[c]) if self.impute == "median"
                            else float(self.fill_value)) for c in kept}
        if isinstance(self.log1p, str):
            if self.log1p not in ("auto", "none"):
                raise InputError(f"log1p: expected 'auto', 'none' or column names, got {self.log1p!r}",
                                 param="log1p")
            self.log1p_ = ([c for c in kept if self._heavy_tailed(finite[c])]
                           if self.log1p == "auto" else [])
        else:
            unknown = sorted(set(map(str, self.log1p)) - set(num_cols))
            if unknown:
                raise InputError(f"log1p: not numeric training column(s): {listed_columns(unknown)}",
                                 param="log1p")
            neg = [c for c in self.log1p if str(c) in kept and (finite[str(c)] < 0).any()]
            if neg:
                raise InputError(f"log1p: column {neg[0]!r} has negative values", param="log1p")
            # a named column constant in training is dropped with the others, not an error
            self.log1p_ = [str(c) for c in self.log1p if str(c) in kept]
        self.numeric_ = kept
        X = self._numeric_block(raw, len(df), fitted=False)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is named below
            self._fit_scales(X)
        scales = [self.offset_, self.scale_, *([np.asarray(list(self.quantiles_.values())).T]
                                               if self.quantiles_ else [])]
        bad = ~np.logical_and.reduce([np.isfinite(v).reshape(-1, len(self.numeric_)).all(axis=0)
                                      for v in scales]) if self.numeric_ else np.zeros(0, bool)
        if bad.any():  # e.g. -1e308 and 1e308: their range is not a float
            c = self.numeric_[int(np.flatnonzero(bad)[0])]
            raise InputError(f"column {c!r}: values from {finite[c].min():.3g} to "
                             f"{finite[c].max():.3g} are too large to scale ({self.scaler}); "
                             "drop the column or fix its values")
        for c in self.numeric_:  # kept (not constant, no near-duplicate), its role not given
            ident = numeric_identifier(c, raw[c]) if self.reasons_[c] != "given" else ""
            if ident:  # a warning, not another role: models trained so score as they did
                logger.warning("column %r reads as an identifier (%s) but is learnt as a number: "
                               "ids outside the training range score as anomalies; %s", c, ident,
                               ID_ADVICE, extra={"advice": ID_ADVICE})

    def _fit_scales(self, X: np.ndarray) -> None:
        """Drop near-duplicate / low-variance columns of the numeric block ``X``; fit the scaler."""
        self.duplicates_ = self._near_duplicates(X)
        if self.max_features is not None and len(self.numeric_) - len(self.duplicates_) > self.max_features:
            keep_idx = [i for i, c in enumerate(self.numeric_) if c not in self.duplicates_]
            span = np.ptp(X[:, keep_idx], axis=0)
            var = (X[:, keep_idx] / np.where(span > 0, span, 1)).var(axis=0)
            order = np.argsort(-var, kind="stable")[int(self.max_features):]
            for j in order:
                self.duplicates_[self.numeric_[keep_idx[j]]] = "<low variance>"
        if self.duplicates_:
            logger.info("dropping %d near-duplicate/low-variance column(s): %s", len(self.duplicates_),
                        ", ".join(f"{shown_column(c)} (~{shown_column(o)})" for c, o in
                                  list(self.duplicates_.items())[:12])
                        + (f" ... and {len(self.duplicates_) - 12} more"
                           if len(self.duplicates_) > 12 else ""))
            idx = [i for i, c in enumerate(self.numeric_) if c not in self.duplicates_]
            self.numeric_ = [self.numeric_[i] for i in idx]
            self.log1p_ = [c for c in self.log1p_ if c in self.numeric_]
            X = X[:, idx]
        self.quantiles_: dict[str, list[float]] = {}
        if X.size == 0:  # no numeric column (all text, or all constant): nothing to scale
            self.offset_, self.scale_ = np.zeros(X.shape[1]), np.ones(X.shape[1])
        elif self.scaler == "minmax":
            lo, hi = X.min(axis=0), X.max(axis=0)
            self.offset_, self.scale_ = lo, np.where(hi > lo, hi - lo, 1.0)
        elif self.scaler == "standard":
            sd = X.std(axis=0)
            self.offset_, self.scale_ = X.mean(axis=0), np.where(sd > 0, sd, 1.0)
        elif self.scaler == "robust":
            q25, med, q75 = np.percentile(X, [25, 50, 75], axis=0)  # X has rows: X.size > 0
            iqr, sd = q75 - q25, X.std(axis=0)
            self.offset_, self.scale_ = med, np.where(iqr > 0, iqr, np.where(sd > 0, sd, 1.0))
        else:
            self.offset_, self.scale_ = np.zeros(X.shape[1]), np.ones(X.shape[1])
            if self.scaler == "quantile":
                qs = np.percentile(X, np.linspace(0, 100, _N_QUANTILES), axis=0)
                # in ascending order, as the saved state must be (a no-op but for a rounding error)
                qs = np.minimum.accumulate(qs[::-1], axis=0)[::-1]
                self.quantiles_ = {c: [float(v) for v in qs[:, j]]
                                   for j, c in enumerate(self.numeric_)}

    def _near_duplicates(self, X: np.ndarray) -> dict[str, str]:
        if self.max_corr is None or X.shape[1] < 2:
            return {}
        sample = X[:: max(1, len(X) // _CORR_ROWS)]
        sd = sample.std(axis=0)
        ok = np.flatnonzero((sd > 0) & np.isfinite(sd))
        Z = (sample[:, ok] - sample[:, ok].mean(axis=0)) / sd[ok]
        corr = np.abs(Z.T @ Z / len(Z))
        dup: dict[str, str] = {}
        kept: list[int] = []
        for j in range(len(ok)):
            hit = next((i for i in kept if corr[i, j] > self.max_corr), None)
            if hit is None:
                kept.append(j)
            else:
                dup[self.numeric_[ok[j]]] = self.numeric_[ok[hit]]
        return dup

    def _fit_categorical(self, df: pd.DataFrame, cols: list[str]) -> None:
        n = len(df)
        need = self.min_frequency if self.min_frequency >= 1 else self.min_frequency * n
        self.categories_: dict[str, list[str]] = {}
        self.other_: dict[str, list[str]] = {}
        self.hashed_: dict[str, int] = {}
        self.hash_nulls_: dict[str, list[str]] | None = {}
        # hashed text is read in Unicode's composed form (NFC), as categories are: one name
        # written in two spellings that print alike hashes alike
        self.hash_form_: str | None = "NFC"
        # an IPv4-mapped IPv6 address (::ffff:10.0.0.5) read as its IPv4 address, and an address
        # with its port (10.0.1.5:52153) as that address (None: a state saved before, each read
        # as IPv6 in the one /48 they all share; "v4-mapped": one saved before ports were read)
        self.ip_form_: str | None = IP_FORM
        self.ips_: dict[str, int] = {}
        self.ports_: dict[str, list[int]] = {}
        # a badge's number read without its leading zeros ('000456' as JSON sends it is the 456
        # a CSV reader reads), in training and scoring alike (absent in a state saved before)
        self.unpadded_: list[str] = [c for c in cols if self.roles_[c] in ("categorical", "hash")
                                     and unpadded_reason(self.reasons_[c])]
        # a version's '23.10' as JSON sends it read as the 23.1 a CSV reader reads (absent in a
        # state saved before: read as written)
        self.version_text_: list[str] = [c for c in cols if self.roles_[c] in ("categorical", "hash")
                                         and self.reasons_[c].startswith(VERSION_CODE)]
        for c in cols:
            role = self.roles_[c]
            if role == "categorical":
                counts = pd.Series(self._as_fit_read(c, string_values(df[c], bools=True))).value_counts()
                self.profile_[c].update(_category_profile(counts, n))
                self.categories_[c] = sorted(str(v) for v in counts.index[counts >= need])
                rare = sorted(str(v) for v in counts.index[counts < need])
                if rare:
                    self.other_[c] = rare
            elif role == "hash":
                self.hashed_[c] = int(self.hash_buckets)
                # the missing spellings ('N/A', 'null' ...) training held as text: none since the
                # fit reads them as missing (_null_text_missing), as a CSV does; a state saved
                # before holds those it hashed as text, which it keeps hashing so
                self.hash_nulls_[c] = null_spellings(df[c])
            elif role == "ip":
                self.ips_[c] = int(self.hash_buckets)
                absent = ip_parts(df[c], 1, ported=True)[3]
                if absent.any():
                    self.indicators_.append(c)
                    if absent.all():
                        self._warn_unread(df[c], c, "an IP address")
            elif role == "port":
                ports = port_numbers(df[c])
                counts = pd.Series(ports[np.isfinite(ports)]).value_counts()
                top = counts[counts >= max(need, 0.01 * n)].index[: int(self.max_ports)]
                self.ports_[c] = sorted(int(p) for p in top)
                if np.isnan(ports).any():
                    self.indicators_.append(c)
                    if np.isnan(ports).all():
                        self._warn_unread(df[c], c, "a port number (0 to 65535)")

    def _warn_unread(self, s: pd.Series, c: str, what: str) -> None:
        """Warn that IP or port column ``c`` (role from its name, or given) has values but none
        reads as ``what``: each reads as missing, and the column adds nothing but a constant
        indicator (addresses written as integers, ports as service names)."""
        values = string_values(s)
        present = values[(values != MISSING) & ~np.isin(values, list(PLACEHOLDERS))]  # '-' is unset
        if len(present):
            logger.warning("column %r (role %s: %s): none of its %d values is %s (e.g. %r); each "
                           "reads as missing and the column adds nothing; %s", c, self.roles_[c],
                           self.reasons_[c], len(present), what, present[0], ANOTHER_ROLE,
                           extra={"advice": ANOTHER_ROLE})

    def _feature_names(self) -> list[str]:
        names = list(self.numeric_)
        names += [f"{c}:missing" for c in self.indicators_]
        for c, cats in self.categories_.items():
            names += [f"{c}={v}" for v in cats]
            names += [f"{c}=<other>"] if c in self.other_ else []
            names += [f"{c}=<unseen>"]
        for c, k in self.hashed_.items():
            names += [f"{c}#{i}" for i in range(k)]
        for c, k in self.ips_.items():
            names += [f"{c}:private", f"{c}:ipv6"] + [f"{c}/24#{i}" for i in range(k)]
        for c, ports in self.ports_.items():
            names += [f"{c}:{b}" for b in _PORT_BUCKETS] + [f"{c}={p}" for p in ports]
        return names

    @staticmethod
    def _heavy_tailed(v: np.ndarray) -> bool:
        return bool(len(v) and v.min() >= 0 and v.max() > 10 and _skew(v) > 2)

    def _text_numbers(self, num_cols: Sequence[str]) -> set[str]:
        """The columns of ``num_cols`` given the numeric role because nearly all of their text is
        numbers (an error for text there says how to change it)."""
        return {c for c in num_cols if self.reasons_[c].startswith(TEXT_NUMBERS)}

    # -- transform ----------------------------------------------------------------------------
    @staticmethod
    def _numeric_frame(df: pd.DataFrame, cols: Sequence[str], *, allow_missing: bool,
                       inferred: Container[str] = ()) -> dict[str, np.ndarray]:
        """The columns ``cols`` of ``df`` read as float64 numbers; ``inferred``: the columns whose
        numeric role was inferred from text (the error for text there says how to change it)."""
        out = {}
        for c in cols:
            s = df[c]
            if _is_duration(s):  # a duration is its seconds
                s = s.dt.total_seconds()
            if pd.api.types.is_complex_dtype(s):  # float64 would drop the imaginary parts unsaid
                raise InputError(f"column {c!r}: holds complex numbers (dtype {s.dtype}); expected "
                                 "real numbers")
            if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                conv, bad = _read_numbers(s)
                if bad.any():
                    i = int(np.flatnonzero(bad.to_numpy())[0])
                    found = cut_cell(s.iloc[i])  # a plain value (not np.True_), a long text cut
                    how = (f"; the column was read as numbers, as nearly all of its values are: fix "
                           f"the cell, or {CATEGORICAL_ROLE}"
                           if c in inferred else "")
                    if type_line_hint(s.iloc[i]):  # ('INTEGER': CUCM's line of types, no cell to fix)
                        how = type_line_hint(s.iloc[i])
                    how += separated_hint(s.iloc[i])  # '1,5', '96,000': a regional export's
                    raise InputError(f"column {c!r}: expected numbers, found {found} "
                                     f"(row {i + 1}){how}")
                s = conv
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
            if not allow_missing:
                finite = np.isfinite(v)
                if not finite.all():
                    i = int(np.flatnonzero(~finite)[0])
                    raise InputError(f"column {c!r}: {int((~finite).sum())} missing or infinite "
                                     f"value(s), first at row {i + 1} ({v[i]}); numbers expected")
            out[c] = v
        return out

    def _numeric_block(self, raw: dict[str, np.ndarray], n: int, *, fitted: bool = True) -> np.ndarray:
        # n rows even with no numeric column (all constant in training): a (0, 0) block would not
        # stack beside the categorical ones
        X = np.empty((n, len(self.numeric_)), dtype=np.float64)
        for j, c in enumerate(self.numeric_):
            X[:, j] = raw[c]
        bad = ~np.isfinite(X)
        if bad.any():
            # NaN is imputed; ±inf only in a column that had missing or infinite values in
            # training (its indicator tells the model). Elsewhere ±inf stays, and scaling and
            # clipping make it the scale's extreme: "Infinity" in a field must not pass for the
            # median (1e300 does not either).
            had = set(self.indicators_)
            seen = np.array([c in had for c in self.numeric_], dtype=bool)
            bad &= np.isnan(X) | seen
            fill = np.array([self.impute_[c] for c in self.numeric_], dtype=np.float64)
            np.copyto(X, np.broadcast_to(fill, X.shape), where=bad)
        if self.log1p_:
            # signed: training values of these columns are >= 0 (log1p(x) exactly); a negative
            # value later lands below the scale, as far as it is below zero, not on zero
            idx = [self.numeric_.index(c) for c in self.log1p_]
            v = X[:, idx]
            X[:, idx] = np.copysign(np.log1p(np.abs(v)), v)
        if fitted:
            if self.quantiles_:
                for j, c in enumerate(self.numeric_):
                    X[:, j] = _quantile_map(X[:, j], np.asarray(self.quantiles_[c]))
            else:
                with np.errstate(over="ignore"):  # a value near float64's largest: inf, as an inf sent
                    X -= self.offset_
                    X /= self.scale_
        return X

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """Encode ``df`` with the fitted state.

        Raises :class:`InputError` on missing columns, text in numeric columns, and (only with
        ``impute="error"``) NaN/inf. The result is always finite. A few rows at a time (up to
        1,024, what the scoring service and ``stream`` send) take a shorter road to the same
        matrix, bit for bit: see :mod:`hourglass.features.small_batch`.

        Parameters
        ----------
        df
            Rows with the training columns (extra columns are ignored).

        Returns
        -------
        numpy.ndarray
            Finite float32 matrix, rows × ``feature_names_``.

        Raises
        ------
        hourglass.errors.NotFittedError
            Before :meth:`fit` (scikit-learn's ``NotFittedError`` too).
        hourglass.errors.InputError
            As above.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"bytes": [100.0, 200.0, 150.0, 120.0],
        ...                    "proto": ["tcp", "udp", "tcp", "tcp"]})
        >>> tp = TabularPreprocessor().fit(df)
        >>> tp.transform(pd.DataFrame({"bytes": [130.0], "proto": ["icmp"]}))[:, 1:].tolist()
        [[0.0, 0.0, 1.0]]
        """
        if not hasattr(self, "feature_names_"):
            raise not_fitted("TabularPreprocessor is not fitted; call fit(df) first")
        if not isinstance(df, pd.DataFrame):
            raise InputError(_not_a_frame(df))
        _refuse_levels(df)
        if len(df) == 0:
            raise InputError("no rows to score (empty data)")
        df = native_byte_order(df)  # pandas hashes no big-endian column (a category's values)
        try:
            X = transform_small(self, df) if len(df) <= SMALL_ROWS else None
            if X is None:
                X = self._transform_general(df)
        except CELL_ERRORS as exc:
            refuse_unhashable(df, exc, skip=set(map(str, df.columns)) - set(self.columns_),
                              numbers=set(map(str, self.numeric_)))
            raise
        if len(df) >= _UNSEEN_MIN_VALUES and self.categories_ and id(self) not in _UNSEEN_QUIET.get():
            self._warn_unseen(df, X)
        return X

    def _warn_unseen(self, df: pd.DataFrame, X: np.ndarray) -> None:
        """Warn, once per column, when (almost) none of a categorical column's values in ``df``
        were seen in training: the column changed how it is written (``proto`` trained as
        ``tcp``/``udp``, scored as ``6``/``17``) and every row reads as ``<unseen>``, which would
        raise every score without a word. Not an error: an attack may bring new values. The
        first test reads two columns of ``X``; the raw column is read only when it passes."""
        warned: set[str] = self.__dict__.setdefault("_unseen_warned", set())
        n = len(df)
        j = len(self.numeric_) + len(self.indicators_)
        for c, cats in self.categories_.items():
            start, j = j, j + len(cats) + (c in self.other_) + 1
            if c in warned:
                continue
            seen = n - X[:, j - 1].sum()  # rows not <unseen>, less a trained "<missing>" below
            if MISSING in cats:
                seen -= X[:, start + cats.index(MISSING)].sum()
            if seen >= _UNSEEN_SHARE * n:  # the values seen outnumber what a warning allows
                continue
            codes, uniques = factorize_strings(df.rename(columns=str)[c], bools=True)
            uniques = self._as_fit_read(c, uniques)
            counts = np.bincount(codes, minlength=len(uniques))
            present = (uniques != MISSING) & ~np.isin(uniques, _NULL_TEXT)  # 'N/A' as a CSV reads it
            known = _known(cats).get_indexer(uniques) >= 0
            if c in self.other_:
                known |= _known(self.other_[c]).get_indexer(uniques) >= 0
            scored, seen = counts[present].sum(), counts[present & known].sum()
            if scored < _UNSEEN_MIN_VALUES or seen >= _UNSEEN_SHARE * scored:
                continue
            with _UNSEEN_CLAIM:
                if c in warned:  # another thread warned of it meanwhile
                    continue
                warned.add(c)
            new = uniques[present & ~known]
            example = new[np.argmax(counts[present & ~known])]
            trained = ", ".join(repr(v) for v in cats[:4]) + (" ..." if len(cats) > 4 else "")
            logger.warning("column %s: %s of %d values scored were seen in training (e.g. %r; "
                           "trained on %s): each new value reads as <unseen> and raises the "
                           "score; was the column written another way (numbers for names?), or are its "
                           "values new", c,
                           "none" if seen == 0 else f"only {seen}", scored, example, trained)

    def _named(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with its column labels as text, or :class:`InputError` when a column the model
        reads has its name more than once (``df[c]`` would be a table, not a column), or when its
        labels have several levels."""
        _refuse_levels(df)
        df = df.rename(columns=str)
        if df.columns.has_duplicates:
            dup = sorted(set(df.columns[df.columns.duplicated()]) & set(self.columns_))
            if dup:
                raise InputError(f"column names repeat: {', '.join(map(repr, dup[:5]))} (as text); "
                                 "every column the model reads needs its own name")
        return df

    def _transform_general(self, df: pd.DataFrame) -> np.ndarray:
        """:meth:`transform` of any number of rows, column by column through pandas."""
        df = self._named(df)
        missing = [c for c in self.columns_ if c not in df.columns]
        if missing:
            more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
            more = f"{listed_columns(missing[:3])}{more}"  # the names, then how many more
            have = listed_columns(list(df.columns)[:4])[:80]  # another kind of data? say so
            log = read_as_log(df.columns)
            if log is not None:
                raise InputError(f"column(s) the model needs are missing: {more}; {log}")
            sep = next((s for s in (";", "|") if s in str(df.columns[0])), None) if df.shape[1] == 1 else None
            if sep is not None:  # a table with another separator, read as one column
                raise InputError(f"column(s) the model needs are missing: {more}; "
                                 f"the data reads as one column ({have!r}): {sep!r}-separated? give "
                                 "it a header line that names its columns with that delimiter")
            from hourglass.ingest.tables import nested_note

            # {"proto": {"name": "tcp"}}: proto.name; SRC_BYTES or ' src_bytes ' for src_bytes
            nested = (_cic_release_note(missing, df.columns) or nested_note(missing, df.columns)
                      or near_names(missing, df.columns))
            if nested:
                raise InputError(f"column(s) the model needs are missing: {more}; "
                                 f"{nested}")
            raise InputError(f"column(s) the model needs are missing: {more}; "
                             f"the data has {have}{' ...' if df.shape[1] > 4 else ''}")
        raw = self._numeric_frame(df, self._numeric_inputs(), allow_missing=self.impute != "error")
        return self._encode(df, raw, lambda c: self._category_columns(c, df[c]),
                            lambda c: self._hash_columns(c, df[c]),
                            lambda c: ip_parts(df[c], self.ips_[c], mapped=self.ip_mapped,
                                               ported=self.ip_ported))

    def unreadable_rows(self, df: pd.DataFrame) -> np.ndarray:
        """Per row of ``df``, whether a column read as numbers holds text that is no number
        there (what :meth:`transform` refuses: ``expected numbers, found 'oops'``); ``score
        --on-bad-rows skip`` leaves those rows out.

        Examples
        --------
        >>> pre = TabularPreprocessor().fit(pd.DataFrame({"b": [1.0, 2.0, 3.0]}))
        >>> pre.unreadable_rows(pd.DataFrame({"b": ["4", "oops", "-"]})).tolist()
        [False, True, False]
        """
        self._check_fitted()
        df = self._named(df)  # labels as transform reads them: 0 is the column '0'
        bad = np.zeros(len(df), dtype=bool)
        for c in self._numeric_inputs():
            s = df[c] if c in df.columns else None
            if s is None or _is_duration(s) or (pd.api.types.is_numeric_dtype(s)
                                                and not pd.api.types.is_bool_dtype(s)):
                continue
            bad |= _read_numbers(s)[1].to_numpy(dtype=bool)
        return bad

    def _check_fitted(self) -> None:
        """``NotFittedError`` before :meth:`fit` (an ``AttributeError`` naming a fitted
        attribute, ``columns_``, said nothing of a fit)."""
        if not hasattr(self, "feature_names_"):
            raise not_fitted("TabularPreprocessor is not fitted; call fit(df) first")

    @property
    def ip_mapped(self) -> bool:
        """Whether an IPv4-mapped IPv6 address is read as its IPv4 address
        (:func:`~hourglass.features.roles.ip_parts`'s ``mapped``): a state fitted now; not one
        saved before, which keeps scoring as it did."""
        return "v4-mapped" in str(getattr(self, "ip_form_", None)).split(",")

    @property
    def ip_ported(self) -> bool:
        """Whether an address written with its port (``10.0.1.5:52153``) is read as that address
        (:func:`~hourglass.features.roles.ip_parts`'s ``ported``): a state fitted now; not one
        saved before, which keeps reading it as no address."""
        return "port" in str(getattr(self, "ip_form_", None)).split(",")

    def _numeric_inputs(self) -> list[str]:
        """The columns read as numbers, in the order their errors are reported: the kept
        numeric ones, then those dropped that still feed a missing indicator."""
        return [*self.numeric_, *(c for c in self.indicators_ if self.roles_.get(c) == "numeric")]

    def _as_fit_read(self, c: str, values: np.ndarray) -> np.ndarray:
        """Categorical or hashed column ``c``'s ``values`` (strings) as its fit read them: a
        badge's number without its leading zeros (:func:`unpadded`; a phone number's leading
        ``+`` left out too: ``"+4420..."`` as JSON sends it is the ``4420...`` of a CSV), a
        version's decimal as the number a CSV reader reads (:func:`version_text`); a state saved
        before has neither."""
        if c in getattr(self, "unpadded_", ()):
            values = unpadded(values, plus=self.reasons_.get(c, "").startswith(PHONE_NUMBERS))
        if c in getattr(self, "version_text_", ()):
            values = version_text(values)
        return values

    def _category_columns(self, c: str, s: pd.Series) -> np.ndarray:
        """Per row, the position of its one-hot in categorical column ``c``'s block (known value,
        ``<other>``, or ``<unseen>`` last)."""
        cats = self.categories_[c]
        codes, uniques = factorize_strings(s, bools=True)  # 'true' is the training column's True
        uniques = self._as_fit_read(c, uniques)  # ('000456' is the badge 456)
        width = len(cats) + (c in self.other_) + 1
        col = _known(cats).get_indexer(uniques)  # per distinct value, then per row
        if c in self.other_:
            col = np.where((col < 0) & (_known(self.other_[c]).get_indexer(uniques) >= 0),
                           len(cats), col)
        null = (col < 0) & np.isin(uniques, _NULL_TEXT)
        if null.any():
            # 'N/A', 'null', '?' ...: the table reader's missing cells, so a CSV trained on never
            # holds them as values; from JSON lines, the service or a stream they come as text,
            # and read as missing as the same rows of a CSV do (unless training saw the text)
            at = int(_known(cats).get_indexer([MISSING])[0])
            if at < 0 and c in self.other_ and MISSING in self.other_[c]:
                at = len(cats)
            col = np.where(null, at, col)
        col = np.where(col >= 0, col, width - 1)
        return col[codes]

    def _hash_columns(self, c: str, s: pd.Series) -> np.ndarray:
        """Per row, the bucket of hashed column ``c``."""
        codes, uniques = factorize_strings(s)
        nulls = getattr(self, "hash_nulls_", None)  # None: a state saved before they were read so
        if nulls is not None:
            # 'N/A', 'null', '?' ...: the table reader's missing cells; from JSON lines, the service
            # or a stream they come as text, and hash as the same rows of a CSV do (as missing),
            # unless training held the text
            null = np.isin(uniques, _NULL_TEXT) & ~np.isin(uniques, np.array(nulls.get(c, []), dtype=object))
            if null.any():
                uniques = np.where(null, MISSING, uniques).astype(object)
        uniques = self._as_fit_read(c, uniques)  # ('000456' is the badge 456)
        if getattr(self, "hash_form_", None) == "NFC":  # (a state saved before: hashed as written)
            # 'Jose\u0301' (e and a combining accent, as macOS tools write it) is 'Jos\xe9'
            uniques = pd.Series(uniques, dtype=object).str.normalize("NFC").to_numpy(dtype=object)
        return stable_hash(uniques, self.hashed_[c])[codes]

    def read_as_missing(self, c: str, s: pd.Series) -> np.ndarray:
        """Per cell of text column ``c`` (categorical, hashed, IP or port), whether the model
        reads it as a missing value: a missing or empty cell, or a missing spelling (``N/A``,
        ``null``, ``?`` ...) that training did not hold as a value. Those come as text from JSON
        lines, the service or a stream, where a CSV reader gives a missing cell; an explanation
        quotes them as ``<missing>`` alike. A numeric column's cells are read by
        :func:`~hourglass.features.tabular._read_numbers` instead: all ``False`` here.

        Examples
        --------
        >>> pre = TabularPreprocessor().fit(pd.DataFrame({"x": range(40), "u": ["a", "b"] * 20}))
        >>> pre.read_as_missing("u", pd.Series(["a", "N/A", "", None, "-"])).tolist()
        [False, True, True, True, False]
        """
        self._check_fitted()
        role = self.roles_.get(c)
        if role not in ("categorical", "hash", "ip", "port"):
            return np.zeros(len(s), dtype=bool)
        codes, uniques = factorize_strings(s, bools=role == "categorical")
        held: Iterable[str] = ()  # the missing spellings training held as values of the column
        if role == "categorical":
            held = [*self.categories_.get(c, []), *self.other_.get(c, [])]
        elif role == "hash":
            nulls = getattr(self, "hash_nulls_", None)
            held = NULL_TEXT if nulls is None else nulls.get(c, [])  # (saved before: hashed as text)
        gone = (uniques == MISSING) | (np.isin(uniques, _NULL_TEXT)
                                       & ~np.isin(uniques, np.array(list(held), dtype=object)))
        return np.asarray(gone, dtype=bool)[codes]

    def _encode(self, df: pd.DataFrame, raw: dict[str, np.ndarray],
                category_columns: Callable[[str], np.ndarray],
                hash_columns: Callable[[str], np.ndarray],
                ip_columns: Callable[[str], tuple[np.ndarray, ...]]) -> np.ndarray:
        """The feature matrix from the numeric columns read (``raw``), per categorical or hashed
        column the one-hot position of each row, and per IP column its :func:`ip_parts`."""
        n = len(df)
        blocks = [np.clip(self._numeric_block(raw, n), -_CLIP, _CLIP).astype(np.float32)]
        # an IP or port column with an indicator is parsed once, for both of its blocks
        ips = {c: ip_columns(c) for c in self.ips_}
        ports = {c: port_numbers(df[c]) for c in self.ports_}
        ind = np.zeros((n, len(self.indicators_)), dtype=np.float32)
        for j, c in enumerate(self.indicators_):
            role = self.roles_.get(c, "numeric")
            if role == "numeric":
                ind[:, j] = ~np.isfinite(raw[c])
            elif role == "ip":
                ind[:, j] = (ips[c] if c in ips else ip_parts(df[c], 1, ported=self.ip_ported))[3]
            else:
                ind[:, j] = np.isnan(ports[c] if c in ports else port_numbers(df[c]))
        blocks.append(ind)
        rows = np.arange(n)
        for c, cats in self.categories_.items():
            onehot = np.zeros((n, len(cats) + (c in self.other_) + 1), dtype=np.float32)
            onehot[rows, category_columns(c)] = 1.0
            blocks.append(onehot)
        for c, k in self.hashed_.items():
            onehot = np.zeros((n, k), dtype=np.float32)
            onehot[rows, hash_columns(c)] = 1.0
            blocks.append(onehot)
        for c, k in self.ips_.items():
            private, v6, bucket, absent = ips[c]
            block = np.zeros((n, 2 + k), dtype=np.float32)
            block[:, 0], block[:, 1] = private, v6
            block[rows[~absent], 2 + bucket[~absent]] = 1.0
            blocks.append(block)
        for c, known_ports in self.ports_.items():
            p = ports[c]
            block = np.zeros((n, 3 + len(known_ports)), dtype=np.float32)
            ok = np.isfinite(p)
            kind = np.where(p < 1024, 0, np.where(p < 49152, 1, 2))
            block[rows[ok], kind[ok]] = 1.0
            idx = pd.Index(known_ports).get_indexer(np.where(ok, p, -1).astype(np.int64))
            hit = idx >= 0
            block[rows[hit], 3 + idx[hit]] = 1.0
            blocks.append(block)
        out = np.empty((n, sum(b.shape[1] for b in blocks)), dtype=np.float32)
        at = 0
        for b in blocks:
            out[:, at:at + b.shape[1]] = b
            at += b.shape[1]
        return out

    def fit_transform(self, df: pd.DataFrame, y: object | None = None) -> np.ndarray:
        """``fit(df)`` then ``transform(df)``.

        Parameters
        ----------
        df
            Training rows (a DataFrame).
        y
            Ignored, as in :meth:`fit`.

        Returns
        -------
        numpy.ndarray
            The training rows encoded, as :meth:`transform` gives them.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"bytes": [100.0, 200.0, 150.0], "proto": ["tcp", "udp", "tcp"]})
        >>> TabularPreprocessor().fit_transform(df).shape
        (3, 4)
        """
        return self.fit(df).transform(df)

    def feature_columns(self) -> list[str]:
        """The input column each feature comes from, in the order of ``feature_names_`` (a
        one-hot, missing indicator, hash bucket, IP or port feature maps to its column).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"proto": ["tcp", "udp", "tcp"], "bytes": [10, 2000, 30]})
        >>> TabularPreprocessor().fit(df).feature_columns()
        ['bytes', 'proto', 'proto', 'proto']
        """
        if not hasattr(self, "feature_names_"):
            raise not_fitted("TabularPreprocessor is not fitted")
        cols = list(self.numeric_) + list(self.indicators_)
        for c, cats in self.categories_.items():
            cols += [c] * (len(cats) + (c in self.other_) + 1)
        for c, k in self.hashed_.items():
            cols += [c] * k
        for c, k in self.ips_.items():
            cols += [c] * (2 + k)
        for c, ports in self.ports_.items():
            cols += [c] * (len(_PORT_BUCKETS) + len(ports))
        return cols

    def _used_columns(self) -> list[str]:
        """The columns of ``columns_`` that a feature comes from: a numeric column dropped in
        training (constant, near-duplicate, low variance) and feeding no missing indicator is
        not read, so a file to score need not carry it (``columns_`` was once saved with them)."""
        used = set(self.feature_columns())
        return [c for c in self.columns_ if c in used]

    def extra_columns(self, df: pd.DataFrame) -> list[str]:
        """Columns of ``df`` that the fitted preprocessing does not know (ignored).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
        >>> pre = TabularPreprocessor().fit(df)
        >>> pre.extra_columns(df.assign(note="x"))
        ['note']
        """
        self._check_fitted()
        known = set(self.columns_) | set(self.roles_) | self._dropped()
        return [str(c) for c in df.columns if str(c) not in known]

    def describe(self) -> list[dict[str, Any]]:
        """One record per training column: dtype, role, why, missing share, distinct values and
        what became of it (the features it produced, or why it was dropped).

        Examples
        --------
        >>> import pandas as pd
        >>> pre = TabularPreprocessor().fit(pd.DataFrame({"Flow ID": ["a", "b"], "x": [1, 2]}))
        >>> [(d["column"], d["role"]) for d in pre.describe()]
        [('Flow ID', 'drop'), ('x', 'numeric')]
        """
        if not hasattr(self, "feature_names_"):
            raise not_fitted("TabularPreprocessor is not fitted")
        out = []
        # by the column each feature comes from, not by name: 'bytes/s' is no feature of 'bytes'
        per_column = Counter(self.feature_columns())
        for c, role in self.roles_.items():
            note = ""
            kept = " (its missing indicator kept)" if c in self.indicators_ else ""
            if c in self.constant_:
                note = f"dropped: constant in training{kept}"
            elif self.duplicates_.get(c) == "<low variance>":  # max_features left it out
                note = f"dropped: low variance (max_features={self.max_features}){kept}"
            elif c in self.duplicates_:
                note = f"dropped: near-duplicate of {self.duplicates_[c]}{kept}"
            elif role == "drop":
                note = "dropped"
            else:
                parts = []
                if c in self.log1p_:
                    parts.append("log1p")
                if role == "numeric":
                    parts.append(f"{self.scaler} scaled")
                if c in self.indicators_:
                    parts.append("missing indicator")
                if c in self.categories_:
                    parts.append(f"one-hot {len(self.categories_[c])} value(s) + unseen")
                if c in self.other_:
                    parts.append(f"{len(self.other_[c])} rare value(s) → <other>")
                if c in self.hashed_:
                    parts.append(f"hashed into {self.hashed_[c]} buckets")
                if c in self.ips_:
                    parts.append(f"private, IPv6, /24 hashed into {self.ips_[c]}")
                if c in self.ports_:
                    parts.append(f"range bucket + {len(self.ports_[c])} frequent port(s)")
                note = ", ".join(parts)
            out.append({"column": c, **self.profile_.get(c, {}), "role": role,
                        "why": self.reasons_.get(c, ""), "features": per_column[c], "note": note})
        return out

    # -- state --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON fitted state.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
        >>> pre = TabularPreprocessor().fit(df)
        >>> state = pre.to_dict()
        >>> again = TabularPreprocessor.from_dict(state)
        >>> state["class"], bool(np.allclose(again.transform(df), pre.transform(df)))
        ('TabularPreprocessor', True)
        """
        if not hasattr(self, "feature_names_"):
            raise not_fitted("TabularPreprocessor is not fitted")
        return {
            "class": "TabularPreprocessor",
            "params": self.get_params(),
            "columns": self.columns_,
            "roles": self.roles_,
            "reasons": self.reasons_,
            "profile": self.profile_,
            "numeric": self.numeric_,
            "constant": [str(c) for c in self.constant_],
            "duplicates": self.duplicates_,
            "impute": self.impute_,
            "indicators": self.indicators_,
            "log1p": self.log1p_,
            "categories": self.categories_,
            "other": self.other_,
            "hashed": self.hashed_,
            **({} if getattr(self, "hash_nulls_", None) is None else {"hash_nulls": self.hash_nulls_}),
            **({} if getattr(self, "hash_form_", None) is None else {"hash_form": self.hash_form_}),
            **({} if getattr(self, "ip_form_", None) is None else {"ip_form": self.ip_form_}),
            **({"unpadded": self.unpadded_} if getattr(self, "unpadded_", None) else {}),
            **({"version_text": self.version_text_} if getattr(self, "version_text_", None) else {}),
            "ips": self.ips_,
            "ports": self.ports_,
            "offset": [float(v) for v in self.offset_],
            "scale": [float(v) for v in self.scale_],
            "quantiles": self.quantiles_,
            "feature_names": self.feature_names_,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TabularPreprocessor:
        """Rebuild from :meth:`to_dict` output (state saved before roles existed reads too).

        Examples
        --------
        >>> import pandas as pd
        >>> pre = TabularPreprocessor().fit(pd.DataFrame({"a": [1.0, 2.0]}))
        >>> TabularPreprocessor.from_dict(pre.to_dict()).feature_names_
        ['a']
        """
        try:
            # (every fit saved these, of these kinds: params [] read as the defaults, an impute
            # of 5 read as 'median', without a word)
            params = saved_settings(d["params"], text=["scaler"], maybe_text=["impute"],
                                    objects=["roles"])
            self = cls(**_drop_wins(params))
            try:  # drop=5: no list of names (read at every transform)
                check_name_lists(self, "categorical", "drop")
            except InputError as exc:
                raise InputError(f"preprocessing state is malformed ({exc})") from None
            self.columns_ = list(d["columns"])
            self.numeric_ = list(d["numeric"])
            self.constant_ = list(d["constant"])
            self.log1p_ = list(d["log1p"])
            # the artefact writes JSON with sorted keys: restore the column order, which fixes
            # the order of the one-hot, hashed, IP and port blocks
            pos = {str(c): i for i, c in enumerate(self.columns_)}

            def in_order(blocks: dict[str, Any]) -> list[tuple[str, Any]]:
                return sorted(blocks.items(), key=lambda kv: pos.get(kv[0], len(pos)))

            self.categories_ = {k: list(v) for k, v in in_order(d["categories"])}
            self.offset_ = np.asarray(d["offset"], dtype=np.float64)
            self.scale_ = np.asarray(d["scale"], dtype=np.float64)
            self.feature_names_ = list(d["feature_names"])
            self.roles_ = dict(d.get("roles") or {})
            self.reasons_ = dict(d.get("reasons", {}))
            self.profile_ = dict(d.get("profile", {}))
            self.duplicates_ = dict(d.get("duplicates", {}))
            self.impute_ = {k: float(v) for k, v in d.get("impute", {}).items()}
            for c in self.numeric_:
                self.impute_.setdefault(c, 0.0)
            self.indicators_ = list(d.get("indicators", []))
            self.other_ = {k: list(v) for k, v in d.get("other", {}).items()}
            self.hashed_ = {k: int(v) for k, v in in_order(d.get("hashed", {}))}
            nulls = d.get("hash_nulls")  # absent in a state saved before: 'N/A' hashed as text
            self.hash_nulls_ = None if nulls is None else {str(k): [str(x) for x in v]
                                                           for k, v in nulls.items()}
            form = d.get("hash_form")  # absent in a state saved before: hashed as written
            self.hash_form_ = None if form is None else str(form)
            # absent in a state saved before (or of no badge's number): read as written
            self.unpadded_ = [str(c) for c in d.get("unpadded", [])]
            # absent in a state saved before (or of no version): '23.10' read as written
            self.version_text_ = [str(c) for c in d.get("version_text", [])]
            ip_form = d.get("ip_form")  # absent in a state saved before: ::ffff:a.b.c.d read as IPv6
            self.ip_form_ = None if ip_form is None else str(ip_form)
            self.ips_ = {k: int(v) for k, v in in_order(d.get("ips", {}))}
            self.ports_ = {k: [int(p) for p in v] for k, v in in_order(d.get("ports", {}))}
            self.quantiles_ = {k: [float(q) for q in v] for k, v in d.get("quantiles", {}).items()}
            # state saved before roles existed: each column's role from the block it feeds (an
            # indicator of a column without one would be read by one part and not the other)
            for role, cols in (("numeric", self.numeric_), ("numeric", self.constant_),
                               ("categorical", self.categories_), ("hash", self.hashed_),
                               ("ip", self.ips_), ("port", self.ports_)):
                for c in cols:
                    self.roles_.setdefault(str(c), role)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:  # a list for a mapping ...
            raise InputError(f"preprocessing state is malformed ({exc})") from None
        odd = next((c for c in self.indicators_ if self.roles_.get(c) not in ("numeric", "ip", "port")), None)
        if odd is not None:
            raise InputError(f"preprocessing state is malformed (missing indicator of {odd!r}, role "
                             f"{self.roles_.get(odd)!r})")
        width = len(self.feature_names_)
        bad = next((f"{c}: {k}" for c, k in (*self.hashed_.items(), *self.ips_.items())
                    if not 0 < k <= width), None)
        if bad is not None:  # 10**30 buckets: the names below would fill the memory
            raise InputError(f"preprocessing state is malformed (bucket count {bad}, of {width} features)")
        if self._feature_names() != self.feature_names_:  # the blocks in another order: wrong scores
            raise InputError("preprocessing state is malformed (feature names do not match)")
        n = len(self.numeric_)
        if not (self.offset_.shape == self.scale_.shape == (n,) and np.isfinite(self.offset_).all()
                and np.isfinite(self.scale_).all() and (self.scale_ != 0).all()):
            raise InputError(f"preprocessing state is malformed (offset/scale: {n} finite values "
                             "expected, scales non-zero)")
        # what transform reads besides: a block of a column it does not check for (KeyError at
        # the first score), a NaN median or quantile knot (NaN features, scores below every
        # threshold: alerts missed without a word)
        known = set(self.columns_)
        stray = next((c for c in (*self.numeric_, *self.indicators_, *self.categories_, *self.hashed_,
                                  *self.ips_, *self.ports_) if c not in known), None)
        if stray is not None:
            raise InputError(f"preprocessing state is malformed (column {stray!r} is encoded but not "
                             "among the input columns)")
        odd = next((c for c in self.log1p_ if c not in self.numeric_), None)
        if odd is not None:  # the numeric block finds its position: ValueError at the first score
            raise InputError(f"preprocessing state is malformed (log1p column {odd!r} is not among the "
                             "numeric columns)")
        odd = next((c for c in self.numeric_ if not np.isfinite(self.impute_[c])), None)
        if odd is not None:
            raise InputError(f"preprocessing state is malformed (imputed value of {odd!r} is not finite)")
        if self.quantiles_:
            for c in self.numeric_:
                q = np.asarray(self.quantiles_.get(c, []), dtype=np.float64)
                # knots out of order: np.interp reads them without a word, and maps values wrongly
                # (a rounding error's disorder, as state saved by a federated fit before its
                # merged quantiles were kept in order may hold, changes nothing: it loads)
                if not (len(q) >= 2 and np.isfinite(q).all()
                        and (np.diff(q) >= -1e-9 * np.abs(q).max()).all()):
                    raise InputError(f"preprocessing state is malformed (quantiles of {c!r}: at least "
                                     "two finite values expected, in ascending order)")
        self.columns_ = self._used_columns()  # a model saved with its dropped columns among them
        return self
