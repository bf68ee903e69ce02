"""Review round 61 (siem61): SIEM exports (Splunk, Sentinel, QRadar, Elastic) through every path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.tabular import TabularPreprocessor


def _splunk_export(n: int, *, day: int, server: str, bucket: str, wday: str) -> pd.DataFrame:
    rng = np.random.default_rng(day)
    t = pd.date_range(f"2024-03-{day:02d} 08:00", periods=n, freq="7s", tz="UTC")
    return pd.DataFrame({
        "_time": t.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "_raw": [f"fw01 kernel: src=10.0.0.{i % 20} bytes={i}" for i in range(n)],
        "_indextime": (t.asi8 // 10**9 + 2).astype(float),
        "_cd": [f"12:{1000 + i}" for i in range(n)],
        "_bkt": [f"main~12~{bucket}"] * n,
        "_serial": np.arange(n, dtype=float),
        "linecount": 1.0,
        "splunk_server": server,
        "punct": "_:_=..._=",
        "date_hour": t.hour.astype(float),
        "date_minute": t.minute.astype(float),
        "date_month": "march",
        "date_wday": wday,
        "src": [f"10.0.0.{i % 20}" for i in range(n)],
        "bytes": rng.integers(200, 5000, n).astype(float),
        "action": rng.choice(["allowed", "blocked"], n),
    })


def test_splunk_export_bookkeeping_columns_are_no_features() -> None:
    # What was wrong: a Splunk CSV export (outputcsv, the UI's export) trained its bookkeeping as
    # features: _bkt, splunk_server, punct, date_month and date_wday one-hot, _serial and
    # date_minute scaled. An autoencoder trained on one day's export flagged 600 of 600 rows of
    # the next day's normal traffic (another indexer, bucket and weekday; 10 of 600 on its own
    # training file): every category of the new export was one never seen.
    train = _splunk_export(300, day=1, server="idx01", bucket="AAAA", wday="friday")
    pre = TabularPreprocessor().fit(train)
    for c in ("_raw", "_indextime", "_cd", "_bkt", "_serial", "linecount", "splunk_server",
              "punct", "date_hour", "date_minute", "date_month", "date_wday"):
        assert pre.roles_[c] == "drop", (c, pre.roles_[c], pre.reasons_[c])
    assert pre.reasons_["_bkt"] == "Splunk's export bookkeeping"
    assert (pre.roles_["src"], pre.roles_["bytes"], pre.roles_["action"]) == ("ip", "numeric", "categorical")
    # the next day's export from another indexer gives the same features as the same rows would
    later = _splunk_export(300, day=4, server="idx02", bucket="BBBB", wday="monday")
    same = later.assign(_bkt=train["_bkt"], splunk_server="idx01", date_wday="friday")
    assert np.array_equal(pre.transform(later), pre.transform(same))
    # a role given keeps one (the hour of day, if the user wants it)
    kept = TabularPreprocessor(roles={"date_hour": "numeric"}).fit(train)
    assert kept.roles_["date_hour"] == "numeric"
    # without Splunk's internal fields, a column named so is read as any other
    plain = train.drop(columns=["_time", "_raw", "_indextime", "_cd", "_bkt", "_serial", "splunk_server"])
    assert TabularPreprocessor().fit(plain).roles_["punct"] == "categorical"
