"""Threshold objects: fitted on scores of held-out normal data, never on training scores."""

from __future__ import annotations

import logging
import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar, Self

import numpy as np

from hourglass._arrays import from_torch
from hourglass._numbers import read_number, read_whole
from hourglass._params import check_numeric_params, saved_kinds
from hourglass.errors import InputError, NotFittedError

__all__ = ["HELD_OUT", "TRAINING", "Contamination", "Fixed", "Percentile", "Threshold", "real_scores",
           "threshold_from_dict", "threshold_from_spec"]

#: What a threshold was fitted on (``Threshold.fitted_on_``), in the words ``describe`` uses.
HELD_OUT = "held-out normal scores"
#: ... when the detector held nothing out (``validation_fraction=0`` or under 10 rows): the
#: scores of the rows it was trained on, which sit lower than those of unseen normal rows.
TRAINING = "training scores (no held-out rows)"

logger = logging.getLogger(__name__)

#: What the warning of a percentile fitted on few scores advises, in a Python user's words; the
#: warning's log record carries it as ``advice``, so the CLI says it with its options (``--param
#: validation_fraction``), and a warm start and a benchmark as they can act on it.
FEW_SCORES_ADVICE = ("more normal data, or a larger held-out share when training (the detector's "
                     "validation_fraction=...)")

_THRESHOLDS: dict[str, type[Threshold]] = {}


def _holds_complex(a: np.ndarray) -> bool:
    """Whether the object array ``a`` holds a complex number (a Python or numpy complex scalar,
    or an array of complex numbers); one look at the set of its element types, not per element."""
    types = set(map(type, a.flat))
    if any(issubclass(t, complex | np.complexfloating) for t in types):
        return True
    # the arrays' dtypes collected once (np.iscomplexobj per element was 2x slower than the cast)
    return (any(issubclass(t, np.ndarray) for t in types)
            and any(dtype.kind == "c" for dtype in {v.dtype for v in a.flat if isinstance(v, np.ndarray)}))


def real_scores(scores: object, who: str, expected: str = "scores must be") -> np.ndarray:
    """``scores`` as a float64 array (shape kept; a float64 array is returned as is), or an
    :class:`~hourglass.errors.InputError` ``"{who}: {expected} ..."`` when they are not real
    numbers: complex numbers (a cast would keep their real parts alone, 1+1j as 1, with only a
    ComplexWarning), text, nested lists of uneven length, integers past float's range.

    Examples
    --------
    >>> real_scores([1, 2.5], "Percentile").tolist()
    [1.0, 2.5]
    >>> real_scores([0.5, 1 + 1j], "Percentile")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: Percentile: scores must be real numbers, found complex numbers
    """
    if type(scores) is np.ndarray and scores.dtype == np.float64:
        return scores  # the usual case (a batch of a detector's scores): nothing to check
    if scores is None:  # numpy reads it as one NaN: predict(None) gave 0, calibrate(None) [nan]
        raise InputError(f"{who}: {expected} numbers, got None")
    scores = from_torch(scores, who)  # a tensor that requires grad: torch's RuntimeError
    if isinstance(scores, np.ma.MaskedArray) and np.ma.getmaskarray(scores).any():
        # numpy reads a masked array as its data: the masked scores were used as the values
        # under the mask, without a word
        raise InputError(f"{who}: {expected} numbers, found masked values; drop them first "
                         "(s.compressed())")
    try:
        a = np.asarray(scores)
        kind = a.dtype.kind
        # Python objects: numpy's complex scalars, and arrays of complex numbers, among them cast
        # with a warning alone
        if kind == "c" or (kind == "O" and _holds_complex(a)):
            s = None
        else:  # text and objects cast as given, for numpy's own words on a value it cannot read
            s = a.astype(np.float64, copy=False) if kind in "biuf" else np.asarray(scores, dtype=np.float64)
    except OverflowError:
        raise InputError(f"{who}: {expected} numbers (an integer past float's range)") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"{who}: {expected} numbers ({exc})") from None
    if s is None:
        raise InputError(f"{who}: {expected} real numbers, found complex numbers")
    return s


class Threshold(ABC):
    """Base class: ``fit(scores)`` learns a cut-off ``value_``; ``predict(scores)`` gives 0/1.

    Subclasses list their constructor arguments in ``_params`` and implement :meth:`_fit`;
    a subclass is known to :func:`threshold_from_dict` (so saved models) by its class name.

    Examples
    --------
    >>> import numpy as np
    >>> class MeanPlusKSigma(Threshold):
    ...     _params = ("k",)
    ...     def __init__(self, k=3.0):
    ...         self.k = k
    ...     def _fit(self, scores, y):
    ...         return scores.mean() + self.k * scores.std()
    >>> t = MeanPlusKSigma(k=2).fit([1.0, 2.0, 3.0])
    >>> round(t.value_, 3), t.predict([2.5, 4.0]).tolist()
    (3.633, [0, 1])
    >>> threshold_from_dict(t.to_dict()).value_ == t.value_
    True
    """

    _params: ClassVar[tuple[str, ...]] = ()
    #: True for rules fitted on labelled validation scores (normal and anomalous rows).
    requires_labels: ClassVar[bool] = False
    value_: float

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _THRESHOLDS[cls.__name__] = cls

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments as given (``deep`` is accepted for scikit-learn's ``clone``).

        Parameters
        ----------
        deep
            Ignored (a rule holds no nested estimators); accepted for scikit-learn's ``clone``.

        Returns
        -------
        dict
            Each name in ``_params`` with the value the constructor was given.

        Examples
        --------
        >>> Percentile(99.5).get_params()
        {'q': 99.5}
        """
        return {p: getattr(self, p) for p in self._params}

    def fit(self, scores: object, y: object | None = None, *, on: str | None = None,
            steps: int | None = None) -> Self:
        """Learn the cut-off from ``scores`` (held-out, normal unless ``y`` says otherwise).

        With labels ``y`` (1 = anomaly), rules that do not use labels are fitted on the normal
        rows only; rules with ``requires_labels`` (best F1) use both classes. ``on`` says what
        the scores are (e.g. :data:`TRAINING`): kept as ``fitted_on_`` and named by
        :meth:`describe`; ``None`` means the held-out normal scores the rule is meant for.

        Parameters
        ----------
        scores
            Finite real scores (any shape; flattened).
        y
            Optional 0/1 labels, one per score (1 = anomaly).
        on
            What the scores are (e.g. :data:`TRAINING`); ``None``: held-out normal scores.
        steps
            The held-out steps the scores come from, where they give fewer scores (a
            forecaster's held-out tail: its first ``window`` steps have no forecast of their
            own): a warning of too few scores then says the steps to hold out too.

        Returns
        -------
        Threshold
            ``self``, with ``value_``, ``n_fit_`` and ``fitted_on_`` set.

        Raises
        ------
        hourglass.errors.InputError
            No scores, NaN or inf, non-numeric scores, a wrong parameter, labels of another
            length or without a normal row, or no labels for a rule that ``requires_labels``.

        Examples
        --------
        >>> Percentile(99).fit(range(100), on=TRAINING).describe()
        'percentile 99 of training scores (no held-out rows)'
        >>> Percentile(99).fit(range(24), steps=40).n_fit_  # warns: 211 or more held-out steps
        24
        """
        name = type(self).__name__
        s = real_scores(scores, name).ravel()
        if s.size == 0:
            raise InputError(f"{name}: no scores to fit the threshold on")
        if not np.isfinite(s).all():
            raise InputError(f"{name}: scores contain NaN or inf")
        self.check_params()
        labels = None
        if y is not None:
            from hourglass.features.validation import check_labels  # pandas: only with labels

            y = from_torch(y, name)
            # (a masked array stays one: a masked label is refused as missing, not read as 0 or 1)
            labels = (y if isinstance(y, np.ma.MaskedArray) else np.asarray(y)).ravel()
            if labels.size != s.size:
                raise InputError(f"{name}: {labels.size} labels for {s.size} scores")
            try:  # as a detector's fit reads them ('1' and booleans too; a missing one by row)
                labels = check_labels(labels, s.size)
            except InputError as exc:  # (a pandas NA in an object array: a TypeError from isin)
                raise InputError(f"{name}: {exc}") from None
            if not (labels == 0).any():
                raise InputError(f"{name}: the validation set has no normal rows; the threshold "
                                 "needs normal scores to fit on")
            if not self.requires_labels:
                s, labels = s[labels == 0], None
        elif self.requires_labels:
            raise InputError(f"{name} needs a labelled validation set (scores and 0/1 labels with "
                             "both classes); fit it with fit(scores, y)")
        # what the scores are, for a message of _fit (check_n_scores); their steps, for _check_size
        self._fitting_on, self._fitting_steps = on, steps
        try:
            self.value_ = float(self._fit(s, labels))
            self.n_fit_ = int(s.size)
            self.fitted_on_ = on
            self._check_size()
        finally:
            del self._fitting_on, self._fitting_steps
        return self

    def check_params(self) -> None:
        """Check the rule's parameters now (``fit`` does it too; a detector's ``fit`` before
        training): :class:`~hourglass.errors.InputError` naming the first wrong one (NaN,
        ``None`` where a number is meant, out of range).

        Raises
        ------
        hourglass.errors.InputError
            Naming the first wrong parameter.

        Examples
        --------
        >>> Percentile(150).check_params()
        Traceback (most recent call last):
        ...
        hourglass.errors.InputError: Percentile: q must be in (0, 100), got 150
        """
        check_numeric_params(self, prefix=f"{type(self).__name__}: ", error=InputError, refuse_none=True)
        self._check_params()

    def check_n_scores(self, n: int, on: str | None = None) -> None:
        """Raise ``InputError`` when ``n`` scores are too few to fit this rule at all (a
        detector's ``fit`` asks before training, once it knows how many it will hold out);
        ``on`` says what the scores are, as :meth:`fit` takes it (``None``: held-out normal
        scores).

        Parameters
        ----------
        n
            The number of scores the rule will be fitted on.
        on
            What the scores are, as :meth:`fit` takes it.

        Raises
        ------
        hourglass.errors.InputError
            When ``n`` scores cannot fit this rule (the base class accepts any ``n``).

        Examples
        --------
        >>> Percentile(99).check_n_scores(5)  # a percentile fits on any number of scores
        """

    def _check_size(self) -> None:
        """After a fit: log a warning when ``n_fit_`` scores are too few for the rule."""

    def _check_params(self) -> None:
        """Validate constructor arguments (called at fit)."""

    @abstractmethod
    def _fit(self, scores: np.ndarray, y: object | None) -> float:
        """Return the threshold value for ``scores``."""

    def predict(self, scores: object) -> np.ndarray:
        """1 where the score is strictly above the threshold, else 0.

        Parameters
        ----------
        scores
            Real scores (any shape; the shape is kept).

        Returns
        -------
        numpy.ndarray
            ``int8`` array of 0/1 flags, the shape of ``scores``.

        Raises
        ------
        hourglass.errors.NotFittedError
            Before :meth:`fit`.
        hourglass.errors.InputError
            When the scores are not real numbers.

        Examples
        --------
        >>> Fixed(1.0).fit([0.0]).predict([0.5, 1.0, 1.5]).tolist()
        [0, 0, 1]
        """
        if not hasattr(self, "value_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit(scores) first")
        return (real_scores(scores, type(self).__name__) > self.value_).astype(np.int8)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON state (class, params, fitted value).

        Returns
        -------
        dict
            ``class`` and ``params``; once fitted also ``value``, ``n_fit`` (and ``fitted_on``
            when said), plus any state of the rule's own; :func:`threshold_from_dict` reads it.

        Examples
        --------
        >>> Percentile(90).fit(range(11)).to_dict()
        {'class': 'Percentile', 'params': {'q': 90}, 'value': 9.0, 'n_fit': 11}
        """
        # numpy scalars as Python numbers (DSPOT(depth=np.int64(20)) from a grid: a model with
        # it failed to save, json has no int64)
        d: dict[str, Any] = {"class": type(self).__name__,
                             "params": {k: plain(v) for k, v in self.get_params().items()}}
        if hasattr(self, "value_"):
            d["value"] = self.value_
            d["n_fit"] = self.n_fit_
            if getattr(self, "fitted_on_", None) is not None:
                d["fitted_on"] = self.fitted_on_
        d.update(self._extra_state())
        return d

    def _extra_state(self) -> dict[str, Any]:
        return {}

    def _load_extra_state(self, d: dict[str, Any]) -> None:
        """Restore what :meth:`_extra_state` saved."""

    def describe(self) -> str:
        """One-line human description, e.g. ``percentile 99.5 of held-out normal scores``: it
        names the scores the threshold was fitted on when they were not held-out normal ones.

        Returns
        -------
        str
            The description (also the rule's ``repr``).

        Examples
        --------
        >>> Percentile(99.5).describe()
        'percentile 99.5 of held-out normal scores'
        """
        return (f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in self.get_params().items())})"
                f"{self._fitted_on_note()}")

    def _fitted_on(self, default: str = HELD_OUT) -> str:
        """The scores this threshold was fitted on (``default`` when not said)."""
        return getattr(self, "fitted_on_", None) or default

    def _fitted_on_counted(self) -> str:
        """:meth:`_fitted_on` for a count of :attr:`n_fit_` before it: "score" for one (the
        warning said "of 1 causal held-out normal scores")."""
        on = self._fitted_on()
        return on.replace("scores", "score", 1) if getattr(self, "n_fit_", None) == 1 else on

    def _fitted_on_note(self) -> str:
        """``", fitted on ..."`` for describe texts that do not name their scores, when the
        scores were not the held-out normal ones."""
        on = getattr(self, "fitted_on_", None)
        return f", fitted on {on}" if on not in (None, HELD_OUT) else ""

    def __repr__(self) -> str:
        return self.describe()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


def plain(value: Any) -> Any:
    """``value`` with a numpy scalar as the Python number it holds (JSON has no ``int64``).

    Examples
    --------
    >>> plain(np.int64(20)), plain(np.float32(0.5)), plain("day")
    (20, 0.5, 'day')
    """
    return value.item() if isinstance(value, np.generic) else value


def share_count(share: float, n: int) -> int:
    """``floor(share * n)``, the number of scores a share of ``n`` takes, exactly, of the share
    as written (its shortest decimal): ``0.29 * 100`` is ``28.999999999999996`` in floats, so a
    plain floor took 28; a share just below a whole count keeps that count below.

    Examples
    --------
    >>> share_count(0.29, 100), share_count(0.0012, 10_000), share_count(0.5, 3)
    (29, 12, 1)
    >>> share_count(0.4999999999, 2), share_count(0.3, 3_333_333_333)
    (0, 999999999)
    """
    return int(Decimal(repr(float(share))) * int(n) // 1)


def quantile(scores: np.ndarray, q: float | np.ndarray, *, percent: bool = False) -> Any:
    """``np.quantile(scores, q)`` (``np.percentile`` with ``percent``) of finite ``scores``,
    without overflowing: numpy interpolates with the difference of two neighbouring scores,
    which is no float when they lie more than the largest float apart (``-1e308`` and ``1e308``)
    and made the cut-off ``-inf`` (every score flagged). Such quantiles are taken of the halved
    scores and doubled (exact: halving and doubling move only the exponent).

    Examples
    --------
    >>> float(quantile(np.array([-1e308, 1e308]), 0.99))
    9.8e+307
    >>> float(quantile(np.arange(101.0), 99, percent=True))
    99.0
    """
    take = np.percentile if percent else np.quantile
    with np.errstate(over="ignore", invalid="ignore"):
        value = take(scores, q)
    bad = ~np.isfinite(value)
    if bad.any() and np.isfinite(scores).all():
        halved = take(scores * 0.5, q) * 2.0
        value = np.where(bad, halved, value) if np.ndim(value) else halved
    return value


def cut_between(lo: float, hi: float) -> float:
    """A cut-off that keeps ``lo`` and flags ``hi`` ("flag if score > cut", ``lo < hi``): their
    midpoint, or the float just below ``hi`` where the midpoint rounds up to ``hi`` (scores one
    float apart) or is no finite number; equal values give ``hi`` (a tie cannot be split).

    Examples
    --------
    >>> cut_between(1.0, 2.0), cut_between(1.0, 1.0)
    (1.5, 1.0)
    >>> b = float(np.nextafter(1.0, 0.0))
    >>> cut_between(b, 1.0) == b
    True
    """
    lo, hi = float(lo), float(hi)
    if not lo < hi:
        return hi
    mid = lo / 2 + hi / 2  # = (lo + hi) / 2, without overflowing near the largest float
    if not (math.isfinite(mid) and lo <= mid < hi):
        mid = max(lo, float(np.nextafter(hi, -np.inf)))
    return mid


def threshold_from_dict(d: dict[str, Any], *, fitted: bool = False) -> Threshold:
    """Rebuild a threshold saved with :meth:`Threshold.to_dict`.

    Parameters
    ----------
    d
        The saved state, as :meth:`Threshold.to_dict` wrote it.
    fitted
        The state must hold a fitted value (a fitted detector's threshold): one without it is
        refused here, not at the first score or alert.

    Returns
    -------
    Threshold
        The rule, fitted when ``d`` holds a value.

    Raises
    ------
    hourglass.errors.InputError
        An unknown class, a wrong saved parameter, a saved value that is no number or NaN, or
        (``fitted``) no saved value.

    Examples
    --------
    >>> t = Percentile(90).fit(range(100))
    >>> threshold_from_dict(t.to_dict()).value_ == t.value_
    True
    """
    name = d.get("class")
    if name not in _THRESHOLDS:
        raise InputError(f"unknown threshold class {name!r}; known: {sorted(_THRESHOLDS)}")
    t = _THRESHOLDS[name](**d.get("params", {}))
    with saved_kinds():  # the kinds its fit took when it was saved (min_tail=True: 1) still load
        t.check_params()  # as its fit checked them: a saved q=150 or q="x" failed only on a refit
    if "value" in d:
        value = d["value"]
        # text or true read as a cut-off ("4.1", 1.0) and flagged by it, with no word
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InputError(f"{name} threshold: the saved value must be a number, got "
                             f"{type(value).__name__} {value!r}")
        t.value_ = float(value)
        if np.isnan(t.value_):  # every comparison with NaN is False: nothing would ever be flagged
            raise InputError(f"{name} threshold: the saved value is NaN")
        t.n_fit_ = int(d.get("n_fit", 0))
        t.fitted_on_ = d.get("fitted_on")  # absent in artefacts saved before it was recorded
    elif fitted:  # loaded, then 'is not fitted' at the first score, a traceback from stream or serve
        raise InputError(f"{name} threshold: no saved value, though the model was fitted")
    t._load_extra_state(d)
    return t


class Percentile(Threshold):
    """Threshold at the ``q``-th percentile of held-out normal scores.

    ``Percentile(99.5)`` flags about 0.5 % of normal traffic. The percentile is numpy's default
    (linear): between the two scores at ranks around ``q/100 · (n - 1)``, as ``np.percentile``.

    Parameters
    ----------
    q
        The percentile, in (0, 100).

    Examples
    --------
    >>> t = Percentile(99).fit(range(101))
    >>> t.value_
    99.0
    >>> t.predict([50, 100]).tolist()
    [0, 1]
    """

    _params = ("q",)

    def __init__(self, q: float = 99.0) -> None:
        self.q = q

    def _check_params(self) -> None:
        if not 0 < float(self.q) < 100:
            raise InputError(f"Percentile: q must be in (0, 100), got {self.q}", param="q")

    def _fit(self, scores: np.ndarray, y: object | None) -> float:
        return float(quantile(scores, float(self.q), percent=True))

    def expected_rate(self, n: int) -> float:
        """The mean share of fresh normal scores above the ``q``-th percentile of ``n``
        held-out ones: a fresh score's rank among ``n + 1`` exchangeable scores is uniform, so
        the cut-off at (0-based) position ``q/100 · (n - 1)`` leaves ``(n - pos) / (n + 1)`` above
        it on average. Near ``1 - q/100`` for large ``n``; more for small ``n``.

        Parameters
        ----------
        n
            The number of held-out scores the rule is fitted on.

        Returns
        -------
        float
            The expected share of fresh normal scores flagged.

        Examples
        --------
        >>> round(Percentile(99).expected_rate(30), 4), round(Percentile(99).expected_rate(100_000), 4)
        (0.0416, 0.01)
        """
        pos = float(self.q) / 100.0 * (n - 1)
        return (n - pos) / (n + 1)

    def _scores_needed(self) -> int:
        """The fewest held-out scores whose percentile flags at most 1.5 times ``1 - q/100`` on
        average (:meth:`expected_rate`): ``n >= 2 / (1 - q/100) - 5``, reckoned exactly with ``q``
        as written (in floats ``1 - q/100`` rounds, and the warning of :meth:`fit` fired on the very
        count it advised for a 95th percentile, and advised 1,996 for the 99.9th where 1,995 do).

        Returns
        -------
        int
            The count; fewer scores make :meth:`fit` warn.

        Examples
        --------
        >>> [Percentile(q)._scores_needed() for q in (99, 99.9, 95)]
        [195, 1995, 35]
        """
        target = 1 - Fraction(repr(float(self.q))) / 100
        return max(math.ceil(2 / target - 5), 1)

    def _check_size(self) -> None:
        need = self._scores_needed()
        if self.n_fit_ < need:  # 195 scores for a 99th percentile
            rate, target = self.expected_rate(self.n_fit_), 1.0 - float(self.q) / 100.0
            steps = getattr(self, "_fitting_steps", None) or 0
            skipped = steps - self.n_fit_  # the held-out steps that give no score (fit's steps)
            in_steps = (f", from {need + skipped:,} or more held-out steps here (the first {skipped:,} "
                        f"of the {steps:,} held out give no score)" if skipped > 0 else "")
            logger.warning("percentile %g of %s %s: expect about %.1f%% of normal data (rows, "
                           "sessions, windows) to score above it, not %.3g%% (%s or more scores "
                           "bring it within 1.5x%s: %s)",  # counts as the CLI's tables write them
                           float(self.q), f"{self.n_fit_:,}", self._fitted_on_counted(), 100 * rate,
                           100 * target, f"{need:,}", in_steps, FEW_SCORES_ADVICE,
                           extra={"advice": FEW_SCORES_ADVICE})

    def describe(self) -> str:
        return f"percentile {self.q} of {self._fitted_on()}"


class Contamination(Threshold):
    """Threshold that flags the fraction ``c`` of the scores it is fitted on.

    Use it when the fitting scores are known to hold about ``c`` anomalies. It flags
    ``floor(c n)`` of ``n`` scores, fewer where scores tie at the cut (a tie is not split: the
    tied scores are all kept). Fitted on ``n`` held-out normal scores, it flags more than ``c``
    of fresh normal ones where ``n`` is small: about ``(k + 1/2) / (n + 1)`` on average for ``k``
    of ``n`` flagged, 1.5% for ``c = 0.01`` of 100 (a little less where the scores' tail thins
    out; see
    :func:`~hourglass.thresholds.expected_alert_rate`).

    Parameters
    ----------
    c
        The share of the fitting scores to flag, in (0, 0.5).

    Examples
    --------
    >>> int(Contamination(0.1).fit(range(100)).predict(range(100)).sum())
    10
    """

    _params = ("c",)

    def __init__(self, c: float = 0.01) -> None:
        self.c = c

    def _check_params(self) -> None:
        if not 0 < float(self.c) < 0.5:
            raise InputError(f"Contamination: c must be in (0, 0.5), got {self.c}", param="c")

    def _fit(self, scores: np.ndarray, y: object | None) -> float:
        k = share_count(float(self.c), scores.size)
        ordered = np.sort(scores)
        if k <= 0:
            return float(ordered[-1])
        # halfway between the last kept and the first flagged score
        return cut_between(ordered[-k - 1], ordered[-k])

    def describe(self) -> str:
        return f"contamination {self.c} (flags that share of the {self._fitted_on('fitting scores')})"


class Fixed(Threshold):
    """A cut-off given up front (e.g. DeepLog's top-g rank); ``fit`` only records the scores seen.

    Parameters
    ----------
    value
        The cut-off (finite); scores strictly above it are flagged.

    Examples
    --------
    >>> Fixed(9).fit([1.0, 12.0]).predict([8.5, 9.2]).tolist()
    [0, 1]
    """

    _params = ("value",)

    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def _check_params(self) -> None:
        if not math.isfinite(float(self.value)):
            raise InputError(f"Fixed: value must be a finite number, got {self.value}", param="value")

    def _fit(self, scores: np.ndarray, y: object | None) -> float:
        return float(self.value)

    def describe(self) -> str:
        return f"fixed at {self.value}"


def threshold_from_spec(spec: str, *, events_per_day: float | None = None,
                        name: str = "threshold") -> Threshold:
    """Parse a spec (a CLI's ``--threshold``, :meth:`Pipeline.with_threshold`'s string) into a
    threshold rule.

    ``percentile:99.5``, ``fpr:0.01`` (false-alarm rate at most 0.01 with 95% confidence;
    ``fpr:0.01@0.99`` for 99%), ``contamination:0.01``, ``pot:1e-4`` (risk q), ``spot:1e-4``,
    ``dspot:1e-4`` (or ``dspot:1e-4/20``: a moving-average depth of 20), ``budget:50/day``
    (needs ``events_per_day``), ``budget:5/10k``,
    ``best-f1`` or ``best-fbeta:0.5`` (labelled validation set), ``fixed:3.5`` (a given
    cut-off). A name without a value takes the rule's default (``percentile`` is 99); ``fixed``
    has none.

    Parameters
    ----------
    spec
        The rule, ``NAME`` or ``NAME:VALUE`` as above.
    events_per_day
        Scored events per day, for ``budget:N/day`` (may be given later, at fit).
    name
        What an error message calls the spec: the Python argument (``threshold: unknown rule
        'p150'``, ``threshold='fixed': ...``), or the option that gave it (the CLI passes
        ``"--threshold"``: ``--threshold: unknown rule``, ``--threshold fixed: ...``).

    Returns
    -------
    Threshold
        The rule, unfitted.

    Raises
    ------
    hourglass.errors.InputError
        An unknown rule, a value that is no number, or a parameter out of range.
    TypeError
        When ``spec`` is not a string.

    Examples
    --------
    >>> threshold_from_spec("percentile:99.5")
    percentile 99.5 of held-out normal scores
    >>> threshold_from_spec("percentile")
    percentile 99.0 of held-out normal scores
    >>> threshold_from_spec("fixed:3.5")
    fixed at 3.5
    >>> threshold_from_spec("budget:5/10k")
    alert budget 5 per 10k on normal traffic
    >>> threshold_from_spec("dspot:1e-3/20").depth
    20
    >>> threshold_from_spec("fpr:0.001@0.99")
    false-alarm rate <= 0.001 with 99% confidence
    >>> threshold_from_spec("fixed")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: threshold='fixed': a fixed cut-off needs its value, e.g. fixed:3.5
    >>> threshold_from_spec("fixed", name="--threshold")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: --threshold fixed: a fixed cut-off needs its value, e.g. fixed:3.5
    """
    from hourglass.thresholds.bound import FalseAlarmBound
    from hourglass.thresholds.budget import AlertBudget
    from hourglass.thresholds.pot import DSPOT, POT, SPOT
    from hourglass.thresholds.supervised import BestF1, BestFBeta

    if not isinstance(spec, str):
        raise TypeError(f"threshold spec: expected a string such as 'percentile:99', got "
                        f"{type(spec).__name__}")
    typed = f"{name} {spec.strip()}" if name.startswith("-") else f"{name}={spec.strip()!r}"
    kind, _, arg = spec.partition(":")
    kind = kind.strip().lower().replace("_", "-")
    # constructors: each rule takes its own arguments
    makers: dict[str, Callable[..., Threshold]] = {
        "percentile": Percentile, "contamination": Contamination, "pot": POT, "spot": SPOT,
        "dspot": DSPOT, "budget": AlertBudget, "best-f1": BestF1, "best-fbeta": BestFBeta,
        "fixed": Fixed, "fpr": FalseAlarmBound}
    if kind not in makers:
        raise InputError(f"{name}: unknown rule {kind!r}; use percentile:Q, fpr:RATE[@CONFIDENCE], "
                         "contamination:C, pot:Q, spot:Q, dspot:Q[/DEPTH], budget:N/day, budget:N/10k, "
                         "best-f1, best-fbeta:BETA or fixed:VALUE")
    arg = arg.strip()
    if kind == "fpr" and "@" in arg:  # fpr:RATE@CONFIDENCE
        rate_text, _, conf_text = arg.partition("@")
        try:
            rate, conf = _number(rate_text), _number(conf_text)
        except ValueError:
            raise InputError(f"{name}: expected fpr:RATE@CONFIDENCE with two numbers, e.g. "
                             f"fpr:0.01@0.95, got {spec!r}") from None
        return _checked(FalseAlarmBound(rate, confidence=conf), typed)
    if kind == "best-f1":
        if arg:
            raise InputError(f"{name}: best-f1 takes no value (got {spec!r})")
        return BestF1()
    if kind == "budget":
        count, sep, per = arg.partition("/")
        if not sep or not count:
            raise InputError(f"{name}: expected budget:N/day or budget:N/10k, got {spec!r}")
        try:
            n = _number(count)
        except ValueError:
            raise InputError(f"{name}: {count!r} is not a number (in {spec!r})") from None
        t = AlertBudget(n, per=per.strip().lower(), events_per_day=events_per_day)
        if t.per in ("day", "d") and events_per_day is None:
            t.per = "day"  # the rate may come later (from a timestamp column); checked at fit
            if not n > 0:
                raise InputError(f"{typed}: AlertBudget: the budget must be > 0 alerts, "
                                 f"got {count}")
            return t
        return _checked(t, typed)
    if not arg:
        if kind == "fixed":  # its default cut-off, 0, would flag every score
            raise InputError(f"{typed}: a fixed cut-off needs its value, e.g. "
                             "fixed:3.5")
        return makers[kind]()
    depth = None
    if kind == "dspot" and "/" in arg:  # dspot:Q/DEPTH
        arg, _, depth_text = arg.partition("/")
        depth = read_whole(depth_text)
        if depth is None:
            raise InputError(f"{name}: DSPOT's depth {depth_text!r} is not a whole number "
                             f"(in {spec!r}; expected dspot:Q/DEPTH)")
    try:
        value = _number(arg)
    except ValueError:
        raise InputError(f"{name}: {arg!r} is not a number (in {spec!r})") from None
    if depth is not None:
        return _checked(makers[kind](value, depth=depth), typed)
    return _checked(makers[kind](value), typed)


def _number(text: str) -> float:
    """A rule's number, read as the CLI's options read one
    (:func:`~hourglass._numbers.read_number`: ``percentile:９９`` in full-width digits was taken
    where ``--events-per-day ９９`` is refused); ``ValueError`` where ``text`` is none."""
    number = read_number(text)
    if number is None:
        raise ValueError(text)
    return float(number)


def _checked(t: Threshold, typed: str) -> Threshold:
    """``t`` once its parameters pass; else the error, naming the spec as ``typed``
    (``--threshold fpr:2`` or ``threshold='fpr:2'``)."""
    try:
        t._check_params()
    except InputError as exc:
        raise InputError(f"{typed}: {exc}") from None
    return t
