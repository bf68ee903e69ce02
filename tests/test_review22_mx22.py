"""Review 22 (mx22): a huge VUS buffer, missing-value spellings in key columns, ``stream``
appending to an output written by a model of another kind."""

from __future__ import annotations

import pytest

from hourglass.errors import InputError
from hourglass.evaluate import timeseries_metrics, vus_volumes


_Y = [0, 0, 0, 1, 1, 0, 0, 0] * 20                # 160 steps: a buffer of at most 320
_S = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0] * 20


@pytest.mark.parametrize("window", [10**12, 2**64, 1e12, 321])
def test_vus_refuses_a_buffer_past_twice_the_series(window: float) -> None:
    # was: vus_volumes(..., sliding_window=10**12) raised MemoryError / OverflowError (2**64)
    # from numpy instead of the module's InputError naming the argument
    with pytest.raises(InputError, match=r"^sliding_window: at most 320 steps .* got "):
        vus_volumes(_Y, _S, window, 8)


def test_vus_takes_a_buffer_of_twice_the_series() -> None:
    # the bound itself is still computed
    assert vus_volumes(_Y, _S, 320, 8)["vus_pr"] is not None


def test_vus_default_buffer_still_taken_on_a_short_series() -> None:
    # the bound must not refuse TSB-AD's default 100 on a series shorter than 50 steps
    m = timeseries_metrics([0, 0, 1, 1, 1, 1, 0, 0], [0, .1, .2, .9, .3, .2, .1, 0],
                           [0, 0, 0, 1, 0, 0, 0, 0])
    assert m["vus_pr"] is not None and m["vus_sliding_window"] == 100
