"""Regression tests: federated training, its held-out summaries and the Spark scorer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site
from hourglass.thresholds import FalseAlarmBound


def test_a_site_too_small_for_the_rule_trains_and_sends_no_threshold() -> None:
    # a 9-row site holds out none: it sends no threshold of its own, so a rule needing 59 scores
    # (fitted on the other site's 60 held-out rows) does not stop the run in its first train round
    rng = np.random.default_rng(0)
    det = AutoEncoder(hidden=(2,), epochs=1, verbose=0, validation_fraction=0.2,
                      threshold=FalseAlarmBound(0.05))
    sites = [pd.DataFrame({"a": rng.normal(size=n)}) for n in (300, 9)]
    server = FederatedServer(det, rounds=1).run([Site(d, det) for d in sites])
    pipe = server.pipeline()
    assert pipe.info["federated"]["rows"] == [300, 9]
    assert server.site_summaries_[1]["threshold"] is None
    assert type(pipe.detector_.threshold_) is FalseAlarmBound
    assert pipe.detector_.threshold_.n_fit_ == 60

