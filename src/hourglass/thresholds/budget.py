"""Alert budgets: at most N alerts per day (or per 10k events) on normal traffic."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from hourglass._numbers import read_whole
from hourglass._times import parse_timestamps
from hourglass.errors import InputError
from hourglass.thresholds.base import Threshold, cut_between, share_count
from hourglass.thresholds.evt import tail_quantile

__all__ = ["AlertBudget", "events_per_day", "per_day"]

logger = logging.getLogger(__name__)

#: What a per-day budget without the event rate is told, in a Python user's words (the CLI says
#: its options, ``--timestamp-col`` or ``--events-per-day``: ``cli._options.cli_advice``).
PER_DAY_RATE = "pass events_per_day=N"

_PER = {"day": "day", "d": "day", "10k": "10k", "10000": "10k"}


def _unit(per: object) -> str | None:
    """``day`` or ``10k``, the unit ``per`` names (any case; 10,000 in any spelling of the number
    the options read, ``1e4`` and ``10_000`` as ``10000``), else ``None``.

    Examples
    --------
    >>> _unit("Day"), _unit("10K"), _unit("1e4"), _unit(" 10_000 "), _unit("1000")
    ('day', '10k', '10k', '10k', None)
    """
    text = str(per).strip().lower()
    if text in _PER:
        return _PER[text]
    return "10k" if read_whole(text) == 10000 else None


def events_per_day(timestamps: object, *, column: str = "timestamp") -> float:
    """Event rate of a timestamp column: rows divided by the time span in days.

    Parameters
    ----------
    timestamps
        Timestamps (a pandas Series or array-like; numbers are epoch seconds).
    column
        The column's name, for error messages.

    Returns
    -------
    float
        Rows per day.

    Raises
    ------
    hourglass.errors.InputError
        No timestamps, timestamps that cannot be read, or all timestamps equal.

    Examples
    --------
    >>> ts = pd.date_range("2024-01-01", periods=97, freq="15min")   # one day, 96 intervals
    >>> events_per_day(ts)
    97.0
    """
    values = timestamps if isinstance(timestamps, pd.Series) else np.asarray(timestamps).ravel()
    ts = parse_timestamps(values, column)  # numbers are epoch seconds
    if len(ts) == 0:  # NaT - NaT: the rate was NaN
        raise InputError(f"column {column!r}: no timestamps; cannot derive an event rate")
    # (Python integers: times of 1700 and 2200 lie further apart than a pandas time length holds)
    span = (int(ts.max().value) - int(ts.min().value)) / 86_400e9
    if span <= 0:
        raise InputError(f"column {column!r}: all timestamps are equal; cannot derive an event rate")
    return float(len(ts) / span)


def per_day(rule: object) -> bool:
    """Whether ``rule`` is a per-day :class:`AlertBudget`, its ``per`` spelt in any of the ways it
    takes (``"day"``, ``"d"``, any case): such a rule needs an event rate.

    Examples
    --------
    >>> per_day(AlertBudget(5, per="Day")), per_day(AlertBudget(5, per="10k"))
    (True, False)
    """
    return isinstance(rule, AlertBudget) and _unit(rule.per) == "day"


class AlertBudget(Threshold):
    """Flag at most ``n`` normal events per day (``per="day"``) or per 10,000 events (``"10k"``);
    ``n`` may be a fraction (``0.5`` per day: one false alarm every two days).

    The budget becomes a risk ``q = n / events per day`` (or ``n / 10000``); the threshold is the
    ``1 - q`` quantile of held-out normal scores — empirical when the held-out set holds at least
    ``min_tail`` (>= 1) scores above it, else extrapolated with a POT (GPD) tail fit. A per-day budget
    needs ``events_per_day`` (derive it from a timestamp column with :func:`events_per_day`).
    Attacks come on top of the budget: it bounds false alarms, not true ones.

    Parameters
    ----------
    n
        Alerts allowed on normal traffic (> 0; may be a fraction).
    per
        ``"day"`` or ``"10k"`` (per 10,000 events).
    events_per_day
        Event rate, needed for a per-day budget (may be set before fit).
    min_tail
        Fewest held-out scores above the cut-off for the empirical quantile (>= 1); fewer: a
        POT tail fit.

    Examples
    --------
    >>> s = np.random.default_rng(0).normal(size=10000)
    >>> t = AlertBudget(50, per="10k").fit(s)
    >>> int(t.predict(s).sum())
    50
    >>> AlertBudget(20, per="day", events_per_day=100000).fit(s).q_
    0.0002
    """

    _params: ClassVar[tuple[str, ...]] = ("n", "per", "events_per_day", "min_tail")

    def __init__(self, n: float = 50.0, per: str = "day", events_per_day: float | None = None,
                 min_tail: int = 10) -> None:
        self.n = n
        self.per = per
        self.events_per_day = events_per_day
        self.min_tail = min_tail

    def _risk(self) -> float:
        per = _unit(self.per)
        if per is None:
            raise InputError(f"AlertBudget: per must be 'day' or '10k', got {self.per!r}", param="per")
        n = float(self.n)
        if not n > 0:
            raise InputError(f"AlertBudget: the budget must be > 0 alerts, got {self.n}", param="n")
        if per == "10k":
            events = 10000.0
        else:
            if self.events_per_day is None:
                raise InputError(f"AlertBudget: a per-day budget needs the event rate: {PER_DAY_RATE}",
                                 param="events_per_day")
            events = float(self.events_per_day)
            if not events > 0:
                raise InputError(f"AlertBudget: events_per_day must be > 0, got {events}",
                                 param="events_per_day")
        if n >= events:
            raise InputError(f"AlertBudget: a budget of {n:g} alerts per {per} is not below the "
                             f"event count ({events:g} events per {per}); nothing would be filtered",
                             param=("n", "per", "events_per_day"))
        return n / events

    def _check_params(self) -> None:
        self._risk()
        if int(self.min_tail) < 1:  # 0 would take the order statistic of no score above it
            raise InputError(f"AlertBudget: min_tail must be >= 1, got {self.min_tail}", param="min_tail")

    def _fit(self, scores: np.ndarray, y: object | None) -> float:
        self.q_ = self._risk()
        # order statistic: floor(q n) fitted scores lie above the threshold (fewer on a tie at it)
        k = min(share_count(self.q_, scores.size), scores.size - 1)  # q < 1: one score stays below
        if k >= max(int(self.min_tail), 1):
            self.method_ = "empirical"
            ordered = np.sort(scores)
            return cut_between(ordered[-k - 1], ordered[-k])
        z, fit = tail_quantile(scores, self.q_)
        self.method_ = "pot" if fit is not None else "empirical"
        logger.info("AlertBudget: risk %.3g is below %d/%d held-out scores; %s tail used",
                    self.q_, self.min_tail, scores.size, self.method_)
        return z

    @property
    def expected_per_day_(self) -> float | None:
        """Expected false alarms per day (``None`` without an event rate)."""
        if self.events_per_day is None:
            return None
        return self._risk() * float(self.events_per_day)

    def _extra_state(self) -> dict[str, Any]:
        return {"risk": self.q_, "method": self.method_} if hasattr(self, "q_") else {}

    def _load_extra_state(self, d: dict[str, Any]) -> None:
        if "risk" in d:
            self.q_, self.method_ = float(d["risk"]), str(d["method"])

    def describe(self) -> str:
        per = _unit(self.per) or self.per
        rate = ""
        if per == "day" and self.events_per_day:
            epd = float(self.events_per_day)  # under 10 a day (a quiet entity): not rounded to 0
            rate = f" at {epd:,.0f} events/day" if epd >= 10 else f" at {epd:.3g} events/day"
        return f"alert budget {self.n:g} per {per}{rate} on normal traffic{self._fitted_on_note()}"
