"""Alert-rate monitor: says, without labels, when the traffic no longer matches the model's normal.

A threshold fitted on held-out normal scores promises a false-alarm rate (``Percentile(99)``:
about 1 % of normal rows). When normal traffic drifts away from the training data, the rate of
flagged rows climbs above that promise and the analyst drowns. :class:`AlertRateMonitor` watches
the flags of the last ``window`` scored rows and fires (once per episode) when their count is too
high to be the threshold's promised rate by chance.

Why the flag rate and a binomial test, not a KS/PSI test on calibrated scores: the flag rate is
the quantity the analyst lives with, it works for every threshold rule, and its test has one
interpretable knob. A KS or PSI test on calibrated scores (uniform on held-out normal data) also
moves when the bulk of the score distribution shifts without any change in alerts, and on windows
of thousands of rows it turns significant for shifts nobody would act on.

Why a beta-binomial rather than a plain binomial: the threshold was estimated from ``n_ref``
held-out normal scores, so its true rate on fresh normal rows is itself uncertain (a percentile
of 500 scores can flag 1.5 % instead of 1 %). The count of flags in ``n`` rows is then
beta-binomial with mean ``n * expected`` and the rate's sampling spread ``expected (1 - expected)
/ n_ref``; with ``n_ref=None`` it is the plain binomial. Rows are taken as independent; where
alerts come in runs (time series scored from overlapping windows), ``run_length`` (the mean run
of consecutive alerts on normal data, see :func:`mean_run_length`) shrinks the sample to runs.
A burst of real attacks also raises the rate: the monitor says "not the normal the model
knows", and the analyst decides whether it is an attack or a drift that calls for retraining.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hourglass._params import SIZE_TOP, check_value
from hourglass.errors import InputError
from hourglass.thresholds.base import real_scores, share_count

__all__ = ["AlertRateMonitor", "DriftEvent", "ExpectedRate", "expected_alert_rate", "mean_run_length"]

_GRID = 64  # partial windows are tested at about this many sizes (conservatively rounded up)
#: the episodes whose first rows AlertRateMonitor.summary names (the first ones; it counts them all)
_NAMED_EPISODES = 5


def _betabinom_isf(sizes: np.ndarray, a: float, b: float,
                   qs: tuple[float, ...]) -> tuple[np.ndarray, ...]:
    """``scipy.stats.betabinom(n, a, b).isf(q)`` for each size ``n`` and each ``q`` in ``qs``:
    the smallest ``k`` whose cdf (scipy's: the sum of the pmf from 0) reaches ``1 - q``.

    scipy finds it by bisection over ``[0, n]``, summing up to ``n`` pmf terms at each step: 2 s
    for a monitor of a 100,000-row window and 23 s for 1,000,000. Here the pmf is summed once,
    from 0 to a few standard deviations past the mean (doubling the span if the cdf has not
    reached ``1 - q`` there), and the count found is checked against scipy's own cdf at it and
    just below it, so the result is scipy's.

    Examples
    --------
    >>> from scipy import stats
    >>> n = np.array([250, 1000])
    >>> _betabinom_isf(n, 20.0, 1980.0, (1e-6,))[0].tolist()
    [14.0, 35.0]
    >>> stats.betabinom(n, 20.0, 1980.0).isf(1e-6).tolist()
    [14.0, 35.0]
    """
    from scipy import special, stats

    ns = np.asarray(sizes, dtype=np.int64)
    out = np.zeros((len(qs), ns.size), dtype=np.float64)
    for j, n in enumerate(int(v) for v in ns):
        mean = n * a / (a + b)
        sd = math.sqrt(n * a * b * (a + b + n) / ((a + b) ** 2 * (a + b + 1)))
        hi = min(n, math.ceil(mean + 12 * sd + 16))
        while True:
            k = np.arange(hi + 1, dtype=np.float64)
            logpmf = (-np.log(n + 1.0) - special.betaln(n - k + 1, k + 1)
                      + special.betaln(k + a, n - k + b) - special.betaln(a, b))
            cdf = np.cumsum(np.exp(logpmf))
            found = [int(np.searchsorted(cdf, 1.0 - q, side="left")) for q in qs]
            if hi == n or max(found) <= hi:
                break
            hi = min(n, 2 * hi)
        out[:, j] = np.minimum(found, n)
    for i, q in enumerate(qs):  # scipy's sums, where ours may differ in the last bit
        x, target = out[i], 1.0 - q
        while True:
            up = (x < ns) & (stats.betabinom.cdf(x, ns, a, b) < target)
            down = (x > 0) & (stats.betabinom.cdf(x - 1, ns, a, b) >= target)
            if not (up.any() or down.any()):
                break
            x += up
            x -= down & ~up
    return tuple(out)


@dataclass(frozen=True)
class ExpectedRate:
    """The alert rate a fitted threshold promises on normal data, and where it comes from.

    Parameters
    ----------
    rate
        The share of normal rows expected to be flagged, in [0, 1].
    n_ref
        How many held-out normal scores that promise rests on (``None``: taken as exact).
    source
        Where the rate comes from, in words.

    Examples
    --------
    >>> from hourglass.thresholds import Contamination
    >>> r = expected_alert_rate(Contamination(0.05).fit(np.arange(100.0)))
    >>> round(r.rate, 4), r.n_ref       # 5 of 100 flagged: 5.5 in 101 fresh ones
    (0.0545, 100)
    >>> isinstance(r, ExpectedRate), isinstance(r.source, str)
    (True, True)
    """

    rate: float
    n_ref: int | None
    source: str


def expected_alert_rate(threshold: Any, normal_scores: object | None = None) -> ExpectedRate:
    """The share of normal rows ``threshold`` is expected to flag.

    The rule's own promise where it has one: ``Percentile(q)`` → the mean rate of the
    percentile of its ``n`` fitted scores (:meth:`~hourglass.thresholds.Percentile.expected_rate`:
    near ``1 - q/100`` for large ``n``, more for few scores), ``Contamination(c)`` → the mean rate of
    its cut-off halfway between the ``k``-th and ``(k+1)``-th largest of its ``n`` fitted scores,
    ``(k + 1/2) / (n + 1)`` for ``k = c n`` (near ``c`` for large ``n``, more for few scores; at
    least ``1 / (n + 1)``: a share below ``1 / n`` flags none of the ``n`` scores, and a fresh
    one exceeds the largest that often), ``POT``/``SPOT``/``DSPOT`` → the risk ``q``, ``AlertBudget`` →
    its risk (budget / events) (either, where it fell back to the empirical quantile of too few
    scores for ``q``, that quantile's mean rate, at least ``1 / (n + 1)``), ``FalseAlarmBound`` →
    its mean rate ``expected_rate_`` (below the bound ``alpha``). Any other rule (fixed,
    best-F1 ...) → its measured rate on the held-out normal scores ``normal_scores`` (kept within
    ``0.5 / n`` of 0 and 1: none of ``n`` flagged bounds the rate, it does not make it zero; NaN
    or inf among them is an :class:`~hourglass.errors.InputError`, as for a fit). A
    threshold fitted on training scores (nothing held out) understates the rate on fresh normal
    rows: the source says so.

    Parameters
    ----------
    threshold
        A fitted threshold rule.
    normal_scores
        Held-out normal scores, to measure the rate of a rule that promises none.

    Returns
    -------
    ExpectedRate
        The rate, the number of scores it rests on (``n_ref``) and its source, in words.

    Raises
    ------
    hourglass.errors.InputError
        An unfitted threshold, or a rule with no promise and no (finite) ``normal_scores``.

    Examples
    --------
    >>> from hourglass.thresholds import Fixed, Percentile
    >>> s = np.arange(1000.0)
    >>> r = expected_alert_rate(Percentile(99).fit(s))
    >>> round(r.rate, 4), r.n_ref
    (0.011, 1000)
    >>> round(expected_alert_rate(Percentile(99).fit(s[:100])).rate, 4)   # 100 scores: not 1 - q/100
    0.0197
    >>> expected_alert_rate(Fixed(949.5).fit(s), s).rate
    0.05
    """
    name = type(threshold).__name__
    if not hasattr(threshold, "value_"):
        raise InputError(f"expected_alert_rate: the {name} threshold is not fitted")
    n_fit = int(getattr(threshold, "n_fit_", 0)) or None
    rate: float | None = None
    if name == "Percentile":
        rate = round(1.0 - float(threshold.q) / 100.0, 12)
        if n_fit:  # the mean rate of the percentile of n_fit scores (as a tail rule's fallback
            # to it): percentile 99.9 of 120 scores flags 0.92% of fresh normal rows, not 0.1%
            rate = float(threshold.expected_rate(n_fit))
    elif name == "Contamination":
        rate = float(threshold.c)
        if n_fit:  # its cut-off lies halfway between the k-th and (k+1)-th largest of the n
            # scores, which a fresh normal score exceeds k + 1/2 times in n + 1 on average, as a
            # percentile's (0.01 of 100 scores: 1.49%, not 1%); a share below 1 / n flags none,
            # its cut-off the largest: 1 in n + 1 (0.001 of 300: 0.33%, not 0.1%)
            k = share_count(rate, n_fit)
            rate = (k + 0.5) / (n_fit + 1.0) if k else 1.0 / (n_fit + 1.0)
    elif name in ("POT", "SPOT", "DSPOT"):
        rate = float(threshold.q)
        if n_fit and getattr(threshold, "fit_", None) is None:  # no GPD tail: the empirical
            # quantile of the scores (DSPOT: of the n - depth deviations from the moving mean)
            n_tail = n_fit - int(threshold.depth) if name == "DSPOT" else n_fit
            rate = _empirical_rate(rate, max(n_tail, 1))
    elif name == "AlertBudget" and hasattr(threshold, "q_"):
        rate = float(threshold.q_)
        if (n_fit and getattr(threshold, "method_", None) == "empirical"
                and share_count(rate, n_fit) < int(threshold.min_tail)):
            rate = _empirical_rate(rate, n_fit)  # too few scores above it for the order statistic
    elif name == "FalseAlarmBound" and hasattr(threshold, "expected_rate_"):
        rate = float(threshold.expected_rate_)  # its mean rate; alpha is the bound above it
    if rate is not None:
        source = f"its rule ({threshold.describe()})"
    else:
        if normal_scores is None:
            raise InputError(f"expected_alert_rate: a {name} threshold promises no rate; pass the "
                             "held-out normal scores to measure it on")
        s = real_scores(normal_scores, "expected_alert_rate: normal_scores").ravel()
        if s.size == 0:
            raise InputError("expected_alert_rate: no held-out normal scores")
        if not np.isfinite(s).all():  # a NaN read as not flagged, a rate too low (as fit refuses)
            raise InputError("expected_alert_rate: normal_scores contain NaN or inf")
        k = int((threshold.predict(s) == 1).sum())
        # none (all) of n flagged bounds the rate, it does not make it 0 (1)
        rate, n_fit = min(max(k, 0.5), s.size - 0.5) / s.size, int(s.size)
        source = f"its rate on {s.size:,} held-out normal scores ({threshold.describe()})"
    if getattr(threshold, "fitted_on_", None) == "training scores (no held-out rows)":
        source += ("; fitted on training scores, which fresh normal rows exceed more often: the "
                   "monitor may fire on normal traffic")
    return ExpectedRate(float(rate), n_fit, source)


def _empirical_rate(q: float, n: int) -> float:
    """The mean share of fresh normal scores above the (linear) ``1 - q`` quantile of ``n``
    held-out ones, what a tail rule that fell back to it flags (as
    :meth:`~hourglass.thresholds.Percentile.expected_rate`): about ``q`` when ``q n`` is large,
    at least ``1 / (n + 1)`` however small ``q`` is: no empirical cut-off resolves a risk below
    ``1 / n``, so ``q`` itself would understate its alerts many times over.

    Examples
    --------
    >>> round(_empirical_rate(1e-4, 300), 4), round(_empirical_rate(0.05, 100_000), 4)
    (0.0034, 0.05)
    """
    return max(q, (n * q + 1.0 - q) / (n + 1.0))


def mean_run_length(flags: object) -> float:
    """Mean length of the runs of consecutive 1s in ``flags`` (1.0 when there are none).

    Examples
    --------
    >>> mean_run_length([0, 1, 1, 0, 1, 0, 0, 1, 1, 1])
    2.0
    """
    f = np.asarray(flags).ravel().astype(bool)
    starts = int(f[0]) + int((f[1:] & ~f[:-1]).sum()) if f.size else 0
    return float(f.sum() / starts) if starts else 1.0


@dataclass(frozen=True)
class DriftEvent:
    """The monitor fired (``kind="fired"``) or its episode ended (``"cleared"``) at ``row``
    (counted from 0 over every row the monitor saw), with the window's rate and p-value;
    ``unit`` names what a row is (rows, steps, sessions) in :meth:`describe`.

    Parameters
    ----------
    kind
        ``"fired"`` or ``"cleared"``.
    row
        The row the event happened at (from 0, over every row the monitor saw).
    rate
        The flag rate over the window then.
    window_rows
        Rows in that window.
    expected
        The expected flag rate.
    p_value
        The window's one-sided p-value.
    unit
        What a row is, in :meth:`describe`.
    reference
        What the expected rate was measured on, in :meth:`describe`.

    Examples
    --------
    >>> event = DriftEvent("cleared", row=7000, rate=0.011, window_rows=1000, expected=0.01,
    ...                    p_value=0.4)
    >>> event.describe()
    'alert rate back to 1.1% over the last 1,000 rows (row 7,000; 1.0% expected)'
    """

    kind: str
    row: int
    rate: float
    window_rows: int
    expected: float
    p_value: float
    unit: str = "rows"
    reference: str = "held-out normal data"

    def describe(self, where: str | None = None) -> str:
        """One line for a person, e.g. for stderr.

        Parameters
        ----------
        where : str, optional
            How the line names the window's last row (default ``row 7,000``: :attr:`row`, with
            :attr:`unit`'s noun), e.g. its data row where rows were skipped before it.

        Returns
        -------
        str
            The event in words, with advice when it fired.

        Examples
        --------
        >>> DriftEvent("fired", row=10, rate=0.5, window_rows=20, expected=0.01,
        ...            p_value=1e-9).describe()[:60]
        'alert rate 50.0% over the last 20 rows (row 10) vs 1.0% expe'
        >>> DriftEvent("cleared", row=9, rate=0.1, window_rows=10, expected=0.1,
        ...            p_value=0.5).describe("data row 11")
        'alert rate back to 10.0% over the last 10 rows (data row 11; 10.0% expected)'
        """
        where = where if where is not None else f"{self.unit.removesuffix('s')} {self.row:,}"
        if self.kind == "cleared":
            return (f"alert rate back to {_pct(self.rate)} over the last {self.window_rows:,} "
                    f"{self.unit} ({where}; {_pct(self.expected)} expected)")
        return (f"alert rate {_pct(self.rate)} over the last {self.window_rows:,} {self.unit} "
                f"({where}) vs {_pct(self.expected)} expected on {self.reference} "
                f"({_p(self.p_value)}): normal traffic may have drifted from training, or an attack "
                "is under way; if the alerts look benign, retrain (see README, Drift and retraining)")


def _pct(x: float) -> str:
    return f"{100 * x:.2g}%" if x < 0.001 else f"{100 * x:.1f}%"


def _p(p: float) -> str:
    return "p < 1e-6" if p < 1e-6 else f"p = {p:.1g}"


class AlertRateMonitor:
    """Fire when the flag rate over the last ``window`` rows is too high for the threshold.

    After each row (once at least ``min_rows`` have been seen) the count of flags among the last
    ``min(window, rows seen)`` rows is tested one-sided against the ``expected`` rate
    (beta-binomial, see the module notes). The monitor fires when the p-value falls below
    ``alpha`` and stays in that episode until the p-value is back above ``clear_alpha``
    (hysteresis: one warning per episode, not one per row). ``alpha`` is small because the test
    is repeated after every row. Scores, flags and outputs are never changed.

    Parameters
    ----------
    expected
        Share of normal rows the threshold flags, in (0, 1) (see :func:`expected_alert_rate`).
    window
        Rows in the sliding window.
    n_ref
        Held-out normal scores the expected rate was estimated from (``None``: exact).
    alpha, clear_alpha
        p-value below which the monitor fires; above which an episode ends.
    run_length
        Mean length of alert runs on normal data (1 for independent rows).
    min_rows
        Fewest rows before the first test (default ``window // 4``).
    unit
        What a row is, in the messages: ``"rows"``, ``"steps"``, ``"sessions"``.
    reference
        What the expected rate was measured on, in the messages.

    Raises
    ------
    hourglass.errors.InputError
        A parameter out of range.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> mon = AlertRateMonitor(expected=0.01, window=1000)
    >>> mon.update(rng.random(5000) < 0.01)          # normal traffic: about 1 % flagged
    []
    >>> [e.kind for e in mon.update(rng.random(5000) < 0.07)]   # drift: 7 % flagged
    ['fired']
    >>> [e.kind for e in mon.update(rng.random(5000) < 0.01)]   # back to normal
    ['cleared']
    >>> mon.episodes, mon.rows
    (1, 15000)
    """

    def __init__(self, expected: float, window: int = 1000, *, n_ref: int | None = None,
                 alpha: float = 1e-6, clear_alpha: float = 1e-2, run_length: float = 1.0,
                 min_rows: int | None = None, unit: str = "rows",
                 reference: str = "held-out normal data") -> None:
        # the kinds first: int() took window=2.5 as 2 and True as 1, float('x') named nothing
        for name, value, kind in (("expected", expected, 0.0), ("window", window, 0), ("n_ref", n_ref, 0),
                                  ("alpha", alpha, 0.0), ("clear_alpha", clear_alpha, 0.0),
                                  ("run_length", run_length, 0.0), ("min_rows", min_rows, 0)):
            # window sizes the ring buffer of flags: 10**30 was NumPy's "Maximum allowed dimension exceeded"
            check_value(name, value, kind, prefix="AlertRateMonitor: ",
                        optional=name in ("n_ref", "min_rows"), top=SIZE_TOP if name == "window" else None)
        self.expected = float(expected)
        self.window = int(window)
        self.n_ref = None if n_ref is None else int(n_ref)
        self.alpha = float(alpha)
        self.clear_alpha = float(clear_alpha)
        self.run_length = float(run_length)
        self.min_rows = self.window // 4 if min_rows is None else int(min_rows)
        self.unit = str(unit)
        self.reference = str(reference)  # what the expected rate was measured on, for the messages
        if not 0 < self.expected < 1:
            raise InputError(f"AlertRateMonitor: expected must be in (0, 1), got {expected}",
                             param="expected")
        if self.window < 1:
            raise InputError(f"AlertRateMonitor: window must be >= 1 rows, got {window}",
                             param="window")
        if self.n_ref is not None and self.n_ref < 1:
            raise InputError(f"AlertRateMonitor: n_ref must be >= 1 or None, got {n_ref}",
                             param="n_ref")
        if not 0 < self.alpha < self.clear_alpha < 1:
            raise InputError(f"AlertRateMonitor: need 0 < alpha < clear_alpha < 1, got alpha={alpha}, "
                             f"clear_alpha={clear_alpha}", param=("alpha", "clear_alpha"))
        if not self.run_length >= 1:
            raise InputError(f"AlertRateMonitor: run_length must be >= 1, got {run_length}",
                             param="run_length")
        self.min_rows = min(max(self.min_rows, 1), self.window)
        self._buf = np.zeros(self.window, dtype=np.int8)  # ring buffer of the last window flags
        self._pos = 0
        self._count = 0  # flags among the last window rows (the sum of _buf)
        self.rows = 0
        self.flagged = 0
        self.episodes = 0
        self.in_episode = False
        # the first fired events of the run, which summary names (cleared ones not kept; the
        # episodes counts them all): a list of every one grew without end in a long stream or
        # service whose rate flapped about the cut-off
        self.events: list[DriftEvent] = []
        self.peak_rate = 0.0
        self.peak_rows = 0  # the rows the peak rate was measured over (fewer than window early on)
        step = max(1, math.ceil(self.window / _GRID))
        # window sizes tested: a partial window of n rows uses the critical counts of the next
        # size up (more rows, higher counts: conservative); the full window its own
        self._sizes = np.unique(np.r_[np.arange(step, self.window, step), self.window])
        self._fire, self._clear = self._critical_counts(self._sizes)

    def _dist(self, n: np.ndarray | int) -> Any:
        from scipy import stats  # scipy only when a monitor is built

        n_eff = np.maximum(np.floor(np.asarray(n) / self.run_length), 1).astype(np.int64)
        if self.n_ref is None:
            return stats.binom(n_eff, self.expected)
        return stats.betabinom(n_eff, self.expected * self.n_ref, (1 - self.expected) * self.n_ref)

    def _critical_counts(self, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fewest flags (in rows) with a p-value below ``alpha`` / below ``clear_alpha``."""
        # isf(q) is the smallest k with P(X > k) <= q, so a count of k + 1 has p-value <= q
        if self.n_ref is None:
            dist = self._dist(sizes)
            fire_k = np.asarray(dist.isf(self.alpha), dtype=np.float64)
            clear_k = np.asarray(dist.isf(self.clear_alpha), dtype=np.float64)
        else:  # scipy's beta-binomial isf sums the pmf from 0 at each step of a bisection
            n_eff = np.maximum(np.floor(np.asarray(sizes) / self.run_length), 1).astype(np.int64)
            a, b = self.expected * self.n_ref, (1 - self.expected) * self.n_ref
            fire_k, clear_k = _betabinom_isf(n_eff, a, b, (self.alpha, self.clear_alpha))
        fire = (fire_k + 1) * self.run_length
        clear = (clear_k + 1) * self.run_length
        return np.ceil(fire - 1e-9), np.ceil(clear - 1e-9)

    def p_value(self, count: int, n: int) -> float:
        """One-sided p-value of ``count`` flags among ``n`` rows under the expected rate.

        Parameters
        ----------
        count
            Flags counted.
        n
            Rows they were counted among.

        Returns
        -------
        float
            ``P(count or more flags)`` under the expected rate.

        Examples
        --------
        >>> mon = AlertRateMonitor(expected=0.5, window=10)
        >>> mon.p_value(0, 2), mon.p_value(2, 2)
        (1.0, 0.25)
        """
        # the runs the test counts: whole runs, as the critical counts take them (the monitor fires
        # at (k + 1) * run_length flags); rounding up had status' p-value below alpha while the
        # monitor, by its own rule, had not fired (41 flags of 200, 5% expected, runs of 2.5)
        runs = math.floor(count / self.run_length + 1e-9)
        return float(self._dist(n).sf(runs - 1))

    def update(self, flags: Iterable[int] | np.ndarray) -> list[DriftEvent]:
        """Take the flags (0/1) of the next rows, in order; the events they caused (usually none).

        Parameters
        ----------
        flags
            0/1 flags of the next rows, in arrival order.

        Returns
        -------
        list of DriftEvent
            The events the rows caused, in order (fired, then cleared, ...).

        Raises
        ------
        hourglass.errors.InputError
            When a flag is not 0 or 1.

        Examples
        --------
        >>> mon = AlertRateMonitor(expected=0.01, window=100)
        >>> [(e.kind, e.row) for e in mon.update([0] * 100 + [1] * 10)]
        [('fired', 108)]
        """
        f = np.asarray(flags if isinstance(flags, np.ndarray) else list(flags)).ravel()
        if f.size == 0:
            return []
        if not np.isin(f, (0, 1)).all():
            raise InputError("AlertRateMonitor.update: flags must be 0 or 1")
        f = f.astype(np.int8)
        w = self.window
        # the flag leaving the window as each new row enters: the oldest w flags kept (zeros at
        # the start), then the new rows themselves; O(new rows), not O(window) per call (a
        # window of 10M rows took 0.7 s per one-row update)
        m = min(f.size, w)
        leaving = np.concatenate([self._buf[(self._pos + np.arange(m)) % w], f[:f.size - m]])
        counts = self._count + np.cumsum(f, dtype=np.int64) - np.cumsum(leaving, dtype=np.int64)
        seen = np.minimum(self.rows + np.arange(1, f.size + 1), w)
        which = np.searchsorted(self._sizes, seen, side="left")
        fire_at, clear_at = self._fire[which], self._clear[which]
        tested = seen >= self.min_rows
        events: list[DriftEvent] = []
        i = 0
        while i < f.size:
            if not self.in_episode:
                hits = np.flatnonzero(tested[i:] & (counts[i:] >= fire_at[i:]))
                if not hits.size:
                    break
                i += int(hits[0])
                self.in_episode, self.episodes = True, self.episodes + 1
                ev = self._event("fired", i, counts[i], seen[i])
                if len(self.events) < _NAMED_EPISODES:
                    self.events.append(ev)
            else:
                hits = np.flatnonzero(counts[i:] < clear_at[i:])
                if not hits.size:
                    break
                i += int(hits[0])
                self.in_episode = False
                ev = self._event("cleared", i, counts[i], seen[i])
            events.append(ev)
            i += 1
        if tested.any():
            rates = counts[tested] / seen[tested]
            top = int(rates.argmax())
            if float(rates[top]) > self.peak_rate:
                self.peak_rate, self.peak_rows = float(rates[top]), int(seen[tested][top])
        # keep the last w flags in the ring buffer
        tail = f[-w:]
        pos = (self._pos + np.arange(f.size - tail.size, f.size)) % w
        self._buf[pos] = tail
        self._pos = int((self._pos + f.size) % w)
        self._count = int(counts[-1])
        self.rows += int(f.size)
        self.flagged += int(f.sum())
        return events

    def status(self) -> dict[str, Any]:
        """The state now, as plain JSON: the last window's rate and p-value, the run's totals.

        Returns
        -------
        dict
            ``window``, ``rows``, ``flagged``, ``alert_rate``, ``window_rows``, ``window_rate``,
            ``expected_rate``, ``p_value`` (``None`` before ``min_rows``), ``warning`` (in an
            episode now) and ``warnings`` (episodes so far).

        Examples
        --------
        >>> mon = AlertRateMonitor(expected=0.01, window=100)
        >>> _ = mon.update([0] * 150 + [1] * 50)
        >>> st = mon.status()
        >>> st["window_rate"], st["warning"], st["warnings"], st["p_value"] < 1e-6
        (0.5, True, 1, True)
        """
        n = min(self.rows, self.window)
        count = self._count
        return {"window": self.window, "rows": self.rows, "flagged": self.flagged,
                "alert_rate": self.flagged / self.rows if self.rows else None,
                "window_rows": n, "window_rate": count / n if n else None,
                "expected_rate": self.expected,
                "p_value": self.p_value(count, n) if n >= self.min_rows else None,
                "warning": self.in_episode, "warnings": self.episodes}

    def _event(self, kind: str, i: int, count: int, n: int) -> DriftEvent:
        return DriftEvent(kind, self.rows + i, float(count) / float(n), int(n), self.expected,
                          self.p_value(int(count), int(n)), self.unit, self.reference)

    def summary(self, where: Callable[[int], str] | None = None) -> str:
        """The run's alert rate beside the expected one and the episodes, in one line.

        Parameters
        ----------
        where : callable, optional
            How the line names the last row of an episode's first window, given its
            :attr:`DriftEvent.row` (default ``row 7,000``), as :meth:`DriftEvent.describe`'s
            ``where``.

        Returns
        -------
        str
            The summary, with advice when the monitor fired.

        Examples
        --------
        >>> mon = AlertRateMonitor(expected=0.01, window=100)
        >>> _ = mon.update(([0] * 99 + [1]) * 10)   # one flag in a hundred
        >>> mon.summary().split("; ")[1]
        'no drift warning (window 100 rows)'
        """
        rate = self.flagged / self.rows if self.rows else 0.0
        u, one = self.unit, self.unit.removesuffix("s")
        head = (f"alert rate {_pct(rate)} over {self.rows:,} {one if self.rows == 1 else u} vs "
                f"{_pct(self.expected)} expected on {self.reference}")
        if self.rows < self.min_rows:
            return f"{head}; too few {u} for the drift check (needs {self.min_rows:,})"
        if self.n_ref is not None and self.n_ref < 1000:
            held = "held-out " if self.reference == "held-out normal data" else ""
            head += f" (a rate estimated from only {self.n_ref:,} {held}scores: loose)"
        if not self.episodes:
            return f"{head}; no drift warning (window {self.window:,} {u})"
        first = self.events[0]
        rows = (f"{one} " + ", ".join(f"{e.row:,}" for e in self.events) if where is None else
                ", ".join(where(e.row) for e in self.events)) + (" ..." if self.episodes > len(self.events)
                                                                 else "")
        # the peak's own window: a partial one (at least min_rows) before the first window filled
        span = f"{self.peak_rows:,} {u}"
        return (f"{head}; drift warning fired {self.episodes} time(s) (at {rows}; peak "
                f"{_pct(self.peak_rate)} over {span}, first {_p(first.p_value)}"
                f"{', still on at the end' if self.in_episode else ''}): normal traffic may have "
                "drifted from training, or an attack is under way; see README, Drift and retraining")

    @classmethod
    def from_threshold(cls, threshold: Any, normal_scores: object | None = None, window: int = 1000,
                       **kwargs: Any) -> AlertRateMonitor:
        """A monitor for a fitted threshold (its rate from :func:`expected_alert_rate`).

        Parameters
        ----------
        threshold
            A fitted threshold rule.
        normal_scores
            Held-out normal scores, for a rule that promises no rate.
        window
            Rows in the sliding window.
        **kwargs
            Further arguments of :class:`AlertRateMonitor`.

        Returns
        -------
        AlertRateMonitor
            The monitor, its ``n_ref`` (and ``reference``) from the threshold unless given.

        Examples
        --------
        >>> from hourglass.thresholds import Percentile
        >>> mon = AlertRateMonitor.from_threshold(Percentile(99).fit(np.arange(5000.0)))
        >>> round(mon.expected, 4), mon.n_ref
        (0.0102, 5000)
        """
        exp = expected_alert_rate(threshold, normal_scores)
        kwargs.setdefault("n_ref", exp.n_ref)
        if getattr(threshold, "fitted_on_", None) == "training scores (no held-out rows)":
            kwargs.setdefault("reference", "training scores (no held-out rows)")
        return cls(exp.rate, window, **kwargs)
