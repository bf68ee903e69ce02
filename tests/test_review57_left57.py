"""Review round 57 (left57): regression tests for the small items the last round left alone."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError


def test_a_bytes_device_is_refused_before_training() -> None:
    # What was wrong: torch.device(b"cpu") is the CPU, so check_device and fit took device=b"cpu";
    # the model trained and then Pipeline.save refused it ("cannot save parameter value b'cpu' of
    # type bytes"). A device given as bytes is now an unknown device, before any training.
    from hourglass import AutoEncoder
    from hourglass.nn.device import check_device, resolve_device

    for check in (check_device, resolve_device):
        with pytest.raises(InputError, match=r"device: unknown device b'cpu'"):
            check(b"cpu")
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(InputError, match="unknown device b'cpu'"):
        AutoEncoder(device=b"cpu", epochs=1).fit(X)
