"""Degenerate cases of federated training and warm starts against the plain fit: one site, one
round; two sites of the same rows; a warm start that moves no weight; and a threshold rule whose
fit follows the order of the scores, which the sites' summaries do not keep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site
from hourglass.errors import InputError
from hourglass.thresholds import DSPOT


def _rows(n: int, seed: int, missing: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"bytes": rng.exponential(100, n), "dur": rng.normal(5, 2, n),
                       "pkts": rng.integers(1, 50, n).astype(float),
                       "proto": rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.3, 0.1])})
    if missing:
        df.loc[rng.random(n) < 0.1, "dur"] = np.nan
    return df


def _ae(**params: object) -> AutoEncoder:
    return AutoEncoder(**{"hidden": (8, 4), "epochs": 1, "verbose": 0, "device": "cpu", **params})


def test_dspot_is_refused_with_summaries_whose_pseudo_union_keeps_no_order() -> None:
    # what was wrong: FederatedServer(AutoEncoder(threshold=DSPOT(...)), held_out="summaries") fitted
    # the shared DSPOT on the pseudo-union, which is sorted: its moving mean started from the
    # highest scores. With one site, whose own DSPOT (and the plain fit's) is exact, the shared
    # threshold moved by -5% to +8% (4 seeds), where every order-free rule moved by 0.3% at most
    rule = DSPOT(1e-2, depth=5)
    with pytest.raises(InputError, match=r"^threshold: DSPOT's moving mean \(of the last 5 scores\) "
                                         r"follows the order .* use held_out='scores'"):
        FederatedServer(_ae(threshold=rule), rounds=1, held_out="summaries")
    # held_out="scores" keeps each site's scores in their order: one site gives the plain fit's
    df = _rows(1100, 3)
    det = _ae(threshold=DSPOT(1e-2, depth=5), standardize=False)
    server = FederatedServer(det, rounds=1).run([Site(df, det)])
    plain = Pipeline(det).fit(df)
    assert server.pipeline().threshold_.value_ == server.pipeline(site=1).threshold_.value_
    assert server.pipeline().threshold_.value_ == plain.threshold_.value_
