"""Checks that turn bad arrays into clear :class:`~hourglass.errors.InputError` messages."""

from __future__ import annotations

import contextlib
import decimal
import numbers
from collections.abc import Collection, Container, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from hourglass._arrays import from_torch
from hourglass._columns import counted
from hourglass.errors import InputError

__all__ = ["check_array", "check_labels", "check_name_lists", "is_arrow_table", "native_byte_order",
           "saved_settings"]


def is_arrow_table(X: object) -> bool:
    """Whether ``X`` is a pyarrow Table or RecordBatch (named columns), told without importing
    pyarrow.

    Examples
    --------
    >>> import pyarrow as pa
    >>> is_arrow_table(pa.table({"a": [1.0]})), is_arrow_table(pa.array([1.0])), is_arrow_table([[1.0]])
    (True, False, False)
    """
    return type(X).__module__.startswith("pyarrow") and isinstance(getattr(X, "column_names", None), list)


def native_byte_order(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its big-endian NumPy columns (``X.astype(">f8")``, what ``np.frombuffer`` of
    network-order bytes gives) in the machine's byte order: the same numbers, which pandas'
    hashing and ``take`` refuse in the other order ("Big-endian buffer not supported on
    little-endian compiler"). ``df`` itself when it has none; never modified.

    Examples
    --------
    >>> df = pd.DataFrame({"a": np.arange(3, dtype=">i8")})
    >>> native_byte_order(df)["a"].dtype.isnative, df["a"].dtype.isnative
    (True, False)
    """
    swapped = [i for i, dt in enumerate(df.dtypes) if isinstance(dt, np.dtype) and not dt.isnative]
    if not swapped:
        return df
    out = df.copy(deep=False)
    for i in swapped:  # by position: a repeated column name selects a frame, not a column
        out.isetitem(i, df.iloc[:, i].astype(df.dtypes.iloc[i].newbyteorder("=")))
    return out


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

    Returns
    -------
    numpy.ndarray
        ``X`` as a C-contiguous 2-D float32 array.

    Raises
    ------
    hourglass.errors.InputError
        ``None``, a sparse or masked array, non-numeric or complex values, not 2-D (a 1-D
        input is refused with the reshape to use), no rows or columns, the wrong number of
        columns, or NaN, infinite or float32-overflowing values (the first one named by its
        row, counted from 1).

    Examples
    --------
    >>> check_array([[1, 2], [3, 4]]).dtype
    dtype('float32')
    >>> check_array([[1, 2], [3, float("nan")]], feature_names=["a", "b"])
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: X: 1 NaN or infinite value(s); first at row 2, column 'b'
    """
    if X is None:
        raise InputError(f"{what}: expected an array of numbers (rows × features), got None")
    if type(X).__module__.startswith("scipy.sparse"):
        raise InputError(f"{what}: sparse matrices are not supported; pass a dense array "
                         "(X.toarray())")
    X = from_torch(X, what)
    if is_arrow_table(X):
        # a pyarrow Table or RecordBatch: read as its DataFrame, so that a bad column is named
        # as in one ("column 'c'", not "column 2"), and a text column said to be no number
        X = X.to_pandas()  # type: ignore[attr-defined]
    if isinstance(X, np.ma.MaskedArray) and np.ma.getmaskarray(X).any():
        raise InputError(f"{what}: masked arrays are not supported; fill the masked values first "
                         "(X.filled(...))")
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
        # by position, not by name: a repeated column name selects a frame, not a column
        dtypes = list(X.dtypes)
        # booleans are numbers (0/1) as NumPy's are: pandas counts Arrow's bool[pyarrow] as
        # no numeric dtype, though it counts bool and boolean as one (not a category of them)
        # an object column of numbers (a database's Decimal, df.astype(object), df.T of a mixed
        # frame) holds numbers as an object array does, which is read as numbers
        numeric_objects = [i for i, dt in enumerate(dtypes) if isinstance(dt, np.dtype) and dt.kind == "O"
                           and _numbers_only(X.iloc[:, i])]
        bad = [i for i, dt in enumerate(dtypes) if i not in numeric_objects and not (
            pd.api.types.is_numeric_dtype(dt) or (pd.api.types.is_bool_dtype(dt)
                                                   and not isinstance(dt, pd.CategoricalDtype)))]
        if bad:
            raise InputError(
                f"{what}: column {X.columns[bad[0]]!r} is not numeric (dtype {dtypes[bad[0]]}); "
                "preprocess it first or use a Pipeline"
            )
        cplx = [i for i, dt in enumerate(dtypes) if pd.api.types.is_complex_dtype(dt)]
        if cplx:
            raise InputError(f"{what}: column {X.columns[cplx[0]]!r} holds complex numbers; "
                             "expected real numbers")
        feature_names = feature_names or names
        frame = _objects_as_floats(X, numeric_objects, what) if numeric_objects else X
        with np.errstate(over="ignore"):  # a value beyond float32 is named below
            arr = frame.to_numpy(dtype=np.float32)
    else:
        if isinstance(X, np.ndarray) and np.iscomplexobj(X):
            raise InputError(f"{what}: complex numbers are not supported; expected real numbers")
        if isinstance(X, np.ndarray) and X.dtype.names is not None:
            # a record array (np.fromfile of a binary record format): numpy's "Cannot cast array
            # data from dtype([('a', '>f8'), ...]) to dtype('float32')" said nothing of the way
            raise InputError(f"{what}: a structured array (fields {', '.join(map(repr, X.dtype.names[:5]))}"
                             f"{' ...' if len(X.dtype.names) > 5 else ''}); pass pd.DataFrame(X), "
                             "which makes its fields the columns")
        if isinstance(X, np.ndarray) and X.dtype.kind in "mM":  # as a DataFrame's are refused
            raise InputError(f"{what}: dates and durations (dtype {X.dtype}) are not numbers; "
                             "convert them first or use a Pipeline")
        if isinstance(X, Mapping) or (isinstance(X, (list, tuple)) and len(X) > 0
                                      and all(isinstance(r, Mapping) for r in X)):
            # records (a JSON API's rows) or a dict of columns: NumPy's "float() argument must be
            # a string or a real number, not 'dict'" left the way to a table unsaid
            shape = "a dict of columns" if isinstance(X, Mapping) else "a list of records (dicts)"
            raise InputError(f"{what}: {shape}, not an array; pass pd.DataFrame(X), which makes "
                             "its keys the columns")
        text = _text_column(X)
        if text is not None:  # as a DataFrame's text column is (and scikit-learn's check_array)
            raise InputError(f"{what}: column {text[0]} is not numeric ({text[1]}); preprocess it "
                             "first or use a Pipeline")
        try:
            with np.errstate(over="ignore"):  # a value beyond float32 is named below
                arr = np.asarray(X, dtype=np.float32)
        except OverflowError:  # a Python int past float's range
            raise InputError(f"{what}: holds an integer past the float range (|x| > 1.8e308); "
                             "expected numbers") from None
        except (TypeError, ValueError) as exc:
            if "inhomogeneous" in str(exc):
                raise InputError(f"{what}: rows of different lengths; expected a rectangular "
                                 "array (rows × features)") from None
            raise InputError(f"{what}: expected an array of numbers ({exc})") from None
    if arr.ndim == 1:
        # one row of a model of that many features (a PyOD habit: det.predict(x)) or one feature
        row = n_features is not None and n_features > 1 and arr.shape[0] == n_features
        # in the form that works on what was given: a Series or a list has no .reshape
        if isinstance(X, pd.Series):
            hint = "X.to_frame().T for a single row" if row else "X.to_frame() for a single feature"
        else:
            a = "X" if isinstance(X, np.ndarray) else "np.asarray(X)"
            hint = (f"{a}.reshape(1, -1) for a single row" if row
                    else f"{a}.reshape(-1, 1) for a single feature")
        raise InputError(f"{what}: expected a 2-D array (rows × features), got 1-D of length "
                         f"{arr.shape[0]}; use {hint}")
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
        value = _original(X, r, c)
        # the row from 1, the first row 1, as check_labels, the evaluate API, the CLI and the
        # service name rows (the column by its name, or else its index as X[:, c] takes it)
        if value is not None and np.isfinite(value):
            raise InputError(f"{what}: value {value:.6g} at row {r + 1}, column {name!r} is too large "
                             f"for float32 (|x| > {float(np.finfo(np.float32).max):.4g}); rescale it")
        raise InputError(
            f"{what}: {int(rows.size)} NaN or infinite value(s); first at row {r + 1}, "
            f"column {name!r}"
        )
    return np.ascontiguousarray(arr)


#: What :func:`pandas.api.types.infer_dtype` calls an object column holding only numbers
#: (booleans, ``Decimal``, NumPy scalars) and missing values; ``"empty"``: missing values only.
_NUMBER_KINDS = frozenset({"integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty"})


def _numbers_only(s: pd.Series) -> bool:
    """Whether the object column ``s`` holds only numbers (booleans, ``Decimal``, NumPy
    scalars) and missing values, as an object array of them is read: of one kind
    (:data:`_NUMBER_KINDS`) or mixed (``[1.5, True]``, ``[Decimal('1.5'), 2.0]``: a transposed
    frame of a float and a boolean column), but no text, bytes or complex number.

    Examples
    --------
    >>> from decimal import Decimal
    >>> _numbers_only(pd.Series([1.5, True, None], dtype=object))
    True
    >>> _numbers_only(pd.Series([Decimal("1.5"), 2.0], dtype=object))
    True
    >>> _numbers_only(pd.Series([1.5, "2"], dtype=object))
    False
    """
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in _NUMBER_KINDS:
        return True
    if kind not in ("mixed", "mixed-integer"):  # (text, bytes, complex, dates: not numbers)
        return False
    return all(v is None or v is pd.NA or isinstance(v, (numbers.Real, Decimal, np.bool_))
               for v in s.tolist())


def _objects_as_floats(X: pd.DataFrame, columns: Sequence[int], what: str) -> pd.DataFrame:
    """``X`` with its object ``columns`` (by position) of numbers as float64 columns, a missing
    cell (``None``, ``pd.NA``) NaN: what NumPy's cast makes of the same numbers in an object
    array. ``X`` itself is left as it was.

    Examples
    --------
    >>> from decimal import Decimal
    >>> df = pd.DataFrame({"a": [Decimal("1.5"), None, 2], "b": [1.0, 2.0, 3.0]}, dtype=object)
    >>> _objects_as_floats(df, [0, 1], "X").dtypes.tolist()
    [dtype('float64'), dtype('float64')]
    """
    out = X.copy(deep=False)
    for i in columns:  # by position: a repeated column name selects a frame, not a column
        s = X.iloc[:, i]
        try:
            out.isetitem(i, s.where(s.notna(), np.nan).astype(np.float64))
        except OverflowError:  # a Python int past float's range
            raise InputError(f"{what}: column {X.columns[i]!r} holds an integer past the float range "
                             "(|x| > 1.8e308); expected numbers") from None
        except (ArithmeticError, ValueError, TypeError):  # Decimal('sNaN'): no float, nor NaN
            raise InputError(f"{what}: {_no_float(s)} in column {X.columns[i]!r}; expected real "
                             "numbers") from None
    return out


def is_signalling_nan_error(exc: BaseException) -> bool:
    """Whether ``exc`` is what pandas raises on a ``Decimal('sNaN')`` cell: the
    ``InvalidOperation`` of testing it for a missing value, or the ``TypeError`` of hashing it
    (counting or comparing categories).

    Examples
    --------
    >>> is_signalling_nan_error(TypeError("Cannot hash a signaling NaN value"))
    True
    >>> is_signalling_nan_error(TypeError("unhashable type: 'list'"))
    False
    """
    return isinstance(exc, decimal.InvalidOperation) or (
        isinstance(exc, TypeError) and "signaling NaN" in str(exc))


def refuse_signalling_nan(df: pd.DataFrame, skip: Container[str] = ()) -> None:
    """Raise :class:`InputError` naming the first ``Decimal('sNaN')`` cell of the object columns
    of ``df`` (columns named in ``skip`` aside), which pandas can neither test for a missing
    value nor hash; return if there is none. The message asks for a number where the column's
    other values are no text, else for text (a text column's sNaN was told "make it a number").

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.5, decimal.Decimal("sNaN")]}, dtype=object)
    >>> try:
    ...     refuse_signalling_nan(df)
    ... except InputError as exc:
    ...     print(str(exc)[:58])
    column 'a': a cell holds Decimal('sNaN') (row 2), a signal
    >>> try:
    ...     refuse_signalling_nan(pd.DataFrame({"proto": ["tcp", decimal.Decimal("sNaN")]}))
    ... except InputError as exc:
    ...     print(str(exc).split("; ")[1])
    make it text, or a missing value (None, NaN)
    """
    for j, c in enumerate(df.columns):
        if str(c) in skip or not pd.api.types.is_object_dtype(df.dtypes.iloc[j]):
            continue
        values = df.iloc[:, j].to_numpy(dtype=object)
        for i, v in enumerate(values):
            if isinstance(v, Decimal) and v.is_snan():
                kind = "text" if any(isinstance(x, str) for x in values) else "a number"
                raise InputError(f"column {str(c)!r}: a cell holds {v!r} (row {i + 1}), a signalling "
                                 f"NaN that cannot be read or compared; make it {kind}, or a missing "
                                 "value (None, NaN)") from None


@contextlib.contextmanager
def signalling_nan_named(df: object) -> Iterator[None]:
    """Within the block, the error pandas raises on a ``Decimal('sNaN')`` cell of the frame
    ``df`` (:func:`is_signalling_nan_error`) is an :class:`InputError` naming the cell
    (:func:`refuse_signalling_nan`); other errors pass as they are.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [decimal.Decimal("sNaN")]})
    >>> try:
    ...     with signalling_nan_named(df):
    ...         df["a"].isna()
    ... except InputError as exc:
    ...     print(str(exc)[:48])
    column 'a': a cell holds Decimal('sNaN') (row 1)
    """
    try:
        yield
    except (ArithmeticError, TypeError) as exc:
        if isinstance(df, pd.DataFrame) and is_signalling_nan_error(exc):
            refuse_signalling_nan(df)
        raise


def _no_float(s: pd.Series) -> str:
    """The first value of the object column ``s`` that is no float (``Decimal('sNaN')``, which
    pandas cannot even test for a missing value), with its row from 1, as an error names it."""
    for r, value in enumerate(s.tolist()):
        try:
            float(value)
        except (ArithmeticError, ValueError, TypeError):
            return f"value {value!r} at row {r + 1}"
    return "a value"


def _text_column(X: object) -> tuple[int, str] | None:
    """The first column of the array or nested list ``X`` that holds text, and what it holds
    (``dtype <U3``, or the text value of an object array), or ``None``. NumPy would read numeric
    text as numbers where a DataFrame's text column is refused: the same data, two answers.

    Examples
    --------
    >>> _text_column(np.array([["1", "2"]])), _text_column([[1.0, "2"]]), _text_column([[1, 2]])
    ((0, 'dtype <U1'), (0, 'dtype <U32'), None)
    >>> _text_column(np.array([[1.0, "2"]], dtype=object))
    (1, "text '2'")
    """
    if isinstance(X, (list, tuple)):
        try:
            X = np.asarray(X)
        except ValueError:  # rows of different lengths: said where they are read
            return None
    if not isinstance(X, np.ndarray) or X.ndim == 0:
        return None
    if X.dtype.kind in "US":
        return 0, f"dtype {X.dtype}"
    if X.dtype.kind == "O":
        rows = X.reshape(-1, 1) if X.ndim == 1 else X.reshape(-1, X.shape[-1]) if X.ndim > 1 else X
        for c in range(rows.shape[1]):
            found = next((v for v in rows[:, c] if isinstance(v, (str, bytes))), None)
            if found is not None:
                return (0 if X.ndim == 1 else c), f"text {found!r}"
    return None


def _original(X: object, r: int, c: int) -> float | None:
    """The value at row ``r``, column ``c`` of ``X`` as given (before the cast to float32), or
    ``None`` when it cannot be read as a float."""
    try:
        value = X.iloc[r, c] if isinstance(X, pd.DataFrame) else np.asarray(X)[r, c]
        return float(value)
    except (TypeError, ValueError, IndexError):
        return None


def _is_binary(value: object) -> bool:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return True
    try:
        return float(value) in (0.0, 1.0)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # overflow: an int past float's range
        return False


def _truth_words(arr: np.ndarray) -> np.ndarray | None:
    """The labels ``arr`` as floats, the text ``true``/``false`` (any case, spaces aside) as 1/0
    as a series' label column reads it; ``None`` when some label is neither that nor a number."""
    if arr.dtype.kind not in "OUS":
        return None
    words = {"true": 1.0, "false": 0.0}
    try:
        return np.array([words.get(v.strip().lower(), v) if isinstance(v, str) else v
                         for v in arr.tolist()]).astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        return None


def check_labels(y: object, n_rows: int, *, what: str = "y") -> np.ndarray:
    """Return binary labels (0 normal, 1 anomaly) as an int8 array, or raise :class:`InputError`.

    Parameters
    ----------
    y
        Labels, one per row (numbers, booleans or their text, e.g. ``"1"``, ``"true"`` in any
        case).
    n_rows
        The number of rows they must label.
    what
        Name of the argument, for messages.

    Returns
    -------
    numpy.ndarray
        Flat ``int8`` array of 0/1.

    Raises
    ------
    hourglass.errors.InputError
        Labels of another count, nested lists of uneven length, or a value that is not 0 or 1
        (a missing label named by its row).

    Examples
    --------
    >>> check_labels([0, 1, 0], 3)
    array([0, 1, 0], dtype=int8)
    >>> check_labels(["False", " true", "1"], 3)   # booleans' text, as a series' labels read it
    array([0, 1, 1], dtype=int8)
    """
    y = from_torch(y, what)
    if isinstance(y, np.ma.MaskedArray) and np.ma.getmaskarray(y).any():
        # NumPy reads a masked array as its data: the masked (missing) label was taken as the
        # value under the mask, a 0 or 1 without a word
        i = int(np.flatnonzero(np.ma.getmaskarray(y).ravel())[0])
        raise InputError(f"{what}: labels must be 0 (normal) or 1 (anomaly), found a missing label "
                         f"(row {i + 1}, masked)")
    try:
        arr = np.asarray(y)
    except ValueError:  # rows of different lengths
        raise InputError(f"{what}: expected one label per row (a flat list), got rows of different "
                         "lengths") from None
    if arr.ndim == 0 and isinstance(y, str) and n_rows != 1:
        # a column's name, as the command line's --label-col takes it: 'has 1 labels for 100 rows'
        # said nothing of the way
        raise InputError(f"{what}: expected one label per row, got the text {y!r}; give the labels "
                         f"themselves (a column name? df.pop({y!r}) takes the column out of the rows "
                         "and gives its labels)")
    arr = arr.ravel()
    if arr.shape[0] != n_rows:
        raise InputError(f"{what}: has {counted(arr.shape[0], 'label')} for {counted(n_rows, 'row')}")
    if np.iscomplexobj(arr):  # astype(float64) would drop the imaginary parts (1+1j read as 1)
        raise InputError(f"{what}: labels must be 0 (normal) or 1 (anomaly), found complex numbers "
                         f"(dtype {arr.dtype})")
    values: np.ndarray | None
    try:
        values = arr.astype(np.float64)
    except (TypeError, ValueError, OverflowError):  # overflow: an int past float's range
        values = _truth_words(arr)
    if values is None:
        i, odd = next(((i, v) for i, v in enumerate(arr.tolist()) if not _is_binary(v)), (0, None))
        # (the repr of an int past 4,300 digits raises ValueError)
        found = "an integer past float's range" if isinstance(odd, int) and odd.bit_length() > 1024 \
            else repr(odd)
        if odd is pd.NA or odd is pd.NaT:  # pandas' nullable missing value, as a NaN is said
            found = f"a missing label (row {i + 1})"
        raise InputError(f"{what}: labels must be 0 (normal) or 1 (anomaly), found {found}") from None
    if not np.isin(values, (0.0, 1.0)).all():
        i = int(np.flatnonzero(~np.isin(values, (0.0, 1.0)))[0])
        odd = float(values[i])
        shown = f"{odd:g}" if float(f"{odd:g}") == odd else repr(odd)  # 1.0000001 is not "1"
        found = f"a missing label (row {i + 1})" if np.isnan(odd) else shown  # None reads as nan
        raise InputError(f"{what}: labels must be 0 (normal) or 1 (anomaly), found {found}")
    return values.astype(np.int8)


def saved_settings(params: object, *, text: Collection[str] = (), maybe_text: Collection[str] = (),
                   names: Collection[str] = (), flags: Collection[str] = (),
                   objects: Collection[str] = ()) -> dict[str, Any]:
    """A saved preprocessing's settings (the ``params`` of its ``to_dict``) as a new dict, their
    kinds checked as every fit saved them: an object; each of ``text`` present and text; each of
    ``maybe_text`` text or null where present; each of ``names`` (a column's name) text, an
    integer (the column of a table whose columns are numbers: fit reads it as its text) or null
    where present; each of ``flags`` true or false where present; each of ``objects`` (a mapping
    such as ``roles``) an object or null where present. A ``TypeError`` naming the field
    otherwise (``features.params.format``): a config.json edited by hand loaded, and the setting
    failed only at scoring, blamed on the user's options.

    Examples
    --------
    >>> saved_settings({"format": "raw", "session_regex": None}, text=["format"],
    ...                maybe_text=["session_regex"])
    {'format': 'raw', 'session_regex': None}
    >>> saved_settings({"format": 5}, text=["format"])
    Traceback (most recent call last):
    ...
    TypeError: features.params.format must be text, got 5
    >>> saved_settings({"roles": ["x"]}, objects=["roles"])
    Traceback (most recent call last):
    ...
    TypeError: features.params.roles must be an object or null, got ['x']
    >>> saved_settings([], text=["format"])
    Traceback (most recent call last):
    ...
    TypeError: features.params must be an object, got list
    """
    if not isinstance(params, dict):
        raise TypeError(f"features.params must be an object, got {type(params).__name__}")
    for key in text:
        if key not in params:
            raise TypeError(f"features.params.{key} is missing (text expected)")
    for key in (*text, *maybe_text, *names):
        value = params.get(key)
        if value is None and key not in text:
            continue
        if isinstance(value, str) or (key in names and isinstance(value, int)
                                      and not isinstance(value, bool)):
            continue
        kind = "text or an integer (a column's name)" if key in names else "text"
        raise TypeError(f"features.params.{key} must be {kind}, got {value!r:.80}")
    for key in flags:
        if key in params and not isinstance(params[key], bool):
            raise TypeError(f"features.params.{key} must be true or false, got {params[key]!r:.80}")
    for key in objects:
        if params.get(key) is not None and not isinstance(params[key], dict):
            raise TypeError(f"features.params.{key} must be an object or null, got {params[key]!r:.80}")
    return dict(params)


def check_name_lists(est: object, *names: str) -> None:
    """Refuse a bare string for the parameters ``names`` of ``est`` that take a list of names
    (columns, statistics): Python reads ``drop="label"`` as the letters l, a, b, e, l, so the
    column would silently stay in.

    Examples
    --------
    >>> from hourglass.features.tabular import TabularPreprocessor
    >>> try:
    ...     check_name_lists(TabularPreprocessor(drop="label"), "drop")
    ... except InputError as e:
    ...     print(e)
    drop: expected a list of names, got the string 'label' (read as its letters); write ['label']
    """
    for name in names:
        value = getattr(est, name)
        if isinstance(value, str | bytes):
            raise InputError(f"{name}: expected a list of names, got the string {value!r} (read as "
                             f"its letters); write [{value!r}]", param=name)
        if isinstance(value, Iterator):
            # a generator or map() is read once: the first look took its names, and the fit that
            # followed saw none (drop=map(str, cols) kept the label column as a feature)
            raise InputError(f"{name}: expected a list of names, got a one-pass {type(value).__name__}; "
                             f"write list(...) around it", param=name)
        if value is not None and not isinstance(value, Iterable):
            # drop=5 or categorical=True: a raw "'int' object is not iterable" at fit
            # (a number's NaN or 2.5 names no column: no hint to write it as one)
            hint = (f"; write [{value!r}] for one column"
                    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_) else "")
            raise InputError(f"{name}: expected a list of names, got {type(value).__name__} {value!r}{hint}",
                             param=name)
