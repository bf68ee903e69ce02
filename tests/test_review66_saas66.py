"""Regression tests: business SaaS audit logs (Salesforce, ServiceNow, Atlassian, Zoom)."""
from __future__ import annotations

import io

import pandas as pd

from hourglass._times import read_timestamps


def test_salesforce_compact_timestamp_with_milliseconds() -> None:
    # What was wrong: Salesforce event log files' TIMESTAMP ('20240301080000.123') was refused as
    # no timestamp ('numbers are read as epoch seconds ...') as text and as a CSV reader's float.
    text = pd.Series(["20240301080101.665", "20240301080102.123", "20240301080103"])
    ts, _ = read_timestamps(text, "TIMESTAMP")
    assert [str(t) for t in ts] == ["2024-03-01 08:01:01.665000", "2024-03-01 08:01:02.123000",
                                    "2024-03-01 08:01:03"]
    csv = '"TIMESTAMP","USER_ID"\n"20240301080101.665","0055e000001AbCd"\n' \
          '"20240301080102.000","0055e000001AbCd"\n"20240301080102.123","0055e000001AbCd"\n'
    col = pd.read_csv(io.StringIO(csv))["TIMESTAMP"]
    assert col.dtype.kind == "f"
    ts, _ = read_timestamps(col, "TIMESTAMP")
    want = pd.to_datetime(["2024-03-01 08:01:01.665", "2024-03-01 08:01:02", "2024-03-01 08:01:02.123"],
                          format="ISO8601")
    assert (abs(ts - want) <= pd.Timedelta(milliseconds=3)).all()
    assert ts.is_monotonic_increasing
