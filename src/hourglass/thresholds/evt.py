"""Extreme-value theory for score tails: a Generalised Pareto fit to peaks over a threshold.

Pickands–Balkema–de Haan: excesses ``Y = X - t`` of a high initial threshold ``t`` follow a
Generalised Pareto distribution (GPD) with shape ``gamma`` and scale ``sigma``. The fit is the
maximum-likelihood one, found with Grimshaw's reduction to a one-dimensional root search (as in
SPOT, Siffer et al., KDD 2017); scipy's ``genpareto.fit`` is tried as well and the candidate
with the highest likelihood wins.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from hourglass._columns import counted
from hourglass._logs import quiet_warnings
from hourglass.errors import HourglassWarning
from hourglass.thresholds.base import quantile

__all__ = ["GPDFit", "fit_gpd", "gpd_log_likelihood", "tail_quantile", "too_many_above"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GPDFit:
    """A fitted tail: initial threshold ``t``, GPD ``gamma`` (shape) and ``sigma`` (scale),
    ``n_peaks`` excesses among ``n`` scores.

    Parameters
    ----------
    t
        The initial threshold: the excesses are the scores above it, minus it.
    gamma, sigma
        The generalised Pareto shape and scale fitted to those excesses.
    n_peaks, n
        How many scores exceeded ``t``, among how many: the tail share is ``n_peaks / n``.

    Examples
    --------
    >>> fit = GPDFit(t=1.0, gamma=0.0, sigma=1.0, n_peaks=100, n=1000)
    >>> round(fit.quantile(0.01), 4)          # exceeded by 1% of scores: t + sigma * log(10)
    3.3026
    >>> fit.survival(np.array([1.0, 3.302585093]))  # tail share 0.1, then 0.01 there
    array([0.1 , 0.01])
    >>> GPDFit(**fit.to_dict()) == fit
    True
    """

    t: float
    gamma: float
    sigma: float
    n_peaks: int
    n: int

    def quantile(self, q: float) -> float:
        """Score exceeded with probability ``q`` (``q`` below the tail share ``n_peaks / n``).

        Examples
        --------
        >>> GPDFit(t=1.0, gamma=0.0, sigma=1.0, n_peaks=100, n=1000).quantile(0.01) > 1.0
        True
        """
        r = q * self.n / self.n_peaks
        if abs(self.gamma) < 1e-9:
            return self.t - self.sigma * math.log(r)
        try:
            grow = r ** (-self.gamma) - 1.0
            z = self.t + self.sigma / self.gamma * grow
            if not math.isfinite(z):  # sigma / gamma past the largest float (scores near 1e307;
                # inf * 0, NaN, when r ** -gamma rounds to 1)
                z = self.t + self.sigma * (grow / self.gamma)
            return z
        except OverflowError:  # a tail too heavy to extrapolate that far: beyond every float
            return math.inf

    def survival(self, x: np.ndarray) -> np.ndarray:
        """P(score > x) for ``x >= t`` (tail share times the GPD survival function).

        Examples
        --------
        >>> GPDFit(t=1.0, gamma=0.5, sigma=1.0, n_peaks=10, n=100).survival(np.array([1.0, 3.0]))
        array([0.1  , 0.025])
        """
        share = self.n_peaks / self.n
        # a score near the largest float: its excess (or times gamma) overflows to inf, whose
        # survival is 0, the limit (it was an 'overflow encountered' RuntimeWarning); the
        # expression is otherwise left as it is, (gamma * y) / sigma: regrouped, the last bit of
        # a probability would change and a saved model would calibrate differently
        with np.errstate(over="ignore"):
            y = np.maximum(np.asarray(x, dtype=np.float64) - self.t, 0.0)
            if abs(self.gamma) < 1e-9:
                return share * np.exp(-y / self.sigma)
            base = np.maximum(1.0 + self.gamma * y / self.sigma, 0.0)
        with np.errstate(divide="ignore"):
            return share * np.where(base > 0, base ** (-1.0 / self.gamma), 0.0)

    def to_dict(self) -> dict[str, float | int]:
        """The five fields by name (as a saved threshold stores them).

        Examples
        --------
        >>> GPDFit(t=1.0, gamma=0.0, sigma=2.0, n_peaks=5, n=50).to_dict()
        {'t': 1.0, 'gamma': 0.0, 'sigma': 2.0, 'n_peaks': 5, 'n': 50}
        """
        return {"t": self.t, "gamma": self.gamma, "sigma": self.sigma, "n_peaks": self.n_peaks,
                "n": self.n}


def gpd_log_likelihood(y: np.ndarray, gamma: float, sigma: float) -> float:
    """Log-likelihood of excesses ``y`` under a GPD (``-inf`` outside the support). At shape
    -1 the GPD is the uniform law on ``[0, sigma]``, its end point included.

    Examples
    --------
    >>> y = np.array([0.2, 0.5, 1.0])
    >>> round(gpd_log_likelihood(y, -1.0, 2.0), 4), gpd_log_likelihood(y, -1.0, 0.9)
    (-2.0794, -inf)
    """
    if sigma <= 0:
        return -math.inf
    n = y.size
    if gamma == -1.0:  # uniform on [0, sigma] (the formula's 0 * log(0) at the end point)
        return -n * math.log(sigma) if float(y.max(initial=0.0)) <= sigma else -math.inf
    if abs(gamma) < 1e-9:
        return -n * math.log(sigma) - float(y.sum()) / sigma
    z = 1.0 + gamma * (y / sigma)  # y / sigma first: gamma * y overflowed for excesses near 1e306
    if np.any(z <= 0):
        return -math.inf
    return -n * math.log(sigma) - (1.0 + 1.0 / gamma) * float(np.log(z).sum())


def _roots(y: np.ndarray, bounds: tuple[float, float], n_grid: int = 256) -> np.ndarray:
    """Zeros of Grimshaw's w(x) = u(x) v(x) - 1 on ``bounds``: sign changes on a grid (dense
    near both ends, where the roots tend to be), each refined with Brent's method."""
    lo, hi = bounds
    if not lo < hi:
        return np.empty(0)
    frac = np.unique(np.r_[np.geomspace(1e-9, 0.5, n_grid // 2), 1 - np.geomspace(1e-9, 0.5, n_grid // 2)])
    x = lo + (hi - lo) * frac

    def w(v: np.ndarray) -> np.ndarray:
        s = 1.0 + np.outer(np.atleast_1d(v), y)
        return (1.0 + np.log(s).mean(axis=1)) * (1.0 / s).mean(axis=1) - 1.0

    with np.errstate(all="ignore"):
        wx = w(x)
        ok = np.isfinite(wx)
        x, wx = x[ok], wx[ok]
        change = np.flatnonzero(np.sign(wx[:-1]) * np.sign(wx[1:]) < 0)
        roots = [optimize.brentq(lambda v: float(w(v)[0]), x[i], x[i + 1], xtol=1e-12)
                 for i in change]
    return np.asarray(roots, dtype=np.float64)


def _grimshaw(y: np.ndarray, eps: float = 1e-8) -> list[tuple[float, float]]:
    """Candidate (gamma, sigma) from Grimshaw's trick: roots of u(x) v(x) = 1 (Siffer 2017)."""
    ym, yM, ymean = float(y.min()), float(y.max()), float(y.mean())
    a = -1.0 / yM
    if abs(a) < 2 * eps:
        eps = abs(a) / 10
    left = _roots(y, (a + 2 * eps, -eps))
    if ym > 0:
        # divided step by step: ym ** 2 raised OverflowError for excesses above 1e154 (and
        # ZeroDivisionError below 1e-162, where it is 0.0)
        right = _roots(y, (2 * (ymean - ym) / ymean / ym, 2 * (ymean - ym) / ym / ym))
    else:
        right = np.empty(0)
    out = []
    for x in np.concatenate([left, right]):
        if x == 0:
            continue
        s = 1.0 + x * y
        if np.any(s <= 0):
            continue
        gamma = float(np.log(s).mean())
        out.append((gamma, gamma / x))
    return out


def fit_gpd(excesses: np.ndarray, *, use_scipy: bool = True, boundary: bool = True
            ) -> tuple[float, float]:
    """Maximum-likelihood GPD ``(gamma, sigma)`` for positive ``excesses``.

    Candidates: the exponential (gamma = 0), Grimshaw's roots and (``use_scipy``) scipy's
    ``genpareto.fit``; the one with the highest likelihood is returned, unless the boundary of
    Grimshaw's search (gamma = -1 with sigma the largest excess: a uniform tail, as bounded scores
    have, whose likelihood no root reaches; left out with ``boundary=False``) beats it by more
    than 2 log-likelihood units (on 10-20 peaks of ordinary unbounded scores its likelihood,
    ``-n log(max)``, often beat the exponential's by a little and put the threshold just below
    the largest training score). Shapes below -1 are left
    out: there the likelihood grows without bound as the end point nears the largest excess, and
    its maximum says nothing about the tail (scipy returns such fits for uniform-like tails).

    Examples
    --------
    >>> y = np.random.default_rng(0).exponential(2.0, 2000)
    >>> gamma, sigma = fit_gpd(y)
    >>> abs(gamma) < 0.1, abs(sigma - 2.0) < 0.2
    (True, True)
    """
    y = np.asarray(excesses, dtype=np.float64)
    y = y[y > 0]
    if y.size < 2:
        raise ValueError("fit_gpd needs at least 2 positive excesses")
    if not np.isfinite(y).all():
        # an infinite excess (finite scores whose difference overflows): no fit, a sigma of inf,
        # and tail_quantile's "too heavy" fallback follows
        return 0.0, math.inf
    with np.errstate(over="ignore"):
        total = float(y.sum())
    if not math.isfinite(total):
        # excesses summing past the largest float (scores near 1e307): their mean was inf, every
        # candidate's likelihood -inf and the fit useless. The GPD is scale-equivariant: fit the
        # excesses over a power of 2 (exact; 2**1023 at most, 2**1024 overflows) and scale sigma
        # back
        scale = math.ldexp(1.0, min(math.frexp(float(y.max()))[1], 1023))
        gamma, sigma = fit_gpd(y / scale, use_scipy=use_scipy, boundary=boundary)
        return gamma, sigma * scale
    cands = [(0.0, float(y.mean()))] + ([(-1.0, float(y.max()))] if boundary else [])
    cands += _grimshaw(y)
    with quiet_warnings(), np.errstate(all="ignore"):
        try:
            if not use_scipy:
                raise RuntimeError("skipped")
            c, _, scale = stats.genpareto.fit(y, floc=0)
            cands.append((float(c), float(scale)))
        except (RuntimeError, ValueError, FloatingPointError):
            logger.debug("scipy genpareto.fit failed; using Grimshaw candidates only")
    inner = [gs for gs in cands if gs[0] > -1.0]
    best = max(inner, key=lambda gs: gpd_log_likelihood(y, *gs))
    if boundary and (gpd_log_likelihood(y, -1.0, float(y.max()))
                     > gpd_log_likelihood(y, *best) + 2.0):
        best = (-1.0, float(y.max()))
    return float(best[0]), float(best[1])


def too_many_above(above: int, n: int, q: float) -> bool:
    """Whether ``above`` of ``n`` normal scores over a cut are more than a risk ``q`` makes
    plausible (binomial p-value under 1e-6): a GPD fit piled up on tied or capped top scores.

    Examples
    --------
    >>> too_many_above(49, 5000, 1e-4), too_many_above(1, 5000, 1e-4)
    (True, False)
    """
    return above > q * n and float(stats.binom.sf(above - 1, n, q)) < 1e-6


def tail_quantile(scores: np.ndarray, q: float, level: float = 0.98,
                  min_peaks: int = 10, *, quiet: bool = False, rule: str = "POT"
                  ) -> tuple[float, GPDFit | None]:
    """Score exceeded with probability ``q`` by a normal score, from a POT fit of the tail.

    ``level`` sets the initial threshold (its empirical quantile); the excesses above it are
    fitted with a GPD. When ``q`` is not in the tail (``q >= 1 - level``) the empirical
    quantile is returned. A warning is given and the empirical quantile returned instead of an
    unusable fit: fewer than ``min_peaks`` excesses; a tail too heavy to extrapolate to ``q``
    (the quantile overflows); or a fitted threshold below far more of ``scores`` than ``q``
    allows (binomial p-value under 1e-6: tied or capped top scores, on which the GPD piles up
    just below the largest value). The fit is ``None`` then. The empirical quantile is
    numpy's linear one: for ``q < 1/n``, between the two largest scores. ``quiet`` turns the
    warning into a debug message (for callers whose fallback is routine); ``rule`` names the
    threshold rule in it (``SPOT``, ``DSPOT``).

    Examples
    --------
    >>> s = np.random.default_rng(0).exponential(size=10_000)
    >>> z, fit = tail_quantile(s, 1e-4)
    >>> round(z, 1), fit.n_peaks      # true Exp(1) quantile: -log(1e-4) = 9.2
    (8.9, 200)
    """
    s = np.sort(np.asarray(scores, dtype=np.float64).ravel())
    n = s.size
    if q >= 1.0 - level:
        return float(quantile(s, 1.0 - q)), None

    def empirical(why: str) -> tuple[float, None]:
        if quiet:
            logger.debug("%s: %s; empirical quantile used", rule, why)
        else:  # one warning (the CLI prints it as one line; a log record beside it said it twice)
            warnings.warn(f"{rule}: {why}; used the empirical quantile instead of a GPD tail fit",
                          HourglassWarning, stacklevel=4)
        return float(quantile(s, 1.0 - q)), None

    t = float(quantile(s, level))
    with np.errstate(over="ignore"):  # scores ±1e308 apart: an inf excess, a "too heavy" tail below
        peaks = s[s > t] - t
    if peaks.size < min_peaks:
        return empirical(f"only {counted(peaks.size, 'peak')} above the {level:.4g} quantile of {n} scores "
                         f"(need {min_peaks})")
    gamma, sigma = fit_gpd(peaks)
    fit = GPDFit(t=t, gamma=gamma, sigma=sigma, n_peaks=int(peaks.size), n=int(n))
    z = fit.quantile(q)
    if not math.isfinite(z):
        return empirical(f"the GPD tail fitted to {peaks.size} peaks (shape {gamma:.3g}) is too heavy "
                         f"to extrapolate to risk {q:g}")
    # tied or capped top scores (many normal rows at one largest value) are no GPD tail: the fit
    # piles up at that value and puts the threshold just below it, flagging every tied score
    above = int(n - np.searchsorted(s, z, side="right"))
    if too_many_above(above, n, q):
        return empirical(f"the GPD tail fitted to {peaks.size} peaks puts the threshold at {z:.6g}, "
                         f"below {above} of the {n} scores it was fitted on (about {q * n:.2g} "
                         f"expected at risk {q:g}: tied or capped top scores?)")
    return z, fit


def fit_gpd_truncated(excesses: np.ndarray, limits: np.ndarray) -> tuple[float, float]:
    """GPD maximum likelihood for excesses each observed only below its own ``limits`` value.

    A streaming threshold never learns from its alarms, so every peak it keeps was seen under
    "excess < current threshold - t". Ignoring that cut biases the shape towards a short tail
    and the threshold creeps down; conditioning each peak's likelihood on its cut removes the
    bias. ``limits`` may be ``inf`` (uncut peaks, e.g. the initial held-out ones).
    """
    y = np.asarray(excesses, dtype=np.float64)
    c = np.asarray(limits, dtype=np.float64)
    cut = np.isfinite(c)
    if not cut.any():
        return fit_gpd(y, use_scipy=False)
    # started inside, not at the boundary gamma = -1: there the cut peaks' likelihood is flat in
    # sigma, the end point stayed at the largest peak and a uniform stream was flagged 1.3x q
    g0, s0 = fit_gpd(y, use_scipy=False, boundary=False)

    def nll(theta: np.ndarray) -> float:
        gamma, sigma = float(theta[0]), float(np.exp(theta[1]))
        ll = gpd_log_likelihood(y, gamma, sigma)
        if not np.isfinite(ll):
            return 1e300
        cc = c[cut]
        if abs(gamma) < 1e-9:
            cdf = 1.0 - np.exp(-cc / sigma)
        else:
            base = np.maximum(1.0 + gamma * cc / sigma, 0.0)
            with np.errstate(divide="ignore"):
                cdf = 1.0 - np.where(base > 0, base ** (-1.0 / gamma), 0.0)
        if np.any(cdf <= 0):
            return 1e300
        return -(ll - float(np.log(cdf).sum()))

    with quiet_warnings(), np.errstate(all="ignore"):
        res = optimize.minimize(nll, np.array([g0, math.log(s0)]), method="Nelder-Mead",
                                options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 400})
    if not res.success and res.fun >= nll(np.array([g0, math.log(s0)])):
        return g0, s0
    return float(res.x[0]), float(math.exp(res.x[1]))
