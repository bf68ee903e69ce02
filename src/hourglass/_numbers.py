"""Numbers read from JSON values: an integer no float holds (400 digits written out, valid JSON)
is the infinity its text reads as in a CSV file, not an ``OverflowError``."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["as_float", "to_numbers", "wide_ints_as_inf"]


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
