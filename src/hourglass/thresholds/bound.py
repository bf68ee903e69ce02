"""A false-alarm rate bounded with a stated confidence, from held-out normal scores alone.

``Percentile(99)`` flags 1% of normal events *on average*: its cut-off is estimated from a finite
held-out set, so on fresh normal traffic it flags more than 1% about half the time (with 600
held-out scores, 1% ± 0.4%). :class:`FalseAlarmBound` picks the order statistic of the held-out
normal scores that keeps the false-alarm rate at or below ``alpha`` with probability
``confidence``, whatever the score distribution: the rank of a fresh normal score among ``n``
exchangeable held-out ones is uniform, so ``F(s_(k))`` follows a Beta(``k``, ``n + 1 - k``) law and
``P(rate > alpha) = P(Binomial(n, 1 - alpha) >= k)``. It is the split-conformal bound of
distribution-free tolerance limits (Wilks, 1941), as conformal anomaly detection uses it.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from scipy.stats import binom

from hourglass.errors import InputError
from hourglass.thresholds.base import HELD_OUT, Threshold

__all__ = ["FalseAlarmBound", "min_normal_scores"]

#: how to get the held-out scores a bound needs (an ensemble member's error says its own share)
MORE_SCORES_ADVICE = ("more normal training rows or a larger held-out share when training "
                      "(validation_fraction=0.2)")


def min_normal_scores(alpha: float, confidence: float) -> int:
    """How many held-out normal scores bound the false-alarm rate at ``alpha`` with
    ``confidence``: the smallest ``n`` with ``(1 - alpha) ** n <= 1 - confidence`` (then the
    largest score is the cut-off), in the arithmetic of the floats given, as the fit judges it:
    where the decimals typed meet the bound exactly (``fpr:0.7@0.91``: ``0.3 ** 2 == 0.09``), the
    float ``1 - 0.7`` is a hair above ``0.3`` and one score more is asked (3), the count the fit
    then needs, on the safe side of the bound.

    Parameters
    ----------
    alpha
        The false-alarm rate, in (0, 1).
    confidence
        The probability that the bound holds, in (0, 1).

    Returns
    -------
    int
        The fewest held-out normal scores that give the bound.

    Examples
    --------
    >>> min_normal_scores(0.01, 0.95)
    299
    >>> min_normal_scores(0.001, 0.99)
    4603
    >>> min_normal_scores(0.9, 0.9999), min_normal_scores(1e-12, 0.99) > 4.6e12
    (5, True)
    >>> min_normal_scores(0.7, 0.91)
    3
    """
    n = math.ceil(math.log1p(-confidence) / math.log1p(-alpha) - 1e-9)
    # the rank-n cut-off as the fit computes its risk: where the logarithms' slack took a count
    # whose risk is a hair above 1 - confidence (fpr:0.9@0.9999), the fit found no rank
    # (found by doubling, then halving: 1 - alpha rounds, so for a tiny alpha the two counts
    # can be 1e8 apart, hours one by one)
    # (as floats: SciPy cannot round a Python int past 2**63, the count of fpr:1e-30)
    def too_few(m: int) -> bool:
        return bool(binom.sf(float(m - 1), float(m), 1.0 - alpha) > 1.0 - confidence)

    if not too_few(n):
        return n
    low, step = n, 1  # too_few(low); too_few(low + step) is looked at next
    while too_few(low + step):
        low, step = low + step, step * 2
    high = low + step
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if too_few(mid) else (low, mid)
    return high


class FalseAlarmBound(Threshold):
    """Flag at most a share ``alpha`` of normal events, with probability ``confidence``.

    The cut-off is the ``k``-th smallest of the ``n`` held-out normal scores, ``k`` the smallest
    rank with ``P(Binomial(n, 1 - alpha) >= k) <= 1 - confidence``; a score strictly above it is
    flagged. The guarantee holds for any score distribution (ties aside) as long as fresh normal
    rows resemble the held-out ones (exchangeability): it is about the false-alarm rate, not the
    detection rate. The price is a cut-off a little above ``Percentile(100 * (1 - alpha))``: on
    average the rule flags ``expected_rate_`` < ``alpha`` of normal events. Fitting refuses a
    held-out set too small to give the bound (:func:`min_normal_scores`).

    Parameters
    ----------
    alpha
        The false-alarm rate to bound, in (0, 1).
    confidence
        The probability that the bound holds, in (0, 1).

    Examples
    --------
    >>> held_out = np.random.default_rng(0).exponential(size=2000)
    >>> t = FalseAlarmBound(0.01, confidence=0.95).fit(held_out)
    >>> t.k_, round(t.expected_rate_, 4)
    (1988, 0.0065)
    >>> t.describe()
    'false-alarm rate <= 0.01 with 95% confidence (rank 1,988 of 2,000 held-out normal scores)'
    >>> fresh = np.random.default_rng(1).exponential(size=100000)
    >>> float(t.predict(fresh).mean()) <= 0.01
    True
    """

    _params: ClassVar[tuple[str, ...]] = ("alpha", "confidence")

    def __init__(self, alpha: float = 0.01, confidence: float = 0.95) -> None:
        self.alpha = alpha
        self.confidence = confidence

    def _check_params(self) -> None:
        if not 0 < float(self.alpha) < 1:
            raise InputError(f"FalseAlarmBound: alpha (the false-alarm rate) must be in (0, 1), "
                             f"got {self.alpha}", param="alpha")
        if not 0 < float(self.confidence) < 1:
            raise InputError(f"FalseAlarmBound: confidence must be in (0, 1), got {self.confidence}",
                             param="confidence")

    def check_n_scores(self, n: int, on: str | None = None) -> None:
        """Raise :class:`InputError` when ``n`` held-out normal scores cannot give the bound
        (:func:`min_normal_scores`): a detector asks before it trains, not after. ``on`` says
        what the scores are (``None``: held-out normal scores; :data:`TRAINING` when nothing was
        held out), as the message then names them.

        Parameters
        ----------
        n
            The number of scores the rule will be fitted on.
        on
            What the scores are, as :meth:`fit` takes it.

        Raises
        ------
        hourglass.errors.InputError
            When ``n`` is below :func:`min_normal_scores`.

        Examples
        --------
        >>> FalseAlarmBound(0.01).check_n_scores(100)
        Traceback (most recent call last):
        ...
        hourglass.errors.InputError: FalseAlarmBound: 100 held-out normal scores cannot bound ...
        """
        alpha, confidence = float(self.alpha), float(self.confidence)
        need = min_normal_scores(alpha, confidence)
        if n < need:
            what = (f"FalseAlarmBound: {n:,} {on or HELD_OUT} cannot bound the false-alarm rate "
                    f"at {alpha:g} with {100 * confidence:g}% confidence; that needs at least {need:,}")
            # param: the CLI says the option that sets it (--param validation_fraction=0.2)
            exc = InputError(f"{what} ({MORE_SCORES_ADVICE}, a higher rate alpha or a lower "
                             "confidence (fpr:RATE@CONFIDENCE))", param="validation_fraction")
            setattr(exc, "too_few_scores", what)  # noqa: B010 (a warm start gives its own advice)
            raise exc

    def _fit(self, scores: np.ndarray, y: object | None) -> float:
        n, alpha, confidence = scores.size, float(self.alpha), float(self.confidence)
        self.check_n_scores(n, getattr(self, "_fitting_on", None))
        # P(rate > alpha) for the cut-off at rank k, k = 1..n: P(Binomial(n, 1 - alpha) >= k)
        risk = binom.sf(np.arange(n), n, 1.0 - alpha)
        k = int(np.flatnonzero(risk <= 1.0 - confidence)[0]) + 1
        self.k_ = k
        self.expected_rate_ = (n + 1 - k) / (n + 1)  # the mean of the Beta(n + 1 - k, k) rate
        return float(np.partition(scores, k - 1)[k - 1])

    def _extra_state(self) -> dict[str, Any]:
        if not hasattr(self, "k_"):
            return {}
        return {"k": self.k_, "expected_rate": self.expected_rate_}

    def _load_extra_state(self, d: dict[str, Any]) -> None:
        if "k" in d:
            self.k_ = int(d["k"])
            self.expected_rate_ = float(d["expected_rate"])

    def describe(self) -> str:
        text = f"false-alarm rate <= {self.alpha} with {100 * float(self.confidence):g}% confidence"
        if hasattr(self, "k_"):
            text += f" (rank {self.k_:,} of {self.n_fit_:,} {self._fitted_on()})"
        return text
