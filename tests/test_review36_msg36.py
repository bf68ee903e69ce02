"""Time-series refusals count steps as people do."""
from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError


def test_one_step_is_one_time_step() -> None:
    # what was wrong: a one-step series was "series has 1 time steps, shorter than one window"
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import sliding_windows

    x = np.zeros((1, 2), np.float32)
    with pytest.raises(InputError, match=r"^series has 1 time step, shorter than one window of 8 "):
        LSTMAutoEncoder(window=8, epochs=1, verbose=0).fit(x)
    with pytest.raises(InputError, match=r"^series has 1 time step, shorter than one window of 3$"):
        sliding_windows(x, 3, 1)
    with pytest.raises(InputError, match=r"^series has 2 time steps, "):
        sliding_windows(np.zeros((2, 2)), 3, 1)


def test_ganomaly_1d_says_how_many_training_steps_give_two_windows() -> None:
    # what was wrong: 8 training steps of window 8 were told "fitting needs at least 2" windows
    # and not how many steps give them; window + 1 steps do (and do fit)
    from hourglass.detectors import GANomaly1D

    x = np.random.default_rng(0).normal(size=(9, 2)).astype(np.float32)
    with pytest.raises(InputError, match=r"needs at least 2, from 9 training steps \("):
        GANomaly1D(window=8, epochs=1, verbose=0, validation_fraction=0).fit(x[:8])
    GANomaly1D(window=8, epochs=1, verbose=0, validation_fraction=0, min_steps=1).fit(x)
