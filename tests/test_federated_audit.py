"""Federated training as a user drives it: unlike sites, bad inputs refused with one clear error
naming the site, and sites too small for a held-out share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import run_federated
from hourglass.errors import InputError


def _site(n: int, seed: int, cats: tuple[str, ...] = ("tcp", "udp")) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"bytes": rng.exponential(100, n), "dur": rng.normal(5, 1, n),
                         "proto": rng.choice(list(cats), n)})


def _det() -> AutoEncoder:
    return AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)


def test_what_is_not_an_hourglass_detector_is_refused_clearly() -> None:
    from sklearn.ensemble import IsolationForest

    sites = [_site(30, 0), _site(30, 1)]
    for det in (AutoEncoder, IsolationForest()):
        with pytest.raises(InputError, match="hourglass detector instance"):
            run_federated(sites, det)  # type: ignore[arg-type]
