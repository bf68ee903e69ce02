"""Review round 56 (left56b): regression tests for the small items left alone this round."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError


@pytest.mark.parametrize("device", [10**30, 2**63])
def test_absurd_device_index_is_an_input_error(device: int) -> None:
    # What was wrong: an integer device past int64 made torch.device raise a raw ValueError
    # ("Overflow when unpacking long long"), which _device_kind did not catch: fit (and loading a
    # model whose config.json held such a device) ended in a traceback, not an InputError.
    from hourglass import AutoEncoder
    from hourglass.nn.device import check_device

    with pytest.raises(InputError, match="device"):
        check_device(device)
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(InputError, match="device"):
        AutoEncoder(device=device, epochs=1).fit(X)
