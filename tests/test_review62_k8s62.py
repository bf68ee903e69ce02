"""Regression tests: Kubernetes and container telemetry (events, CRI and Docker logs, Falco,
shippers' kubernetes metadata)."""
from __future__ import annotations

import pandas as pd

from hourglass.features.roles import infer_role


def test_kubernetes_resource_version_is_no_amount() -> None:
    # What was wrong: a Kubernetes object's resourceVersion (kubectl get events -o json's
    # metadata.resourceVersion and involvedObject.resourceVersion) is etcd's revision, rising with
    # every write, but was min-max scaled as an amount: the next day's normal events lay past the
    # training range and all scored high (300 of 300 flagged).
    versions = pd.Series([str(100000 + 7 * i) for i in range(300)])
    for name in ("metadata.resourceVersion", "involvedObject.resourceVersion", "resourceVersion"):
        assert infer_role(name, versions, max_categories=100)[0] == "drop"
    assert infer_role("count", pd.Series([1, 2, 5, 1]), max_categories=100)[0] == "numeric"
