"""The drift check of ``score`` and ``stream``: an :class:`~hourglass.thresholds.AlertRateMonitor`
fed with the flags of the scored rows, its warnings and summary on stderr (never on stdout, never
in the outputs)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from hourglass.errors import HourglassError

__all__ = ["DriftCheck"]

logger = logging.getLogger("hourglass")


class DriftCheck:
    """The monitor of a loaded pipeline (:func:`~hourglass.serve.drift.drift_monitor`; ``causal``
    for the step-by-step stream); ``window=0``: a check that does nothing."""

    def __init__(self, pipe: Any, window: int, *, causal: bool = False) -> None:
        from hourglass.serve.drift import drift_monitor
        from hourglass.thresholds import AlertRateMonitor

        self.monitor: AlertRateMonitor | None = None
        self._named: dict[int, str] = {}  # the first fired events' rows, named as update named them
        if window <= 0:
            return
        try:
            self.monitor = drift_monitor(pipe, window, causal=causal)
        except HourglassError as exc:  # the check is an aid: scoring goes on without it, said once
            logger.warning("drift check off: %s", exc)

    def update(self, flags: Any, stats: Any = None, rows: Sequence[int] | None = None) -> None:
        """Feed the 0/1 flags of the next rows, in order; a warning line when the check fires,
        an info line when the episode ends. ``stats``: the read's
        :class:`~hourglass.ingest.ReadStats`, the rows fed being the rows it kept, in order: a
        line names the window's last row by its data row, as the output's ``row`` (rows
        skipped before it keep their numbers), or says it is not known (a skipped row whose
        place the reader does not know comes before it). ``rows``: for a caller that numbers
        its rows itself (``stream``), the data row (from 0) of each of these flags, what its
        alerts' ``row`` says; it names the row in place of ``stats``."""
        if self.monitor is None:
            return
        start = self.monitor.rows
        for event in self.monitor.update(flags):
            where: str | None = None
            if rows is not None:
                where = f"row {int(rows[event.row - start]):,}"
                if event.kind == "fired" and len(self._named) < _NAMED:
                    self._named[event.row] = where
            elif stats is not None:
                where = _data_row(stats, event.row)
            if event.kind == "fired":
                logger.warning("warning: drift check: %s", event.describe(where))
            else:
                logger.info("drift check: %s", event.describe(where))

    def summary(self, stats: Any = None) -> None:
        """The run's alert rate against the expected one and the warnings (stderr), each
        warning's row named as :meth:`update` names it with the same ``stats`` (or the
        ``rows`` given there)."""
        if self.monitor is not None and self.monitor.rows:
            named = self._named
            where: Callable[[int], str] | None = None
            if stats is not None:
                where = lambda row: _data_row(stats, row)  # noqa: E731
            elif named:
                where = lambda row: named.get(row, f"row {row:,}")  # noqa: E731
            logger.info("drift check: %s", self.monitor.summary(where))


#: how many fired events' rows a check keeps the names of (the summary names the first 5)
_NAMED = 5


def _data_row(stats: Any, kept: int) -> str:
    """How a drift line names the row at position ``kept`` (from 0) among the rows a read kept:
    its data row, from 0 (the output's ``row``), or that it is not known."""
    from hourglass.ingest.tables import UNKNOWN_ROW

    row = stats.data_row(kept)
    return f"row {row - 1:,}" if row is not None else UNKNOWN_ROW
