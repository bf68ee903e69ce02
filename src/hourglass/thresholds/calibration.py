"""Calibrated scores: raw score → 0–1 anomaly probability and a severity, from normal scores.

The probability of a score is the share of held-out normal scores below it (so 0.999 means
"higher than 99.9 % of normal traffic"); a value many normal scores share (a tie spanning
quantile knots) gets the share strictly below it, just above it the share at or below it;
a score within a few float32 roundings of such a value is that value (the same row scored in
another batch differs in its last bits, and would otherwise read the share at the tie in one
batch and the share below it in another).
Above the ``level`` quantile the empirical share is replaced by a POT fit (GPD tail), which
keeps the map smooth and resolves probabilities far beyond ``1 - 1/n``. Where that fit is not
possible (a small held-out set has too few peaks), scores above the largest normal one get an
exponential tail: the rarity left above that score (``0.5 / n``) shrinks by
``exp(-excess / sigma)``, ``sigma`` being the mean excess of the top fifth of the normal scores
over their 80th percentile. A score far beyond everything normal is then
rare, not merely "above the 1 - 1/n share". The map is monotone, so ranking is unchanged, and
the same probability means the same rarity for every model and every retrain.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Self

import numpy as np

from hourglass._params import SIZE_TOP, check_numeric_params, check_value
from hourglass.errors import InputError, NotFittedError
from hourglass.thresholds.base import plain, quantile, real_scores
from hourglass.thresholds.evt import GPDFit, tail_quantile

__all__ = ["FLOAT32_ROUNDING", "SEVERITIES", "Calibrator"]

SEVERITIES = ("low", "medium", "high", "critical")

#: Relative distance within which two scores are one score: a few float32 roundings, what the
#: same row scored in batches of other sizes differs by (the matrix kernels take a batch's rows
#: in groups, so a row's last bits follow its batch).
FLOAT32_ROUNDING = 8 * float(np.finfo(np.float32).eps)


def _onto_ties(s: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``s`` with each score within :data:`FLOAT32_ROUNDING` of one of the sorted ``values``
    replaced by that value (the nearest), the others as they are."""
    i = np.clip(np.searchsorted(values, s), 1, max(values.size - 1, 1))
    lo, hi = values[i - 1], values[np.minimum(i, values.size - 1)]
    with np.errstate(invalid="ignore"):
        near = np.where(np.abs(s - lo) <= np.abs(s - hi), lo, hi)
        # (a NaN or infinite score stays itself: inf is within any share of inf)
        on = np.isfinite(s) & (np.abs(s - near) <= FLOAT32_ROUNDING * np.abs(s))
    return np.where(on, near, s)


class Calibrator:
    """Monotone map from raw score to anomaly probability, fitted on held-out normal scores.

    Parameters
    ----------
    level
        Quantile above which the GPD tail replaces the empirical distribution.
    n_knots
        Quantile knots kept for the body of the distribution (bounded artefact size).
    severity_cuts
        Exceedance probabilities ``1 - p`` that separate low | medium | high | critical
        (default 1e-2, 1e-3, 1e-4: a "critical" score is rarer than 1 in 10,000 normal events).

    Examples
    --------
    >>> s = np.random.default_rng(0).exponential(size=5000)
    >>> cal = Calibrator().fit(s)
    >>> p = cal.transform([0.0, 1.0, 20.0])
    >>> bool(p[0] < p[1] < p[2] <= 1.0), cal.severity([0.5, 20.0]).tolist()
    (True, ['low', 'critical'])
    """

    #: sized by it, with a lower bound of its own (SIZE_TOP) that its check says
    _own_top: tuple[str, ...] = ("n_knots",)

    def __init__(self, level: float = 0.98, n_knots: int = 257,
                 severity_cuts: tuple[float, float, float] = (1e-2, 1e-3, 1e-4)) -> None:
        self.level = level
        self.n_knots = n_knots
        self.severity_cuts = severity_cuts

    def fit(self, scores: object) -> Self:
        """Fit on held-out normal scores.

        Parameters
        ----------
        scores
            Finite held-out normal scores (flattened).

        Returns
        -------
        Calibrator
            ``self``, fitted.

        Raises
        ------
        hourglass.errors.InputError
            No scores, NaN or inf, or a wrong ``level``, ``n_knots`` or ``severity_cuts``.

        Examples
        --------
        >>> cal = Calibrator(n_knots=5).fit([0.0, 1.0, 2.0, 3.0, 4.0])
        >>> cal.n_fit_, cal.knots_.tolist()
        (5, [0.0, 1.0, 2.0, 3.0, 4.0])
        """
        s = real_scores(scores, "Calibrator").ravel()
        if s.size == 0 or not np.isfinite(s).all():
            raise InputError("Calibrator: needs finite held-out normal scores (got none, or NaN/inf)")
        for name in ("level", "n_knots", "severity_cuts"):
            if getattr(self, name) is None:
                raise InputError(f"Calibrator: {name} must be given, got None", param=name)
        # the kinds: text, a list or a flag was float()'s bare "could not convert string to
        # float: 'x'" or a TypeError
        check_numeric_params(self, prefix="Calibrator: ")
        if not 0 < float(self.level) < 1:
            raise InputError(f"Calibrator: level must be in (0, 1), got {self.level}", param="level")
        # the knots' grid is sized by it: n_knots=10**30 was NumPy's "Maximum allowed size exceeded"
        check_value("n_knots", self.n_knots, 257, prefix="Calibrator: ", top=SIZE_TOP)
        if not (float(self.n_knots).is_integer() and int(self.n_knots) >= 2):
            raise InputError(f"Calibrator: n_knots must be an integer >= 2, got {self.n_knots}",
                             param="n_knots")
        cuts = tuple(float(c) for c in self.severity_cuts)
        if len(cuts) != 3 or not 1 > cuts[0] > cuts[1] > cuts[2] > 0:
            raise InputError(f"Calibrator: severity_cuts must be 3 decreasing values in (0, 1), got {cuts}",
                             param="severity_cuts")
        self.n_fit_ = int(s.size)
        probs = np.linspace(0.0, 1.0, int(self.n_knots))
        xs = quantile(s, probs)
        xs_u, inv = np.unique(xs, return_inverse=True)
        ps_u = np.zeros(xs_u.size)
        np.maximum.at(ps_u, inv, probs)
        self.knots_ = xs_u
        # never 1.0: the largest normal score seen is not a certain anomaly (continuous at max)
        self.knot_probs_ = ps_u * (1.0 - 0.5 / s.size)
        # a value many normal scores share (knots merged into it) is no rarer than the share
        # strictly below it: all-equal held-out scores read 0.9995 'high' at their own value,
        # scores capped at their largest value 1 - 0.5/n 'critical' on 1% of normal rows
        self.knot_probs_below_ = self.knot_probs_.copy()
        tied = np.bincount(inv.ravel(), minlength=xs_u.size) > 1
        if tied.any():  # the probability where the quantile reaches the value (its first rank)
            below = np.searchsorted(np.sort(s), xs_u[tied], side="left") / max(s.size - 1, 1)
            self.knot_probs_below_[tied] = below * (1.0 - 0.5 / s.size)
        # too few peaks is routine for small held-out sets: the empirical map is used then
        _, self.tail_ = tail_quantile(s, min(1e-6, 0.5 / s.size), float(self.level), quiet=True)
        return self

    def _check(self) -> None:
        if not hasattr(self, "knots_"):
            raise NotFittedError("Calibrator is not fitted; call fit(normal_scores) first")

    def transform(self, scores: object) -> np.ndarray:
        """Anomaly probability in [0, 1] per score (share of normal scores below it).

        Parameters
        ----------
        scores
            Real scores (flattened).

        Returns
        -------
        numpy.ndarray
            One probability per score; NaN for a NaN score.

        Raises
        ------
        hourglass.errors.NotFittedError
            Before :meth:`fit`.

        Examples
        --------
        >>> cal = Calibrator(n_knots=5).fit([0.0, 1.0, 2.0, 3.0, 4.0])
        >>> cal.transform([-1.0, 2.0]).tolist()
        [0.0, 0.45]
        """
        self._check()
        s = real_scores(scores, "Calibrator").ravel()
        p = np.interp(s, self.knots_, self.knot_probs_, left=0.0, right=1.0 - 0.5 / self.n_fit_)
        tied = self.knot_probs_below_ < self.knot_probs_
        if tied.any():  # up to a tied value, towards the share below it; just above, the share at it
            s = _onto_ties(s, self.knots_[tied])
            j = np.searchsorted(self.knots_, s, side="left")  # knots_[j - 1] < s <= knots_[j]
            k = np.minimum(j, self.knots_.size - 1)
            on = (j < self.knots_.size) & tied[k]  # one pass, whatever the number of tied knots
            at = on & (s == self.knots_[k])
            p[at] = self.knot_probs_below_[k[at]]
            left = on & ~at & (k > 0)
            kl = k[left]
            x0, p0 = self.knots_[kl - 1], self.knot_probs_[kl - 1]
            p[left] = p0 + (self.knot_probs_below_[kl] - p0) * (s[left] - x0) / (self.knots_[kl] - x0)
        if self.tail_ is not None:
            hi = s > self.tail_.t
            # the tail fit's 1 - survival at t is about ``level``, a hair below the empirical
            # share at t at times: never below it, so the map stays monotone where the tail
            # takes over
            at_t = float(np.interp(self.tail_.t, self.knots_, self.knot_probs_))
            p[hi] = np.maximum(1.0 - self.tail_.survival(s[hi]), at_t)
        else:
            top = s > self.knots_[-1]
            if top.any():  # beyond every normal score: an exponential tail (see the module)
                with np.errstate(over="ignore"):  # scores ±1e308 apart: an inf excess, p of 1
                    excess = (s[top] - self.knots_[-1]) / self._tail_scale()
                p[top] = 1.0 - (0.5 / self.n_fit_) * np.exp(-excess)
        p[np.isnan(s)] = np.nan
        return p

    def _tail_scale(self) -> float:
        """Mean excess of the top fifth of the normal scores over their 80th percentile (from
        the quantile knots); a floor keeps it positive when the normal scores are all alike."""
        u = float(np.interp(0.8, self.knot_probs_ / max(self.knot_probs_[-1], 1e-12), self.knots_))
        above = self.knots_[self.knots_ > u]
        with np.errstate(over="ignore"):
            sigma = float(np.mean(above - u)) if above.size else 0.0
        if not math.isfinite(sigma):  # scores ±1e308 apart: the excesses, or their sum, overflow
            # halved, the excesses are finite; over a power of 2 above their count, their sum too
            scale = math.ldexp(1.0, math.frexp(above.size)[1])
            sigma = 2.0 * float(np.mean((above * 0.5 - u * 0.5) / scale)) * scale
            sigma = min(sigma, sys.float_info.max)  # never inf: an inf excess over it reads p = 1
        return max(sigma, 1e-9 * max(abs(float(self.knots_[-1])), 1.0))

    def severity(self, scores: object, *, probabilities: bool = False) -> np.ndarray:
        """``low`` / ``medium`` / ``high`` / ``critical`` per score (or per probability);
        ``None`` for a NaN score (no severity: it is not rated ``critical``).

        Parameters
        ----------
        scores
            Raw scores, or probabilities from :meth:`transform` with ``probabilities``.
        probabilities
            Whether ``scores`` are already probabilities.

        Returns
        -------
        numpy.ndarray
            Object array of severity names (``None`` for NaN).

        Examples
        --------
        >>> cal = Calibrator().fit(np.random.default_rng(0).exponential(size=2000))
        >>> cal.severity([float("nan"), 1.0]).tolist()
        [None, 'low']
        """
        p = real_scores(scores, "Calibrator").ravel() if probabilities else self.transform(scores)
        exceed = 1.0 - p
        level = np.searchsorted(-np.asarray(self.severity_cuts, dtype=np.float64), -exceed,
                                side="left")
        out = np.asarray(SEVERITIES, dtype=object)[np.clip(level, 0, 3)]
        out[np.isnan(p)] = None  # searchsorted puts NaN last: it read as "critical"
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON state; :meth:`from_dict` rebuilds the calibrator from it.

        Returns
        -------
        dict
            Parameters, knots, their probabilities and the tail fit (``None`` without one).

        Raises
        ------
        hourglass.errors.NotFittedError
            Before :meth:`fit`.

        Examples
        --------
        >>> cal = Calibrator(n_knots=5).fit([0.0, 1.0, 2.0, 3.0, 4.0])
        >>> again = Calibrator.from_dict(cal.to_dict())
        >>> again.transform([2.5]).tolist() == cal.transform([2.5]).tolist()
        True
        """
        self._check()
        return {"level": plain(self.level), "n_knots": plain(self.n_knots),
                "severity_cuts": [plain(c) for c in self.severity_cuts], "n_fit": self.n_fit_,
                "knots": self.knots_.tolist(), "knot_probs": self.knot_probs_.tolist(),
                "tail": None if self.tail_ is None else self.tail_.to_dict(),
                **({"knot_probs_below": self.knot_probs_below_.tolist()}
                   if (self.knot_probs_below_ < self.knot_probs_).any() else {})}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibrator:
        """Rebuild a calibrator saved with :meth:`to_dict`.

        Parameters
        ----------
        d
            The state :meth:`to_dict` wrote.

        Returns
        -------
        Calibrator
            The fitted calibrator.

        Raises
        ------
        hourglass.errors.InputError
            When the state is incomplete or its knots are inconsistent.

        Examples
        --------
        >>> cal = Calibrator(n_knots=3).fit([0.0, 1.0, 2.0])
        >>> Calibrator.from_dict(cal.to_dict()).n_fit_
        3
        """
        try:
            c = cls(level=float(d["level"]), n_knots=int(d["n_knots"]),
                    severity_cuts=tuple(float(v) for v in d["severity_cuts"]))  # type: ignore[arg-type]
            c.n_fit_ = int(d["n_fit"])
            c.knots_ = np.asarray(d["knots"], dtype=np.float64)
            c.knot_probs_ = np.asarray(d["knot_probs"], dtype=np.float64)
            # tied values (absent when there are none, and in artefacts saved before)
            c.knot_probs_below_ = np.asarray(d.get("knot_probs_below", d["knot_probs"]), dtype=np.float64)
            if c.knot_probs_below_.shape != c.knot_probs_.shape:
                raise TypeError("knot_probs_below and knot_probs differ in length")
            c.tail_ = None if d["tail"] is None else GPDFit(**d["tail"])
        except (KeyError, TypeError) as exc:
            raise InputError(f"calibration state is incomplete ({exc})") from None
        c._check_knots()
        return c

    def _check_knots(self) -> None:
        """Refuse saved knots and tail that :meth:`fit` cannot have made: a NaN knot left some
        scores without a probability or severity, knots out of order (``np.interp`` takes them
        increasing) or a tail of negative scale mapped scores to unrelated probabilities (the
        largest scores 'low'), with no word."""
        knots, probs, below = self.knots_, self.knot_probs_, self.knot_probs_below_
        why = None
        if knots.ndim != 1 or knots.size < 1 or probs.shape != knots.shape:
            why = (f"knots and knot_probs must be flat lists of as many numbers, at least one; got "
                   f"shapes {knots.shape} and {probs.shape}")
        elif not np.isfinite(knots).all() or (np.diff(knots) <= 0).any():
            why = "knots must be finite and increasing"
        elif not (np.isfinite(probs).all() and np.isfinite(below).all()) \
                or (np.diff(probs) < 0).any() or min(probs.min(), below.min()) < 0 \
                or max(probs.max(), below.max()) > 1:
            why = "knot probabilities must be non-decreasing values in [0, 1]"
        elif self.tail_ is not None:  # its probabilities past the largest knot
            tail = self.tail_
            try:
                ok = all(math.isfinite(float(v)) for v in (tail.t, tail.gamma, tail.sigma)) \
                    and float(tail.sigma) > 0 and 0 < int(tail.n_peaks) <= int(tail.n)
            except (TypeError, ValueError, OverflowError):  # text, a list: no number at all
                ok = False
            if not ok:
                why = ("its tail needs a finite t, gamma and sigma > 0, and 0 < n_peaks <= n, got "
                       f"{tail}")
        if why is not None:
            raise InputError(f"calibration state is malformed ({why})")
