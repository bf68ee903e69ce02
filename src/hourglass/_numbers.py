"""Numbers read from JSON values: an integer no float holds (400 digits written out, valid JSON)
is the infinity its text reads as in a CSV file, not an ``OverflowError``."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DIGITAL_STATES", "DURATION", "as_float", "is_duration", "label_numbers", "pandas_numbers",
           "read_number", "read_whole", "to_numbers", "wide_ints_as_inf", "with_sizes"]

#: The states a process historian writes in a numeric tag's value where it has no reading:
#: OSIsoft (AVEVA) PI's SYSTEM digital state set, as a PI DataLink, PI SMT or AF export writes
#: them among the numbers (a dead input, a timed-out poll, the interface or unit shut down, the
#: point just created). In a column of numbers they are missing values, as ``-`` is: a state no
#: training row had shows as the column's missing indicator, not a 16-bucket hash of every
#: reading of the column read as text (from one state in a hundred rows), nor an error for the
#: first ``Bad Input`` of a series. A column of such words and no numbers (a table's: or more of them
#: than numbers) stays text.
DIGITAL_STATES = ("Bad Input", "Bad Output", "Bad Data", "Bad Quality", "Calc Failed", "Calc Off",
                  "Comm Fail", "Configure", "Equip Fail", "I/O Timeout", "Intf Shut",
                  "Invalid Data", "No Data", "No Sample", "No Result", "Not Connect",
                  "Out of Serv", "Over Range", "Under Range", "Pt Created", "Scan Off",
                  "Scan Timeout", "Set to Bad", "Shutdown", "Arc Off-line", "Unit Down")


def as_float(v: int) -> float:
    """An integer as a float, ±inf past float's range (``float()`` rounds up to just past it).

    Examples
    --------
    >>> as_float(10**400), as_float(-10**400), as_float(2**1024 - 2**971)
    (inf, -inf, 1.7976931348623157e+308)
    """
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def read_number(text: str) -> int | float | None:
    """A number typed as text (an option's value, a ``--param`` value, a threshold rule's), or
    ``None`` where ``text`` is none: the one rule every way a number reaches the CLI follows.

    The text (spaces around it aside) is what Python's ``int()`` or ``float()`` reads, in ASCII:
    a sign, leading zeros and ``_`` between digits are taken (``+10``, ``010``, ``1_0``), so are
    ``.5``, ``5.``, ``1e-3``, ``inf`` and ``nan`` (a check that needs a finite number refuses
    those in its own words). Digits of other scripts (``١٠``, full-width ``１０``), ``0x0a`` and
    words such as ``true`` are no number, as the typed options (``--lr``, ``--epochs``) take
    them. An integer's text gives an ``int`` (exact past 2**53), any other a ``float``.

    Examples
    --------
    >>> read_number(" +1_0 "), read_number("010"), read_number(".5"), read_number("1e400")
    (10, 10, 0.5, inf)
    >>> read_number("١٠") is None, read_number("0x0a") is None, read_number("") is None
    (True, True, True)
    """
    text = text.strip()
    if not text.isascii():
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def read_whole(text: str) -> int | None:
    """A whole number typed as text (:func:`read_number`): an integer's text, or a finite
    number's that is whole (``10.0``, ``1e1``: as ``--epochs 10.0`` and ``--param epochs=1e1``
    are taken); else ``None``.

    Examples
    --------
    >>> read_whole("10"), read_whole("10.0"), read_whole("1e1"), read_whole("10.5"), read_whole("inf")
    (10, 10, 10, None, None)
    >>> read_whole("1e30") == 10**30, read_whole("1_0.0_0"), read_whole("10.000000000000000001")
    (True, 10, None)
    """
    number = read_number(text)
    if not isinstance(number, float):
        return number
    if not math.isfinite(number):
        return None
    # (exact, not the float's value: 1e30 is 10**30, not 1000000000000000019884624838656, and
    # 10.000000000000000001 is no whole number; finite as a float, it has at most 309 digits)
    exact = Decimal(text.strip())
    return int(exact) if exact == exact.to_integral_value() else None


def _wide(v: Any) -> bool:
    return type(v) is int and v.bit_length() > 1023


def wide_ints_as_inf(s: pd.Series) -> pd.Series:
    """``s`` with each integer no float holds as ±inf, the value its text reads as (only an
    object column is looked at; ``s`` itself is left as it is, and returned when it holds none).

    Examples
    --------
    >>> wide_ints_as_inf(pd.Series([1, -10**400, "x"], dtype=object)).tolist()
    [1, -inf, 'x']
    """
    if s.dtype != object or not any(map(_wide, s)):
        return s
    return pd.Series([as_float(v) if _wide(v) else v for v in s], index=s.index, name=s.name,
                     dtype=object)


def pandas_numbers(s: pd.Series) -> pd.Series:
    """``s`` in pandas' own dtype where it holds Arrow-backed numbers or booleans
    (``pd.ArrowDtype(pa.int64())``, as ``read_parquet(..., dtype_backend="pyarrow")`` gives):
    its NumPy dtype, or where a value is missing pandas' nullable one (``Int64``, ``UInt64``,
    ``boolean``; floats as NaN). An Arrow column compared with a Python integer past its type
    (``s.abs() < 2**63``) raised ``OverflowError``; pandas' own dtypes compare as NumPy's do.
    Any other ``s`` is returned as it is.

    Examples
    --------
    >>> import pyarrow as pa
    >>> s = pandas_numbers(pd.Series([4624, None], dtype=pd.ArrowDtype(pa.int64())))
    >>> s.dtype, (s.abs() < 2**63).tolist()
    (Int64Dtype(), [True, <NA>])
    >>> pandas_numbers(pd.Series([1.5], dtype=pd.ArrowDtype(pa.float32()))).dtype
    dtype('float32')
    """
    dtype = s.dtype
    if not isinstance(dtype, pd.ArrowDtype) or dtype.kind not in "iubf":
        return s
    if dtype.kind == "f" or not s.hasnans:
        return s.astype(dtype.numpy_dtype)  # (a missing float is NaN)
    bits = str(dtype.numpy_dtype.itemsize * 8)
    return s.astype("boolean" if dtype.kind == "b" else ("Int" if dtype.kind == "i" else "UInt") + bits)


def to_numbers(s: pd.Series) -> pd.Series:
    """``pd.to_numeric(s, errors="coerce")``, an integer no float holds read as ±inf (it raised
    ``OverflowError``); the values are looked at one by one only when that happens.

    Examples
    --------
    >>> to_numbers(pd.Series([1, 10**400, "2.5", "x"], dtype=object)).tolist()
    [1.0, inf, 2.5, nan]
    """
    try:
        return pd.to_numeric(s, errors="coerce")
    except OverflowError:
        return pd.to_numeric(wide_ints_as_inf(s), errors="coerce")


def label_numbers(s: pd.Series) -> pd.Series:
    """A series' 0/1 labels ``s`` as numbers (:func:`to_numbers`), the words ``true`` and
    ``false`` (any case, spaces aside) as 1 and 0: a CSV column of 0 and 1 beside ``true`` is
    read as its text (no booleans), where JSON lines' ``true`` beside 0 and 1 is a boolean.

    Examples
    --------
    >>> label_numbers(pd.Series(["0", "1", " TRUE", "false", "x", None], dtype=object)).tolist()
    [0.0, 1.0, 1.0, 0.0, nan, nan]
    """
    out = to_numbers(s)
    if s.dtype != object and not pd.api.types.is_string_dtype(s.dtype):
        return out
    words = s.astype("string").str.strip().str.lower()
    return out.mask((words == "true").fillna(False), 1).mask((words == "false").fillna(False), 0)


#: a size in bytes as a print log or a file listing writes it, its unit after the number
#: (PaperCut's print log's ``Size``, ``330 kb``, ``48.2 MB``; a backup job's or a NAS volume's
#: ``1.2 PB``), or its capital letter alone, as Slurm's ``sacct`` writes a job's ``MaxRSS``
#: (``1024K``, ``2.5G``) and ``du -h`` a size (a lower-case letter alone is no size: ``5m`` may be
#: minutes): kilo, mega, giga, tera and peta as powers of 1,024, as those tools count them
_SIZE = (r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:([kKmMgGtTpP]?)(?:[iI]?[bB]|[bB]ytes?)|([KMGTP]))\s*$")
_SIZE_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
#: a length of time on a clock's face, as the batch schedulers write a job's run time: Slurm's
#: ``sacct`` its ``Elapsed``, ``CPUTime`` and ``Timelimit`` (``00:05:00``, ``1-02:03:04``: days
#: before a dash), PBS/Torque its ``resources_used.walltime`` (``168:00:00``: hours past 24); or
#: minutes and seconds with a fraction, as ``sacct`` writes a ``TotalCPU`` under an hour
#: (``00:01.234``; without the fraction, ``10:05`` may be a time of day, and is none)
DURATION = (r"^\s*(?:(?:([0-9]+)-)?([0-9]+):([0-5][0-9]):([0-5][0-9](?:\.[0-9]+)?)"
            r"|([0-9]+):([0-5][0-9]\.[0-9]+))\s*$")


def with_sizes(numbers: pd.Series, text: pd.Series) -> pd.Series:
    """``numbers`` (``text`` read as numbers, missing where it is no number) with each size in
    bytes among the rest read as its bytes (``330 kb`` is 337,920, ``48.2 MB`` 50,541,363.2, ``12
    bytes`` 12, sacct's ``2.5G`` 2,684,354,560), and each duration (:data:`DURATION`) as its
    seconds (``00:05:00`` is 300, ``1-02:03:04`` 93,784): only the cells that read as no number
    are looked at.

    Examples
    --------
    >>> text = pd.Series(["330 kb", "48.2 MB", "12", "1GiB", "11 in", None, "7 bytes", "2 PB"])
    >>> with_sizes(pd.to_numeric(text, errors="coerce"), text).tolist()
    [337920.0, 50541363.2, 12.0, 1073741824.0, nan, nan, 7.0, 2251799813685248.0]
    >>> text = pd.Series(["1024K", "2.5G", "5m", "3 M"])
    >>> with_sizes(pd.to_numeric(text, errors="coerce"), text).tolist()
    [1048576.0, 2684354560.0, nan, 3145728.0]
    >>> text = pd.Series(["00:05:00", "1-02:03:04", "168:00:00", "10:05", "12:61:00", "01:02.5"])
    >>> with_sizes(pd.to_numeric(text, errors="coerce"), text).tolist()
    [300.0, 93784.0, 604800.0, nan, nan, 62.5]
    """
    unread = numbers.isna().to_numpy(dtype=bool) & text.notna().to_numpy(dtype=bool)
    if not unread.any():
        return numbers
    cells = text[unread].astype("string")
    parts = cells.str.extract(_SIZE)
    found = parts[0].notna().to_numpy(dtype=bool)
    power = parts[1].fillna(parts[2]).str.lower().map(_SIZE_POWERS).astype("float64")
    read = (parts[0].astype("float64") * 1024.0 ** power).to_numpy(dtype="float64")
    if not found.all() and cells.str.contains(":", regex=False).any():
        clock = cells.str.extract(DURATION).astype("float64")
        seconds = (clock[0].fillna(0) * 86400 + clock[1] * 3600 + clock[2] * 60 + clock[3]).fillna(
            clock[4] * 60 + clock[5]).to_numpy()  # (sacct's TotalCPU under an hour: 00:01.234)
        timed = ~np.isnan(seconds) & ~found
        read = np.where(timed, seconds, read)
        found = found | timed
    if not found.any():
        return numbers
    out = numbers.astype("float64").copy()
    out.iloc[unread.nonzero()[0][found]] = read[found]
    return out


def is_duration(text: str) -> bool:
    """Whether ``text`` is a duration that :func:`with_sizes` reads as its seconds.

    Examples
    --------
    >>> is_duration("1-02:03:04"), is_duration("48.2 MB"), is_duration("10:05"), is_duration("00:01.234")
    (True, False, False, True)
    """
    return re.match(DURATION, text) is not None
