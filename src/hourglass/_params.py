"""Generic checks of numeric hyper-parameters shared by detectors and thresholds."""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import math
import numbers
import re
from collections.abc import Collection, Iterator
from typing import Any, Self

import numpy as np

from hourglass._limits import WHOLE_TOP, too_large
from hourglass.errors import InputError

__all__ = ["SIZE_TOP", "ParamsClone", "check_numeric_params", "check_value", "saved_kinds", "share_count"]

#: The largest count a parameter that sizes a buffer (``SPOT(max_peaks)``, ``Calibrator(n_knots)``,
#: ``AlertRateMonitor(window)``) takes: the most float64 values a NumPy array can hold (a size
#: past it was Python's ``OverflowError`` or NumPy's "Maximum allowed size exceeded").
SIZE_TOP: int = int(np.iinfo(np.intp).max) // 8


class ParamsClone:
    """scikit-learn's ``clone`` (and ``get_params(deep=...)``, ``set_params``, its tags and an
    estimator's repr) for a class whose ``get_params``
    gives its constructor arguments JSON-ready, as a saved model keeps them (a tuple as a list,
    ``np.int64(20)`` as ``20``): clone's own check, that the new object holds the very objects
    it was given, refuses such copies, so the clone is the class built from them, unfitted, as
    loading a saved model builds it (the preprocessors, the log parser).

    Examples
    --------
    >>> from sklearn.base import clone
    >>> class Scale(ParamsClone):
    ...     def __init__(self, cols=("a",)):
    ...         self.cols = cols
    ...     def get_params(self, deep=True):
    ...         return {"cols": list(self.cols)}
    >>> clone(Scale(cols=("x", "y"))).get_params()
    {'cols': ['x', 'y']}
    """

    def get_params(self, deep: bool = True) -> dict[str, Any]:  # (each class gives its own)
        raise NotImplementedError

    def set_params(self, **params: Any) -> Self:
        """Set constructor arguments by name (scikit-learn's ``set_params``: what a scikit-learn
        pipeline's ``make_pipeline(...).set_params(tabularpreprocessor__scaler="robust")`` and
        ``GridSearchCV`` call). A fitted object whose settings change forgets its fit, made under
        the old ones, as if built anew with the new ones: fit it again (used before, it says it
        is not fitted); the same settings keep it. A name ``get_params`` does not list is an
        ``InputError`` naming the parameters taken.

        Parameters
        ----------
        **params
            New values of constructor arguments, by name.

        Returns
        -------
        Self
            ``self``.

        Examples
        --------
        >>> from hourglass.features import TabularPreprocessor
        >>> TabularPreprocessor().set_params(scaler="robust", max_corr=None).get_params()["scaler"]
        'robust'
        """
        own = self.get_params()
        unknown = [k for k in params if k not in own]
        if unknown:
            raise InputError(f"{type(self).__name__} has no parameter {unknown[0]!r}; it takes "
                             f"{', '.join(own)}", param=unknown[0])
        changed = [k for k, v in params.items() if not _same_value(getattr(self, k, None), v)]
        for name, value in params.items():
            setattr(self, name, value)
        settings = {k: getattr(self, k) for k in inspect.signature(type(self)).parameters
                    if k in self.__dict__}
        if changed and set(self.__dict__) - set(settings):
            # a fit (or what it compiled and cached: a parser's header and masks) made under the
            # old settings, which its later use mixed with the new ones ("KeyError: 'month'" of
            # a raw parser set to syslog; other sessions of the templates learnt): forgotten
            self.__dict__.clear()
            type(self).__init__(self, **settings)
        return self

    def __sklearn_clone__(self) -> Any:
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        # as scikit-learn shows an estimator (a notebook's cell, a scikit-learn pipeline's repr):
        # the class and the arguments that are not its defaults, where Python's default said
        # '<...TabularPreprocessor object at 0x7f...>' and no setting
        params = self.get_params()
        given = {k: params[k] for k, p in inspect.signature(type(self)).parameters.items()
                 if k in params and p.default is inspect.Parameter.empty}
        defaults = type(self)(**given).get_params()
        shown = [f"{k}={v!r}" for k, v in params.items()
                 if k in given or k not in defaults or defaults[k] != v]
        return f"{type(self).__name__}({', '.join(shown)})"

    def __sklearn_tags__(self) -> Any:
        # scikit-learn's check_is_fitted and its Pipeline (get_tags of each step) ask every
        # estimator for its tags; imported here, so that the log parser's users pay for
        # scikit-learn only when they call it
        from sklearn.utils import Tags, TargetTags, TransformerTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags())


def _same_value(a: object, b: object) -> bool:
    """Whether setting ``b`` where ``a`` is set changes nothing (one object, or equal values of
    one type; an array, whose ``==`` is no truth value, is a change unless the same object)."""
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except (TypeError, ValueError):
        return False


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
    hourglass.errors.InputError: lr must be a number, got True
    """
    outer = _SAVED.get()
    inner = True if names is None or outer is True else frozenset(names) | (outer or frozenset())
    token = _SAVED.set(inner)
    try:
        yield
    finally:
        _SAVED.reset(token)


def _refused(error: type[Exception], name: str, message: str) -> Exception:
    """``error(message)``, naming the parameter ``name`` as its ``param`` where ``error`` is an
    :class:`~hourglass.errors.InputError` (the command line then names the option typed)."""
    return error(message, param=name) if issubclass(error, InputError) else error(message)


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
    (``batch_size: int | str = 1024`` takes ``"auto"``). Where the annotation admits ``None``
    (``ema_decay: float | None``, ``patience: int | None``) the message says so: "must be a
    number" alone was wrong where ``None`` is also taken.

    Examples
    --------
    >>> _check_type("ema_decay", "none", 0.99, "", ValueError, "float | None")
    Traceback (most recent call last):
    ...
    ValueError: ema_decay must be a number or None, got 'none'
    """
    if value is None or default is None:
        return
    words = re.findall(r"\w+", str(annotation))
    none = " or None" if "None" in words or "Optional" in words else ""
    # saved: a saved model's setting, which takes any integer for a flag, a flag for a number
    if isinstance(default, bool) and not (isinstance(value, bool | np.bool_) or (
            isinstance(value, numbers.Integral) and (saved or value in (0, 1)))):
        raise _refused(error, name, f"{prefix}{name} must be true or false, got {value!r}")
    if (isinstance(value, bool | np.bool_) and _is_number(default) and name not in _SWITCHES
            and not saved and "bool" not in words):
        # True is 1 to Python: --param lr=true trained at a learning rate of 1, patience=true
        # stopped after one epoch without a word
        raise _refused(error, name, f"{prefix}{name} must be {_a_number(default)}{none}, got {value!r}")
    if isinstance(value, str) and "str" in words:
        return
    if isinstance(value, bool | np.bool_) and name in _SWITCHES:  # verbose=np.True_ as verbose=True
        return
    if _is_number(default) and not isinstance(value, numbers.Real):
        raise _refused(error, name, f"{prefix}{name} must be {_a_number(default)}{none}, got {value!r}")
    if isinstance(default, tuple | list) and default and all(map(_is_number, default)) and (
            not isinstance(value, tuple | list) or not all(map(_is_number, value))):
        raise _refused(error, name, f"{prefix}{name} must be {_a_list(default)}{none}, got {value!r}")


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
        raise _refused(error, name, f"{prefix}{name} must be true or false, got None")
    if _is_number(default):
        raise _refused(error, name, f"{prefix}{name} must be {_a_number(default)}, got None")
    if isinstance(default, tuple | list) and default and all(map(_is_number, default)):
        raise _refused(error, name, f"{prefix}{name} must be {_a_list(default)}, got None")


def _check_number(name: str, value: object, default: object, prefix: str,
                  error: type[Exception]) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return
    wants_int = _whole(default)
    try:
        number = float(value)
    except OverflowError:  # an int past float's range (its digits are not printed)
        raise _refused(error, name, f"{prefix}{name} must be a finite number, got an integer past "
                       "float's range") from None
    # an integer's inf or 2.5 is no whole number, said as the typed option says it (--epochs
    # inf: "'inf' is not a whole number", where --param epochs=inf said "a finite number")
    if not math.isfinite(number):
        raise _refused(error, name, f"{prefix}{name} must be {'a whole' if wants_int else 'a finite'} "
                       f"number, got {value}")
    if wants_int and not number.is_integer():
        raise _refused(error, name, f"{prefix}{name} must be a whole number, got {value}")


#: Parameters that take a seed, to 2**64-1 (numpy's and torch's): no C long bounds them
_SEEDS = frozenset({"seed", "random_state"})


def _check_whole_top(name: str, value: object, default: object, prefix: str,
                     error: type[Exception], annotation: object = None) -> None:
    """Refuse a whole number past what a C long holds (:data:`~hourglass._limits.WHOLE_TOP`)
    for a parameter whose default is an integer or whose annotation takes one and no float
    (``batch_size: int | str = "auto"``, ``patience: int | None``), as the command line refuses
    it (``--epochs 1e30``, ``--param epochs=1e30``): ``AutoEncoder(epochs=10**30)`` trained on
    until early stopping ended it.

    Examples
    --------
    >>> _check_whole_top("epochs", 10**30, 10, "", ValueError)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be at most 2**63-1 (9223372036854775807), got 1e+30
    >>> _check_whole_top("epochs", 2**63 - 1, 10, "", ValueError)
    """
    words = set(re.findall(r"\w+", str(annotation))) if annotation is not None else set()
    takes_int = _whole(default) or ("int" in words and "float" not in words)
    if (name in _SEEDS or not takes_int or isinstance(value, bool | np.bool_)
            or not isinstance(value, numbers.Integral)):
        return
    whole = int(value)
    if too_large(whole) is not None:
        bound = f"at most 2**63-1 ({WHOLE_TOP})" if whole > 0 else f"at least -2**63 ({-WHOLE_TOP - 1})"
        # (in full where its digits tell it from the bound: 2**63, not 9.22e+18; 1e+30, not 31 digits)
        shown = str(whole) if len(str(abs(whole))) <= 20 else f"{float(whole):.3g}"
        raise _refused(error, name, f"{prefix}{name} must be {bound}, got {shown}")


def _kind_of(param: inspect.Parameter) -> object:
    """The default whose kind a parameter's values are checked against: its own, or where that
    is ``None`` and the annotation admits a float besides (``ema_decay: float | None = None``),
    a float: text or a list there was ``float()``'s bare "could not convert string to float" or
    a ``TypeError``.

    Examples
    --------
    >>> import inspect
    >>> def f(a: "float | None" = None, b: "Threshold | None" = None, c: int = 3): ...
    >>> [_kind_of(p) for p in inspect.signature(f).parameters.values()]
    [0.0, None, 3]
    """
    if param.default is not None or param.annotation is inspect.Parameter.empty:
        return param.default
    words = set(re.findall(r"\w+", str(param.annotation))) - {"None", "Optional"}
    # (an integer's None, an Ensemble's epochs, has its own check, which says None too)
    return 0.0 if words == {"float"} else None


def _takes_names(param: inspect.Parameter | None) -> bool:
    """Whether ``param`` takes a list of names (``columns: Sequence[str] | None``, an Ensemble's
    ``detectors``, a tuple of names by default), not numbers: its NaN is no number to be made
    finite (``columns=nan`` was "must be a finite number"); the estimator's own check says a
    list of names is wanted.

    Examples
    --------
    >>> import inspect
    >>> def f(a: "Sequence[str] | None" = None, b=("x", "y"), c: "int | str" = 3, d=(1, 2)): ...
    >>> [_takes_names(p) for p in inspect.signature(f).parameters.values()]
    [True, True, False, False]
    """
    if param is None:
        return False
    default = param.default
    if isinstance(default, tuple | list) and default and all(isinstance(v, str) for v in default):
        return True
    words = set(re.findall(r"\w+", str(param.annotation)))
    return bool(words & {"Sequence", "list", "tuple"}) and "str" in words and not words & {"int", "float"}


_SIGNATURES: dict[Any, tuple[Any, bool]] = {}


def _signature(cls: Any) -> tuple[Any, bool]:
    """``cls.__init__``'s parameters and whether its ``get_params`` takes ``deep``: read once per
    class (``inspect.signature`` was most of the time loading an ensemble spent checking it)."""
    found = _SIGNATURES.get(cls)
    if found is None:
        get_params = getattr(cls, "get_params", None)  # (none: its attributes are read)
        found = _SIGNATURES[cls] = (inspect.signature(cls.__init__).parameters, get_params is not None
                                    and "deep" in inspect.signature(get_params).parameters)
    return found


def check_value(name: str, value: object, default: object, prefix: str = "",
                optional: bool = False, top: int | None = None) -> None:
    """Check one ``value`` of a parameter ``name`` as :func:`check_numeric_params` checks an
    estimator's, against the kind of ``default`` (a number: an ``int`` for a whole number; a
    flag: ``True``/``False``, 0 or 1), for a constructor or method that converts its values at
    once (``int(window)`` took 2.5 as 2 and ``True`` as 1, ``float("x")`` said nothing of the
    parameter, ``bool("no")`` is true). ``optional``: ``None`` is taken. ``top``: the largest
    value taken (:data:`SIZE_TOP` for a size). Raises :class:`~hourglass.errors.InputError`
    naming it (also as ``param``).

    Examples
    --------
    >>> check_value("window", 2.5, 1000, prefix="AlertRateMonitor: ")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: AlertRateMonitor: window must be a whole number, got 2.5
    >>> check_value("n_ref", None, 0, optional=True)
    >>> check_value("max_peaks", 10**30, 5000, prefix="SPOT: ", top=SIZE_TOP)
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: SPOT: max_peaks must be at most 1,152,921,504,606,846,975, got 1e+30
    """
    if value is None and not optional:
        what = "true or false" if isinstance(default, bool) else _a_number(default)
        raise InputError(f"{prefix}{name} must be {what}, got None", param=name)
    _check_type(name, value, default, prefix, InputError)
    _check_number(name, value, default, prefix, InputError)
    if top is not None and _is_number(value) and value > top:  # type: ignore[operator]
        # (its digits past 17 are no help: 1e+30, not 31 of them; they may be thousands)
        shown = value if float(value) <= 1e17 else f"{float(value):.3g}"  # type: ignore[arg-type]
        raise InputError(f"{prefix}{name} must be at most {top:,}, got {shown}", param=name)


def _handed_in(est: Any, params: Any, takes_deep: bool) -> dict[str, Any]:
    """``est``'s parameters as they were handed in: its attributes of their names where it has
    them all (a preprocessor's ``get_params`` gives them as it saves them, ``bool(missing_mask)``,
    ``list(columns)``: ``missing_mask="no"`` was taken as true and ``columns=5`` was a
    ``TypeError``), else what ``get_params`` gives."""
    own = vars(est)
    names = [n for n, p in params.items() if n != "self"
             and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    if names and all(n in own for n in names):
        return {n: own[n] for n in names}
    return dict(est.get_params(deep=False) if takes_deep else est.get_params())


def check_numeric_params(est: Any, prefix: str = "", error: type[Exception] = InputError,
                         refuse_none: bool = False) -> None:
    """Raise :class:`~hourglass.errors.InputError` (a ``ValueError``) naming the first numeric
    hyper-parameter (also as its ``param``) that is NaN/inf, that is
    a fractional number where the default is an integer (also inside tuples such as ``hidden``),
    or whose kind does not match its default's: text for a number or a flag, a single number
    for a tuple of numbers.

    ``est`` is anything with keyword defaults in ``__init__`` and attributes of the same names,
    or a ``get_params(deep=False)`` (detectors, thresholds, preprocessors; a ``get_params()``
    without ``deep`` works too);
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
    hourglass.errors.InputError: lr must be a finite number, got nan
    >>> check_numeric_params(AutoEncoder(epochs=2.5))
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: epochs must be a whole number, got 2.5
    >>> check_numeric_params(AutoEncoder(standardize="False"))
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: standardize must be true or false, got 'False'
    >>> check_numeric_params(AutoEncoder(epochs=None, patience=None), refuse_none=True)
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: epochs must be a whole number, got None
    """
    params, takes_deep = _signature(type(est))
    values = _handed_in(est, params, takes_deep)
    kinds = _SAVED.get()
    # (a size with a lower bound of its own, SPOT's max_peaks: its check says that bound)
    own_top = getattr(est, "_own_top", ())
    for name, value in values.items():
        default = _kind_of(params[name]) if name in params else None
        lenient = kinds is True or (isinstance(kinds, frozenset) and name in kinds)
        _check_type(name, value, default, prefix, error,
                    params[name].annotation if name in params else None, lenient)
        if refuse_none:
            _check_none(name, value, params.get(name), prefix, error, lenient)
        if _takes_names(params.get(name)):
            continue
        if isinstance(value, tuple | list):
            inner = default[0] if isinstance(default, tuple | list) and default else None
            try:
                for item in value:
                    _check_number(name, item, inner if inner is not None else item, prefix, error)
            except error:
                if not isinstance(default, tuple | list) or not _is_number(inner):
                    raise
                # the list said whole, as --hidden 4,2.5 says it (not 'must be a whole number, got 2.5')
                raise _refused(error, name,
                               f"{prefix}{name} must be {_a_list(default)}, got {list(value)}") from None
        else:
            _check_number(name, value, default, prefix, error)
            if not lenient and name not in own_top:  # (a saved model's setting loads as it did)
                _check_whole_top(name, value, default, prefix, error,
                                 params[name].annotation if name in params else None)
