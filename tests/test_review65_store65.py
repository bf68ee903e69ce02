"""Regression tests: storage and backup telemetry (Azure Storage, Cloud Storage, NAS, backup)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.entity import EntityWindows


def _azure_requests() -> pd.DataFrame:
    # Azure Storage analytics' requester-ip-address: the caller with a new source port each request
    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame({
        "requester-ip-address": [f"10.0.1.{2 + i % 3}:{40000 + i}" for i in range(n)],
        "request-start-time": pd.date_range("2026-12-01 08:00", periods=n, freq="20s", tz="UTC"),
        "response-packet-size": rng.integers(1000, 90000, n)})


def test_an_entity_written_with_its_port_is_its_address() -> None:
    # What was wrong: an entity model keyed on Azure Storage's requester-ip-address
    # (10.0.1.5:52153, a new port each request) made each request an entity of its own (60 rows,
    # 60 entities, each bucket one row); the address is the entity now, and a state saved before
    # still compares them as written.
    df = _azure_requests()
    ew = EntityWindows("requester-ip-address", "request-start-time", bucket="10min").fit(df)
    agg = ew.aggregate(df)
    assert sorted(agg["entity"].unique()) == ["10.0.1.2", "10.0.1.3", "10.0.1.4"]
    assert int(agg["rows"].sum()) == 60
    state = ew.to_dict()
    assert state["entity_ip_form"] == 2
    old = dict(state, entity_ip_form=1)  # as a model saved before wrote it
    assert EntityWindows.from_dict(old).aggregate(df)["entity"].nunique() == 60
    assert EntityWindows.from_dict(state).aggregate(df)["entity"].nunique() == 3


def test_an_api_version_written_as_its_date_is_a_code() -> None:
    # What was wrong: Azure Storage's OperationVersion (StorageBlobLogs) and its analytics log's
    # request-version-header, the API version a client speaks written as its date (2021-08-06),
    # were dropped as dates, so a caller on an old API version (a tool unlike the others) was no
    # feature; they are codes now, and a day column is still dropped.
    from hourglass.features.roles import infer_role
    from hourglass.features.tabular import TabularPreprocessor

    versions = pd.Series(["2021-08-06", "2020-10-02", "2021-08-06"] * 5)
    for name in ("OperationVersion", "request-version-header", "x-ms-version"):
        assert infer_role(name, versions, max_categories=50)[0] == "categorical", name
    assert infer_role("day", versions, max_categories=50) == ("drop", "date/time values")
    df = pd.DataFrame({"OperationVersion": versions, "ResponseBodySize": np.arange(15.0)})
    pre = TabularPreprocessor().fit(df)
    assert any(f.startswith("OperationVersion") for f in pre.feature_names_)
