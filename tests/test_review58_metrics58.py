"""Review round 58 (metrics58): evaluation and thresholds read against their definitions."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.evaluate import timeseries_metrics, tsb_sliding_window, vus_volumes

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


def test_tsb_sliding_window_refuses_a_max_lag_that_is_no_whole_number_of_lags() -> None:
    # What was wrong: max_lag went into a slice unchecked: max_lag=-5 cut the ACF's last 4 lags
    # off instead of keeping none (np.sin(np.arange(100)) answered a buffer of 250, no word);
    # max_lag=2.5 was a TypeError ('slice indices must be integers') and 'x' another.
    x = np.sin(np.arange(300) / 3.0)
    for bad in (-5, 2.5, "x", True, None):
        with pytest.raises(InputError, match=r"^max_lag: a whole number of lags >= 0, got "):
            tsb_sliding_window(x, max_lag=bad)  # type: ignore[arg-type]
    assert tsb_sliding_window(x, max_lag=0) == 125  # no lag looked at: no period
    assert tsb_sliding_window(x, max_lag=10**400) == tsb_sliding_window(x)  # every lag there is
