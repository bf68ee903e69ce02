"""Review 51 (meta51): metamorphic invariances: the same rows must get the same answers
whatever they are batched with, chunked into, ordered or written as."""

from __future__ import annotations

import numpy as np


def test_ensemble_rank_of_a_score_a_rounding_above_tied_held_out_maximum_is_one() -> None:
    # what was wrong: a member score a float32 rounding above the held-out maximum (identical
    # normal sessions tied there) ranked 1 + its last bits' distance past it / std, so the same
    # session scored alone (1.0000008) was flagged by a threshold of 1.0 that left it unflagged
    # in a batch (1.0): 8 of 1,000 HDFS sessions of an event-ensemble flipped
    from hourglass.detectors import Ensemble

    X = np.random.default_rng(0).normal(size=(200, 4)).astype("float32")
    ens = Ensemble(detectors=(("autoencoder", {"hidden": (4, 2), "epochs": 1}),), calibration="rank",
                   verbose=0).fit(X)
    v = np.float32(0.63775253)
    _, mean, _ = ens.calibration_[0]
    ens.calibration_[0] = (np.full(50, v, dtype=np.float64), mean, 1e-3)
    up = np.nextafter(v, np.float32(1))
    ens.members_[0].score = lambda rows: np.array([v, up, np.nextafter(up, np.float32(1)),
                                                   v * 1.01], dtype=np.float64)
    ranks = ens.member_scores(X[:4])[0]
    assert ranks[:3].tolist() == [1.0, 1.0, 1.0]
    assert ranks[3] == 1.0 + (float(v * 1.01) - float(v)) / 1e-3  # past the rounding: its distance
