"""Review round 57 (self57): regression tests for this round's own changes, reviewed as a PR."""

from __future__ import annotations

import numpy as np
import pandas as pd


def test_backend_address_is_no_time_in_an_entity_model() -> None:
    # What was wrong: b13bf48e made every name ending in 'start'/'end' (underscores removed) a
    # time's name, so an entity model dropped a load balancer's 'backend' column of
    # 10.0.0.5:8080 values as 'times' (its digits and dots look like a date), and names such as
    # 'restarts', 'weekend', 'bytes_send' were times' names too; only a name whose last word is
    # start or end (a unit aside) is one now
    from hourglass.features.entity import EntityWindows
    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame({"host": rng.choice(["a", "b", "c"], n),
                       "ts": pd.date_range("2024-01-01", periods=n, freq="min"),
                       "backend": rng.choice(["10.0.0.5:8080", "10.0.0.6:8080", "10.0.1.7:80"], n),
                       "bytes": rng.integers(0, 1000, n)})
    ew = EntityWindows("host", "ts").fit(df)
    assert "backend" not in ew.not_aggregated_, ew.not_aggregated_
    from hourglass.features.roles import is_time_name

    for name in ("backend", "frontend", "weekend", "trend", "spend", "restarts", "bytes_send",
                 "appends", "BACKEND"):
        assert not is_time_name(name), name
    for name in ("start", "end", "FLOW_START_MILLISECONDS", "flow_end_ms", "flowStartSeconds",
                 "flowEndMilliseconds", "end_time_ms", "login_date", "start_s"):
        assert is_time_name(name), name
