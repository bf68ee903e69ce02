"""Review of log anomaly detection: DeepLog ranks, Drain template keys in training and scoring."""

from __future__ import annotations

import numpy as np
import torch

from hourglass.detectors.deeplog import DeepLog


def _deeplog() -> DeepLog:
    normal = [np.array([1, 2, 3, 4, 5, 6])] * 50
    return DeepLog(window=3, top_g=1, hidden=16, layers=1, epochs=60, lr=0.03, verbose=0).fit(normal)


def test_rank_is_the_true_rank_when_p_is_below_float32_resolution() -> None:
    dl = _deeplog()
    with torch.no_grad():  # a confident network: the unexpected key's p underflows next to its rank
        dl.module_.out.weight.mul_(10)
        dl.module_.out.bias.mul_(10)
    s = np.array([1, 2, 6, 4, 5, 6])
    X = dl._with_end(dl._validate([s], reset=False))
    w, t = dl._windows(X, np.arange(len(X.flat)))
    with torch.no_grad():
        lg = dl.module_.logits(torch.from_numpy(w)).numpy()
    true = (lg > lg[np.arange(len(t)), t][:, None]).sum(axis=1) + 1
    e = dl.explain([s])[0]
    assert e["position"] == 2 and e["score"] == float(true[2])  # p lost: the score is the rank itself
    assert e["rank"] == true[2]  # was true rank + 1
    r = dl.next_event_scores(np.array([[-1, 1, 2], [1, 2, 3]]), np.array([6, 4]))
    assert r["rank"].tolist() == [true[2], 1]
    unseen = dl.explain([np.array([1, 2, 99, 4, 5, 6])])[0]  # an unseen key: above every rank
    assert unseen["key"] is None and unseen["rank"] > dl.n_features_in_ + 2
