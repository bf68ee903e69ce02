"""Extreme-value thresholds: POT (fit once), SPOT and DSPOT (updated as normal scores arrive).

All three pick the score that a normal score exceeds with probability ``q`` (the *risk*), from a
Generalised Pareto fit to the excesses of held-out normal scores over an initial high quantile
(``level``). Below ``1/n`` an empirical percentile cannot resolve ``q``; the GPD tail can.
Reference: Siffer, Fouque, Termier, Largouët, *Anomaly Detection in Streams with Extreme Value
Theory*, KDD 2017.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from typing import Any, ClassVar

import numpy as np

from hourglass._columns import counted_as
from hourglass._params import SIZE_TOP, check_value
from hourglass.errors import InputError, NotFittedError
from hourglass.thresholds.base import FEW_SCORES_ADVICE, Threshold, quantile, real_scores
from hourglass.thresholds.evt import GPDFit, fit_gpd_truncated, tail_quantile, too_many_above

__all__ = ["DSPOT", "POT", "SPOT"]

logger = logging.getLogger(__name__)

#: DSPOT's advice when its held-out scores are too few for its depth, in a Python user's words;
#: the CLI says it with its own option (``--threshold dspot:Q/DEPTH``: ``cli._options.cli_advice``).
DSPOT_DEPTH_ADVICE = "choose a smaller depth (DSPOT(depth=...))"


def _check_risk(name: str, q: object, level: object, min_peaks: object) -> None:
    try:
        qf, lf = float(q), float(level)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{name}: q and level must be numbers, got q={q!r}, level={level!r}",
                         param=("q", "level")) from None
    if not 0 < qf < 1:
        raise InputError(f"{name}: q (risk: probability that a normal score exceeds the "
                         f"threshold) must be in (0, 1), got {q}", param="q")
    if not 0 < lf < 1:
        raise InputError(f"{name}: level (initial quantile) must be in (0, 1), got {level}", param="level")
    if int(min_peaks) < 3:  # type: ignore[call-overload]
        raise InputError(f"{name}: min_peaks must be >= 3, got {min_peaks}", param="min_peaks")


def _implausible(peaks: np.ndarray, cut: float, q: float, n_obs: float) -> bool:
    """True when more normal ``peaks`` lie above ``cut`` than a risk ``q`` makes plausible among
    ``n_obs`` scores (:func:`~hourglass.thresholds.evt.too_many_above`, as tail_quantile checks)."""
    above = int((peaks > cut).sum())
    return too_many_above(above, max(int(round(n_obs)), above), q)


class POT(Threshold):
    """Peaks over threshold: the score a normal score exceeds with probability ``q``.

    Fits a Generalised Pareto distribution (maximum likelihood: Grimshaw's trick, cross-checked
    with scipy) to the excesses of held-out normal scores over their ``level`` quantile, and
    extrapolates to risk ``q``. Fallback: with fewer than ``min_peaks`` excesses, or a fit that
    cannot be used (tied or capped top scores, see
    :func:`~hourglass.thresholds.evt.tail_quantile`), it warns and uses the empirical quantile;
    when ``q >= 1 - level`` (not in the tail) it uses the empirical quantile. ``fit_`` holds the
    tail (``None`` after a fallback).

    Parameters
    ----------
    q
        Risk: the share of normal scores expected above the threshold, in (0, 1).
    level
        Initial quantile whose excesses are fitted (default 0.98).
    min_peaks
        Fewest excesses for a GPD fit.

    Examples
    --------
    >>> s = np.random.default_rng(0).exponential(size=20000)
    >>> t = POT(1e-4).fit(s)
    >>> bool(abs(t.value_ / -np.log(1e-4) - 1) < 0.1)  # true quantile of Exp(1) at risk 1e-4
    True
    """

    _params: ClassVar[tuple[str, ...]] = ("q", "level", "min_peaks")

    def __init__(self, q: float = 1e-4, level: float = 0.98, min_peaks: int = 10) -> None:
        self.q = q
        self.level = level
        self.min_peaks = min_peaks

    def _check_params(self) -> None:
        _check_risk(type(self).__name__, self.q, self.level, self.min_peaks)

    def _fit(self, scores: np.ndarray, y: object | None) -> float:
        z, self.fit_ = tail_quantile(scores, float(self.q), float(self.level), int(self.min_peaks))
        return z

    def _extra_state(self) -> dict[str, Any]:
        fit = getattr(self, "fit_", None)
        return {"gpd": fit.to_dict()} if fit is not None else {}

    def _load_extra_state(self, d: dict[str, Any]) -> None:
        self.fit_ = GPDFit(**d["gpd"]) if "gpd" in d else None

    def describe(self) -> str:
        how = "GPD tail" if getattr(self, "fit_", None) is not None else "empirical"
        return (f"POT risk q={self.q:g} ({how}: excesses over the {self.level:g} quantile of "
                f"{self._fitted_on()})")


class SPOT(POT):
    """Streaming POT: the threshold follows the tail as new normal scores arrive.

    ``fit`` initialises on held-out normal scores exactly like :class:`POT`. Then
    :meth:`update` takes scores in arrival order and returns 0/1 flags: a score above the
    current threshold is an alarm and is *not* learned from; a score above the initial
    threshold ``t_`` is a new peak and the GPD is refitted (every ``refit_every`` peaks); the
    rest only count. Because alarms are never learned, the tail it sees is cut at the current
    threshold; keep ``q`` well below the tail share ``1 - level`` (the default 1e-4 is 200x
    below 0.02). Each peak's likelihood is conditioned on the cut it was seen under
    (:func:`~hourglass.thresholds.evt.fit_gpd_truncated`), so the threshold creeps down far less.
    Memory is bounded: at most ``max_peaks`` peaks are kept (oldest dropped, with the
    observation count scaled so the tail share is preserved).

    Parameters
    ----------
    q
        Risk: the share of normal scores expected above the threshold, in (0, 1).
    level
        Initial quantile whose excesses are fitted (default 0.98).
    min_peaks
        Fewest excesses for a GPD fit.
    refit_every
        Refit the GPD after this many new peaks.
    max_peaks
        Most peaks kept in memory (the oldest are dropped).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> t = SPOT(1e-2, refit_every=20).fit(rng.exponential(size=2000))
    >>> flags = t.update(rng.exponential(size=2000))
    >>> 0.002 < float(flags.mean()) < 0.03
    True
    """

    _params: ClassVar[tuple[str, ...]] = ("q", "level", "min_peaks", "refit_every", "max_peaks")
    #: sized by it, with a lower bound of its own (SIZE_TOP) that its check says
    _own_top: ClassVar[tuple[str, ...]] = ("max_peaks",)

    def __init__(self, q: float = 1e-4, level: float = 0.98, min_peaks: int = 10,
                 refit_every: int = 10, max_peaks: int = 5000) -> None:
        super().__init__(q=q, level=level, min_peaks=min_peaks)
        self.refit_every = refit_every
        self.max_peaks = max_peaks

    def _check_params(self) -> None:
        super()._check_params()
        if int(self.refit_every) < 1:
            raise InputError(f"{type(self).__name__}: refit_every must be >= 1, got {self.refit_every}",
                             param="refit_every")
        # the peaks' deque is sized by it: max_peaks=10**30 was Python's OverflowError
        check_value("max_peaks", self.max_peaks, 5000, prefix=f"{type(self).__name__}: ", top=SIZE_TOP)
        if int(self.max_peaks) < int(self.min_peaks):
            raise InputError(f"{type(self).__name__}: max_peaks must be >= min_peaks", param="max_peaks")

    # -- the tail on the (possibly transformed) stream ----------------------------------------
    def _init_tail(self, x: np.ndarray) -> float:
        z, fit = tail_quantile(x, float(self.q), float(self.level), int(self.min_peaks),
                               rule=type(self).__name__)
        self.fit_ = fit
        self.t_ = float(quantile(x, float(self.level)))
        with np.errstate(over="ignore"):  # scores ±1e308 apart: an inf excess (a "too heavy" tail)
            peaks = x[x > self.t_] - self.t_
        self.peaks_: deque[float] = deque(peaks.tolist(), maxlen=int(self.max_peaks))
        # the cut each peak was seen under (inf: the initial, uncut held-out peaks)
        self.limits_: deque[float] = deque([math.inf] * len(self.peaks_), maxlen=int(self.max_peaks))
        # more peaks than max_peaks: the oldest are dropped, and the count of scores with them
        # (as _learn does), so the tail share stays peaks / scores; it was 4x too small for 1,000
        # peaks of which 250 were kept, and the first refit put the threshold far too low
        self.n_obs_ = float(x.size) * (len(self.peaks_) / peaks.size if peaks.size else 1.0)
        self.z_ = float(z)
        self.new_peaks_ = 0
        # the cut-offs of the stream an earlier fit's update() met: a refit has met no score yet
        self.__dict__.pop("cutoffs_", None)
        return self.z_

    def _fit(self, scores: np.ndarray, y: object | None) -> float:
        return self._init_tail(scores)

    def _check_size(self) -> None:
        """After a fit: a warning when ``q`` is not below the tail share ``1 - level``: the
        cut-off is then at or below the initial threshold ``t_``, every score above ``t_`` is an
        alarm, never a peak, and the tail :meth:`update` streams with can never move."""
        q, level = float(self.q), float(self.level)
        if q >= round(1.0 - level, 12):  # (1 - 0.98 is 0.020000000000000018: q=0.02 is no tail risk)
            moves = (f"only the mean of the last {self.depth} normal scores moves it"
                     if isinstance(self, DSPOT)
                     else "update() (hourglass stream --adapt) leaves the cut-off where it is")
            logger.warning("%s: risk q=%g is not below the tail share 1 - level = %g, so no score "
                           "above the %g quantile is ever learned and its tail never follows the "
                           "stream (%s); choose q well below %g for a threshold that adapts",
                           type(self).__name__, q, 1.0 - level, level, moves, 1.0 - level)

    def _refit(self) -> None:
        peaks = np.fromiter(self.peaks_, dtype=np.float64)
        if peaks.size < int(self.min_peaks):
            return
        gamma, sigma = fit_gpd_truncated(peaks, np.fromiter(self.limits_, dtype=np.float64))
        self.fit_ = GPDFit(self.t_, gamma, sigma, int(peaks.size), max(int(self.n_obs_), peaks.size))
        if float(self.q) < peaks.size / self.n_obs_:
            z = self.fit_.quantile(float(self.q))
            if math.isfinite(z) and not _implausible(peaks, z - self.t_, float(self.q), self.n_obs_):
                self.z_ = z
            # else the last threshold stays: a tail too heavy to extrapolate to q, or one piled
            # up on tied or capped scores (below far more of the normal peaks than q allows)

    def _learn(self, x: float) -> None:
        """Learn one normal value ``x`` of the monitored stream."""
        if x > self.t_:
            if len(self.peaks_) == self.peaks_.maxlen:
                self.n_obs_ *= (len(self.peaks_) - 1) / len(self.peaks_)
            self.peaks_.append(x - self.t_)
            self.limits_.append(self.z_ - self.t_)
            self.n_obs_ += 1
            self.new_peaks_ += 1
            if self.new_peaks_ % int(self.refit_every) == 0:
                self._refit()
        else:
            self.n_obs_ += 1

    def _step(self, x: float) -> int:
        if x > self.z_:
            return 1
        self._learn(x)
        return 0

    def update(self, scores: object) -> np.ndarray:
        """Flag each score in order and learn from the normal ones; returns 0/1 flags.

        ``cutoffs_`` then holds, per score, the cut-off it was compared with (in score units:
        for :class:`DSPOT`, the moving mean then plus the tail quantile): the threshold moves
        within a batch, so ``value_`` after it is not the one an earlier score was flagged
        against.

        An :class:`~hourglass.errors.InputError` (scores that are not finite, or, for
        :class:`DSPOT`, a running sum or cut-off past the largest float) may come after some
        scores of the batch were learned: fit the rule again after it.

        Parameters
        ----------
        scores
            Real scores in arrival order (flattened).

        Returns
        -------
        numpy.ndarray
            ``int8`` 0/1 flags, one per score.

        Raises
        ------
        hourglass.errors.NotFittedError
            Before :meth:`fit`.
        hourglass.errors.InputError
            Scores that are not finite real numbers, or (DSPOT) a cut-off past the largest float.

        Examples
        --------
        >>> t = SPOT(1e-2, refit_every=5).fit(np.random.default_rng(0).exponential(size=500))
        >>> t.update([0.1, 50.0]).tolist()
        [0, 1]
        >>> bool(t.cutoffs_[1] == t.value_)
        True
        """
        if not hasattr(self, "value_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit(scores) first")
        s = real_scores(scores, f"{type(self).__name__}.update").ravel()
        if not np.isfinite(s).all():
            raise InputError(f"{type(self).__name__}.update: scores contain NaN or inf")
        flags = np.empty(s.size, dtype=np.int8)
        cutoffs = np.empty(s.size, dtype=np.float64)
        for i, x in enumerate(s.tolist()):
            cutoffs[i] = self._cut_off()  # the cut-off this score meets (it moves as it learns)
            flags[i] = self._step(x)
        self.cutoffs_ = cutoffs
        value = self._current_value()
        if not math.isfinite(value):  # DSPOT: the moving mean plus the tail quantile overflowed
            raise InputError(f"{type(self).__name__}.update: the cut-off (the mean of the last normal "
                             "scores plus the tail quantile) lies past the largest float; scale the "
                             "scores down or use another threshold rule")
        self.value_ = value
        return flags

    def _current_value(self) -> float:
        return self.z_

    def _cut_off(self) -> float:
        """The largest score :meth:`_step` would not flag now: a score is flagged exactly when
        it is above this."""
        return self.z_

    # -- state -----------------------------------------------------------------------------
    def _extra_state(self) -> dict[str, Any]:
        if not hasattr(self, "t_"):
            return {}
        return {**super()._extra_state(), "t": self.t_, "z": self.z_, "n_obs": self.n_obs_,
                "new_peaks": self.new_peaks_, "peaks": list(self.peaks_),
                "limits": [v if math.isfinite(v) else None for v in self.limits_]}

    def _load_extra_state(self, d: dict[str, Any]) -> None:
        super()._load_extra_state(d)
        if "t" in d:
            self.t_, self.z_, self.n_obs_ = float(d["t"]), float(d["z"]), float(d["n_obs"])
            self.new_peaks_ = int(d["new_peaks"])
            self.peaks_ = deque((float(p) for p in d["peaks"]), maxlen=int(self.max_peaks))
            self.limits_ = deque((math.inf if v is None else float(v) for v in d["limits"]),
                                 maxlen=int(self.max_peaks))

    def describe(self) -> str:
        return (f"SPOT risk q={self.q:g} (streaming {self._tail()} over the {self.level:g} quantile)"
                f"{self._fitted_on_note()}")

    def _tail(self) -> str:
        """What the cut-off comes from: ``GPD tail``, or, where the fit fell back to the
        empirical quantile (too few peaks, an unusable fit, ``q`` not in the tail) and no refit
        on the stream has fitted one since, ``empirical tail`` (it said ``GPD tail`` either way,
        beside the warning that no GPD was fitted)."""
        fitted = hasattr(self, "t_")  # (a rule not yet fitted is described by what it aims at)
        return "empirical tail" if fitted and getattr(self, "fit_", None) is None else "GPD tail"


class DSPOT(SPOT):
    """SPOT on the drift-corrected stream: each score minus the mean of the last ``depth`` normal
    scores, for data whose level drifts. ``value_`` is the current threshold in score units
    (moving mean + tail quantile of the deviations).

    Parameters
    ----------
    q
        Risk: the share of normal deviations expected above the threshold, in (0, 1).
    depth
        How many of the last normal scores the moving mean takes.
    level
        Initial quantile whose excesses are fitted (default 0.98).
    min_peaks
        Fewest excesses for a GPD fit.
    refit_every
        Refit the GPD after this many new peaks.
    max_peaks
        Most peaks kept in memory (the oldest are dropped).

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> drift = np.linspace(0, 5, 6000) + rng.exponential(size=6000)
    >>> t = DSPOT(1e-2, depth=50, refit_every=20).fit(drift[:2000])
    >>> float(t.update(drift[2000:]).mean()) < 0.05   # SPOT on raw scores would flag most rows
    True
    """

    _params: ClassVar[tuple[str, ...]] = ("q", "depth", "level", "min_peaks", "refit_every", "max_peaks")

    def __init__(self, q: float = 1e-4, depth: int = 50, level: float = 0.98, min_peaks: int = 10,
                 refit_every: int = 10, max_peaks: int = 5000) -> None:
        super().__init__(q=q, level=level, min_peaks=min_peaks, refit_every=refit_every,
                         max_peaks=max_peaks)
        self.depth = depth

    def _check_params(self) -> None:
        super()._check_params()
        if int(self.depth) < 1:
            raise InputError(f"DSPOT: depth must be >= 1, got {self.depth}", param="depth")

    def check_n_scores(self, n: int, on: str | None = None) -> None:
        d = int(self.depth)
        if n < d + 10 * int(self.min_peaks):
            need = d + 10 * int(self.min_peaks)
            what = (f"DSPOT: {counted_as(n, ('score is', 'scores are'))} too few for depth {d}; "
                    f"need at least {need}")
            # the largest depth these scores take: below 1, no smaller depth helps (60 scores
            # were told to choose a smaller depth, which needs 101 at the least)
            room = n - 10 * int(self.min_peaks)
            # more scores: how to get them is the percentile's advice (the CLI says its option)
            advice = (f"{DSPOT_DEPTH_ADVICE}, at most {room}, or {FEW_SCORES_ADVICE}" if room >= 1
                      else f"{FEW_SCORES_ADVICE}; depth 1 needs {10 * int(self.min_peaks) + 1}")
            exc = InputError(f"{what}: {advice}")
            setattr(exc, "too_few_scores", what)  # noqa: B010 (a warm start gives its own advice)
            setattr(exc, "smaller_depth", room >= 1)  # noqa: B010 (and a benchmark)
            raise exc

    def _fit(self, scores: np.ndarray, y: object | None) -> float:
        d = int(self.depth)
        self.check_n_scores(scores.size)
        with np.errstate(over="ignore", invalid="ignore"):
            csum = np.concatenate([[0.0], np.cumsum(scores)])
        scale = 1.0
        if not math.isfinite(csum[-1]):  # sums past the largest float (scores near 1e306): inf - inf
            exponent = min(math.frexp(float(np.abs(scores).max()))[1], 1023)  # 2**1024 overflows
            scale = math.ldexp(1.0, exponent)  # a power of 2: exact
            csum = np.concatenate([[0.0], np.cumsum(scores / scale)])
        means = (csum[d:-1] - csum[:-d - 1]) / d * scale
        window_sum = float(sum(scores[-d:].tolist()))
        if not math.isfinite(window_sum):  # the stream's running mean would be inf: no cut-off
            raise InputError(f"DSPOT: the last {d} scores sum past the largest float; scale the "
                             "scores down or use another threshold rule")
        with np.errstate(over="ignore"):  # scores ±1e308 apart: checked just below
            devs = scores[d:] - means
        if not np.isfinite(devs).all():  # an inf deviation: a NaN cut-off, nothing flagged
            raise InputError(f"DSPOT: a score lies more than the largest float from the mean of the "
                             f"{d} before it; scale the scores down or use another threshold rule")
        before = dict(self.__dict__)  # a refused fit leaves the last one as it was
        self._init_tail(devs)
        self.window_: deque[float] = deque(scores[-d:].tolist(), maxlen=d)
        self.window_sum_ = window_sum
        value = self._current_value()
        if not math.isfinite(value):  # the mean plus the tail quantile past the largest float
            self.__dict__.clear()
            self.__dict__.update(before)
            raise InputError(f"DSPOT: the cut-off (the mean of the last {d} scores plus the tail "
                             "quantile of the deviations) lies past the largest float; scale the "
                             "scores down or use another threshold rule")
        return value

    def _current_value(self) -> float:
        return self.window_sum_ / len(self.window_) + self.z_

    def _cut_off(self) -> float:
        # _step flags x - mean > z, which rounds apart from x > mean + z by a last bit (a score
        # equal to mean + z could be flagged): the largest x with x - mean <= z, a few steps of
        # one float from mean + z
        mean, z = self.window_sum_ / len(self.window_), self.z_
        cut = mean + z
        if not math.isfinite(cut):  # (update refuses such a cut-off)
            return cut
        while cut - mean > z:
            cut = math.nextafter(cut, -math.inf)
        while math.nextafter(cut, math.inf) - mean <= z:
            cut = math.nextafter(cut, math.inf)
        return cut

    def _step(self, x: float) -> int:
        dev = x - self.window_sum_ / len(self.window_)
        if dev > self.z_:
            return 1
        total = self.window_sum_ + (x - self.window_[0])
        if not math.isfinite(total):  # the running mean past the largest float: a cut-off of inf
            raise InputError(f"DSPOT.update: the last {len(self.window_)} normal scores sum past "
                             "the largest float; scale the scores down or use another threshold rule")
        self._learn(dev)
        self.window_sum_ = total
        self.window_.append(x)
        return 0

    def _extra_state(self) -> dict[str, Any]:
        out = super()._extra_state()
        if hasattr(self, "window_"):
            # the running sum as it is (not re-added: a reloaded threshold goes on bit for bit)
            out["window"], out["window_sum"] = list(self.window_), self.window_sum_
        return out

    def _load_extra_state(self, d: dict[str, Any]) -> None:
        super()._load_extra_state(d)
        if "window" in d:
            self.window_ = deque((float(v) for v in d["window"]), maxlen=int(self.depth))
            self.window_sum_ = float(d.get("window_sum", sum(self.window_)))

    def describe(self) -> str:
        return (f"DSPOT risk q={self.q:g} (streaming {self._tail()} of deviations from the mean of "
                f"the last {self.depth} normal scores){self._fitted_on_note()}")
