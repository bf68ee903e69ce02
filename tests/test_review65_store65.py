"""Regression tests: storage and backup telemetry (Azure Storage, Cloud Storage, NAS, backup)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.features.entity import EntityWindows
from tests._cli import one_line_error


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


#: a request of Azure Storage's analytics log (its $logs blobs), version 2.0: ';'-parted, no header
_AZURE_LOG = ('2.0;2026-12-01T08:00:{s:02d}.4617505Z;GetBlob;Success;200;7;6;authenticated;corpstore;'
              'corpstore;blob;"https://corpstore.blob.core.windows.net/docs/f{i}.docx";'
              '"/corpstore/docs/f{i}.docx";e1f53a26-b01e-0027-43d1-00a6c400{i:04d};0;10.0.1.5:5{i:04d};'
              '2021-08-06;500;0;271;{b};0;;;"0x8D9CE4A5C3A1DB3";Monday, 30-Nov-26 20:34:54 GMT;;'
              '"Azure-Storage/12.14.1 (.NET 6.0.1)";;"7b1e{i:04d}";;;;;;;;\n')


@pytest.mark.parametrize("command", ["train", "inspect"])
def test_an_azure_storage_analytics_log_without_a_header_is_refused(command: str, tmp_path) -> None:
    # What was wrong: Azure Storage's analytics log (';'-parted, no header line) trained on its
    # first request as the columns' names (columns '10.0.1.5:50000', '2021-08-06'), with only a
    # warning naming PostgreSQL's csvlog; it is refused now, naming the header line to write.
    path = tmp_path / "000000.log"
    path.write_text("".join(_AZURE_LOG.format(s=i % 60, i=i, b=1000 + i) for i in range(60)))
    out = tmp_path / "m"
    args = [command, str(path)] + (["-o", str(out)] if command == "train" else [])
    one_line_error(args, "an Azure Storage analytics log (version 2.0, fields parted by ';') has "
                         "no header line", out)
    one_line_error(args, "(echo 'version-number;request-start-time;operation-type;", out)
    one_line_error(args, "reserved-field;authorization-detail'; cat FILE) > FILE.csv", out)
