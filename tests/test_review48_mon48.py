"""Monitoring figures checked against an independent count of the same outputs."""

from __future__ import annotations

import numpy as np

from hourglass.thresholds import AlertRateMonitor


def test_monitor_p_value_agrees_with_its_warning_when_alerts_come_in_runs() -> None:
    # what was wrong: with run_length > 1 (series models) p_value rounded the runs up while the
    # firing rule counts whole runs, so status() (GET /health, hourglass_drift_p_value) showed
    # p = 3.7e-07 < alpha with warning false for 41 or 42 flags in 200 rows (5% expected, runs
    # of 2.5; it fires at 43)
    for rl, n_ref in ((2.5, None), (3.2569, None), (1.7, 400)):
        for c in range(0, 70):
            mon = AlertRateMonitor(0.05, 200, run_length=rl, n_ref=n_ref)
            mon.update(np.zeros(200, dtype=int))
            mon.update(np.ones(c, dtype=int))  # the window's count climbs to c, one row at a time
            st = mon.status()
            assert st["warning"] == (st["p_value"] <= mon.alpha), (rl, n_ref, c, st)
