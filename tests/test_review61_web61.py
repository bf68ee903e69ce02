"""Review round 61 (web61): web servers', proxies' and WAFs' access logs through every path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.features.tabular import TabularPreprocessor


def _nginx_json_rows(n: int, start: float) -> pd.DataFrame:
    """Rows of nginx's JSON log_format: $msec and $time_local beside the request's fields."""
    rng = np.random.default_rng(0)
    msec = start + np.arange(n) * 0.25 + 0.123
    stamps = pd.to_datetime(msec, unit="s").tz_localize("UTC").tz_convert("Etc/GMT-1")
    return pd.DataFrame({"msec": msec,
                         "time_local": stamps.strftime("%d/%b/%Y:%H:%M:%S +0100"),
                         "request_method": rng.choice(["GET", "POST"], n),
                         "body_bytes_sent": rng.integers(200, 30000, n)})


@pytest.mark.parametrize("name", ["msec", "time_local"])
def test_nginx_time_fields_are_times_not_features(name: str) -> None:
    # What was wrong: a JSON access log of nginx's own variables trained on its time fields:
    # '$msec' (1709280000.123, epoch seconds) was a minmax-scaled number, so a model trained on
    # one day flagged 1,000 of 1,000 rows of the next, and '$time_local'
    # ('01/Mar/2024:08:00:01 +0100', 4 requests a second) was hashed into 16 buckets: neither
    # name read as a time's, where 'time', 'timestamp' or an ISO text is dropped.
    df = _nginx_json_rows(400, 1709280000.0)
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_[name] == "drop"
    assert pre.roles_["body_bytes_sent"] == "numeric"


@pytest.mark.parametrize("name", ["EdgeResponseStatus", "OriginResponseStatus", "DownstreamStatus"])
def test_http_status_under_a_name_ending_in_status_is_a_code(name: str) -> None:
    # What was wrong: Cloudflare's EdgeResponseStatus (and OriginResponseStatus, Traefik's
    # DownstreamStatus) of 200, 304 and 404 was learnt as a magnitude ('log1p, minmax scaled':
    # 404 between 304 and 500), where nginx's 'status' and IIS's 'sc-status' are HTTP status codes.
    rng = np.random.default_rng(1)
    df = pd.DataFrame({name: rng.choice([200, 304, 404, 0], 300),
                       "EdgeResponseBytes": rng.integers(200, 30000, 300)})
    pre = TabularPreprocessor().fit(df)
    assert (pre.roles_[name], pre.reasons_[name]) == ("categorical", "HTTP status code")
    assert pre.roles_["EdgeResponseBytes"] == "numeric"
