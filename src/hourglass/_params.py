"""Generic checks of numeric hyper-parameters shared by detectors and thresholds."""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import math
import numbers
import re
from collections.abc import Collection, Iterator
from typing import Any

import numpy as np

__all__ = ["check_numeric_params", "saved_kinds", "share_count"]


def share_count(frac: float, n: int) -> int:
    """The whole number of ``n`` rows (steps, buckets) a share ``frac`` of them is: the nearest,
    a half to the even one (Python's ``round``) of the product taken to 9 decimals, so that float
    rounding decides nothing: 10% of 215 (``21.500000000000004``) is 22 as 10% of 225 is 22, and
    a share scaled to a longer series (``frac * a / n`` of ``n``) gives the count of its ``a``.
    The one rule of every held-out share (``validation_fraction``: a table's random rows, a
    series' tail; ``--val-fraction``; ``--replay``).

    Examples
    --------
    >>> share_count(0.1, 215), share_count(0.1, 225), share_count(0.1, 25), share_count(0.1, 35)
    (22, 22, 2, 4)
    >>> share_count(0.1 * 225 / 1225, 1225), int(round(0.1 * 225 / 1225 * 1225))
    (22, 23)
    """
    return int(round(round(frac * n, 9)))


_SWITCHES = frozenset({"verbose"})
"""Numeric parameters that are also on/off switches: ``verbose=True`` is 1, as in scikit-learn."""


_SAVED: contextvars.ContextVar[bool | frozenset[str]] = contextvars.ContextVar("hourglass_saved_kinds",
                                                                             default=False)


@contextlib.contextmanager
def saved_kinds(names: Collection[str] | None = None) -> Iterator[None]:
    """Within it, :func:`check_numeric_params` takes the kinds models were trained and saved with
    before a fit refused them, each of which reads as it always did: any integer for a flag
    (``standardize=2``: true), ``None`` for a flag (false) and a flag for a number
    (``lr=true``: 1). Loading checks a saved model's parameters in it: a model trained with
    such a setting scores as it did, and loads as it did. ``names``: only these parameters (a
    warm start's check of its settings: the model's shape as saved, its training settings as
    a fit checks them); all when ``None``. Within another, the parameters of both.

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder
    >>> with saved_kinds():
    ...     check_numeric_params(AutoEncoder(standardize=2, lr=True), refuse_none=True)
    >>> with saved_kinds(["standardize"]):
    ...     check_numeric_params(AutoEncoder(standardize=2, lr=True), refuse_none=True)
    Traceback (most recent call last):
    ...
    ValueError: lr must be a number, got True
    """
    outer = _SAVED.get()
    inner = True if names is None or outer is True else frozenset(names) | (outer or frozenset())
    token = _SAVED.set(inner)
    try:
        yield
    finally:
        _SAVED.reset(token)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _whole(default: object) -> bool:
    """Whether a parameter whose default is ``default`` takes whole numbers only (an integer
    default, not a flag)."""
    return isinstance(default, numbers.Integral) and not isinstance(default, bool)


def _a_number(default: object) -> str:
    """What a parameter whose default is ``default`` takes, as its errors say it: "a whole number"
    where the default is an integer (``epochs``), the words the typed option says it in
    (``--epochs inf``: "'inf' is not a whole number"), else "a number".

    Examples
    --------
    >>> _a_number(10), _a_number(1e-3), _a_number(True)
    ('a whole number', 'a number', 'a number')
    """
    return "a whole number" if _whole(default) else "a number"


def _a_list(default: tuple[Any, ...] | list[Any]) -> str:
    """What a parameter whose default is the list of numbers ``default`` takes, as its errors
    (and the typed option's, ``--hidden``) say it.

    Examples
    --------
    >>> _a_list((128, 64)), _a_list((0.5, 0.1))
    ('a list of whole numbers such as [128, 64]', 'a list of numbers such as [0.5, 0.1]')
    """
    whole = all(map(_whole, default))
    return f"a list of {'whole ' if whole else ''}numbers such as {list(default)}"


def _check_type(name: str, value: object, default: object, prefix: str,
                error: type[Exception], annotation: object = None, saved: bool = False) -> None:
    """Refuse a value whose kind cannot be what the default's kind promises: text where the
    default is a number or a flag (``--param standardize=False`` is the string ``'False'``,
    which Python would take as true), a single number where the default is a tuple of numbers.
    Text is left to the estimator's own check where the annotation admits it
    (``batch_size: int | str = 1024`` takes ``"auto"``)."""
    if value is None or default is None:
        return
    # saved: a saved model's setting, which takes any integer for a flag, a flag for a number
    if isinstance(default, bool) and not (isinstance(value, bool | np.bool_) or (
            isinstance(value, numbers.Integral) and (saved or value in (0, 1)))):
        raise error(f"{prefix}{name} must be true or false, got {value!r}")
    if (isinstance(value, bool | np.bool_) and _is_number(default) and name not in _SWITCHES
            and not saved and "bool" not in re.findall(r"\w+", str(annotation))):
        # True is 1 to Python: --param lr=true trained at a learning rate of 1, patience=true
        # stopped after one epoch without a word
        raise error(f"{prefix}{name} must be {_a_number(default)}, got {value!r}")
    if isinstance(value, str) and "str" in re.findall(r"\w+", str(annotation)):
        return
    if isinstance(value, bool | np.bool_) and name in _SWITCHES:  # verbose=np.True_ as verbose=True
        return
    if _is_number(default) and not isinstance(value, numbers.Real):
        raise error(f"{prefix}{name} must be {_a_number(default)}, got {value!r}")
    if isinstance(default, tuple | list) and default and all(map(_is_number, default)) and (
            not isinstance(value, tuple | list) or not all(map(_is_number, value))):
        raise error(f"{prefix}{name} must be {_a_list(default)}, got {value!r}")


def _check_none(name: str, value: object, param: inspect.Parameter | None, prefix: str,
                error: type[Exception], saved: bool = False) -> None:
    """Refuse ``None`` for a parameter whose default is a number or a tuple of numbers and whose
    annotation does not admit ``None`` (``epochs: int = 10``; ``int()`` would refuse it deep
    inside ``fit``). ``patience: int | None = 5`` takes it; an unannotated parameter is not checked."""
    if value is not None or param is None or param.annotation is inspect.Parameter.empty:
        return
    default, annotation = param.default, param.annotation
    if "None" in str(annotation):
        return
    if isinstance(default, bool) and not saved:  # None was read as false: standardize=None
        # trained on raw inputs (a model saved so still loads: it reads as it did)
        raise error(f"{prefix}{name} must be true or false, got None")
    if _is_number(default):
        raise error(f"{prefix}{name} must be {_a_number(default)}, got None")
    if isinstance(default, tuple | list) and default and all(map(_is_number, default)):
        raise error(f"{prefix}{name} must be {_a_list(default)}, got None")


def _check_number(name: str, value: object, default: object, prefix: str,
                  error: type[Exception]) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return
    wants_int = _whole(default)
    try:
        number = float(value)
    except OverflowError:  # an int past float's range (its digits are not printed)
        raise error(f"{prefix}{name} must be a finite number, got an integer past float's "
                    "range") from None
    # an integer's inf or 2.5 is no whole number, said as the typed option says it (--epochs
    # inf: "'inf' is not a whole number", where --param epochs=inf said "a finite number")
    if not math.isfinite(number):
        raise error(f"{prefix}{name} must be {'a whole' if wants_int else 'a finite'} number, got {value}")
    if wants_int and not number.is_integer():
        raise error(f"{prefix}{name} must be a whole number, got {value}")


_SIGNATURES: dict[Any, tuple[Any, bool]] = {}


def _signature(cls: Any) -> tuple[Any, bool]:
    """``cls.__init__``'s parameters and whether its ``get_params`` takes ``deep``: read once per
    class (``inspect.signature`` was most of the time loading an ensemble spent checking it)."""
    found = _SIGNATURES.get(cls)
    if found is None:
        found = _SIGNATURES[cls] = (inspect.signature(cls.__init__).parameters,
                                    "deep" in inspect.signature(cls.get_params).parameters)
    return found


def check_numeric_params(est: Any, prefix: str = "", error: type[Exception] = ValueError,
                         refuse_none: bool = False) -> None:
    """Raise ``ValueError`` naming the first numeric hyper-parameter that is NaN/inf, that is
    a fractional number where the default is an integer (also inside tuples such as ``hidden``),
    or whose kind does not match its default's: text for a number or a flag, a single number
    for a tuple of numbers.

    ``est`` is anything with ``get_params(deep=False)`` and keyword defaults in ``__init__``
    (detectors, thresholds, preprocessors; a ``get_params()`` without ``deep`` works too);
    ``prefix`` starts the message (e.g. ``"POT: "``); ``error`` is the exception class raised
    (``InputError`` for preprocessing options that come from the command line).
    ``refuse_none``: also refuse ``None`` for a parameter whose default is a number or a tuple of
    numbers unless its annotation admits ``None`` (``epochs=None``; ``patience=None`` is fine).
    Range checks (``lr > 0``, ``dropout`` in [0, 1), ...) stay with each detector; this generic
    pass makes sure none of them is ever handed a NaN, which compares false with everything.
    Within :func:`saved_kinds`, its parameters take the kinds saved models were trained with.

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder
    >>> check_numeric_params(AutoEncoder(lr=float("nan")))
    Traceback (most recent call last):
    ...
    ValueError: lr must be a finite number, got nan
    >>> check_numeric_params(AutoEncoder(epochs=2.5))
    Traceback (most recent call last):
    ...
    ValueError: epochs must be a whole number, got 2.5
    >>> check_numeric_params(AutoEncoder(standardize="False"))
    Traceback (most recent call last):
    ...
    ValueError: standardize must be true or false, got 'False'
    >>> check_numeric_params(AutoEncoder(epochs=None, patience=None), refuse_none=True)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be a whole number, got None
    """
    params, takes_deep = _signature(type(est))
    values = est.get_params(deep=False) if takes_deep else est.get_params()
    kinds = _SAVED.get()
    for name, value in values.items():
        default = params[name].default if name in params else None
        lenient = kinds is True or (isinstance(kinds, frozenset) and name in kinds)
        _check_type(name, value, default, prefix, error,
                    params[name].annotation if name in params else None, lenient)
        if refuse_none:
            _check_none(name, value, params.get(name), prefix, error, lenient)
        if isinstance(value, tuple | list):
            inner = default[0] if isinstance(default, tuple | list) and default else None
            try:
                for item in value:
                    _check_number(name, item, inner if inner is not None else item, prefix, error)
            except error:
                if not isinstance(default, tuple | list) or not _is_number(inner):
                    raise
                # the list said whole, as --hidden 4,2.5 says it (not 'must be a whole number, got 2.5')
                raise error(f"{prefix}{name} must be {_a_list(default)}, got {list(value)}") from None
        else:
            _check_number(name, value, default, prefix, error)
