"""Review round 58 (metrics58): evaluation and thresholds read against their definitions."""

from __future__ import annotations

import pytest

from hourglass.errors import InputError
from hourglass.evaluate import timeseries_metrics, vus_volumes

Y = [0, 1, 1, 0, 0, 0, 1, 0]
S = [0.1, 0.9, 0.4, 0.3, 0.2, 0.05, 0.8, 0.35]


def test_vus_refuses_a_sliding_window_past_floats_range_with_its_message() -> None:
    # What was wrong: vus_volumes (and timeseries_metrics, evaluate's series metrics) checked
    # sliding_window with float(value).is_integer(), which raised OverflowError ('int too large
    # to convert to float') for an integer past float's range instead of the one-line
    # 'sliding_window: at most ... steps' refusal that 10**12 gets.
    for call in (lambda: vus_volumes(Y, S, 10**400),
                 lambda: timeseries_metrics(Y, S, [0, 1, 0, 0, 0, 0, 1, 0], sliding_window=10**400)):
        with pytest.raises(InputError, match=r"^sliding_window: at most 125 steps .* got an integer "
                                             r"past float's range$"):
            call()


def test_vus_takes_more_thresholds_than_steps_without_allocating_them() -> None:
    # What was wrong: n_thresholds sized arrays of that many thresholds, though past the series'
    # steps they only repeat positions that add nothing to either volume: n_thresholds=10**11 on
    # an 8-step series was numpy's MemoryError ('Unable to allocate 745. GiB'), and 10**400 an
    # OverflowError traceback. The volumes are those of one threshold per step.
    want = vus_volumes(Y, S, 4, n_thresholds=len(Y))
    for many in (10**11, 10**400):
        got = vus_volumes(Y, S, 4, n_thresholds=many)
        assert got == pytest.approx(want, abs=1e-12)
