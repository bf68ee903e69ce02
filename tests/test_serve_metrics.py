"""GET /metrics: the service's counters in Prometheus' text format, behind the key."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass import AutoEncoder, Pipeline, load
from hourglass.serve import create_app
from hourglass.serve.metrics import ServiceMetrics

KEY = "metrics-key-0123456789abcdef"


def _flows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(6, 1, n).round(),
                         "rate": rng.uniform(0, 1, n)})


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("metrics") / "model"
    Pipeline(AutoEncoder(hidden=(8, 4), epochs=2, verbose=0, random_state=0)).fit(_flows(300, 0)).save(out)
    return out


def _samples(text: str) -> dict[str, float]:
    """``name{labels}`` → value, for every sample line of the text format."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_metrics_count_requests_scored_rows_flags_and_scoring_time(model: Path) -> None:
    with TestClient(create_app(model, api_key=KEY, max_rows=50, drift_window=100)) as c:
        rows = _flows(20, 1).to_dict("records")
        rows[0]["bytes"] = 1e9  # far out: flagged
        answers = [c.post("/score", json={"rows": rows}, headers={"X-API-Key": KEY}) for _ in range(3)]
        assert all(r.status_code == 200 for r in answers)
        flagged = sum(answers[0].json()["flags"])
        assert flagged >= 1
        c.post("/score", json={"rows": rows})  # no key: 401
        c.post("/score", json={"rows": rows * 3}, headers={"X-API-Key": KEY})  # 60 rows > 50: 413
        c.get("/health")
        c.get("/wp-login.php")  # a probe: counted as 'other', not as its own path
        r = c.get("/metrics", headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    s = _samples(r.text)
    assert s['hourglass_requests_total{path="/score",status="200"}'] == 3
    assert s['hourglass_requests_total{path="/score",status="401"}'] == 1
    assert s['hourglass_requests_total{path="/score",status="413"}'] == 1
    assert s['hourglass_requests_total{path="/health",status="200"}'] == 1
    assert s['hourglass_requests_total{path="other",status="404"}'] == 1
    assert s['hourglass_scored_total{unit="rows"}'] == 60  # only the three scored requests
    assert s['hourglass_flagged_total{unit="rows"}'] == 3 * flagged
    assert s["hourglass_scoring_seconds_count"] == 3
    assert s['hourglass_scoring_seconds_bucket{le="+Inf"}'] == 3
    assert 0 < s["hourglass_scoring_seconds_sum"] < 60
    buckets = [v for k, v in s.items() if k.startswith("hourglass_scoring_seconds_bucket")]
    assert buckets == sorted(buckets)  # cumulative
    rule = load(model).threshold_  # percentile 99 of few held-out rows: their mean rate, above 1%
    assert s["hourglass_drift_expected_rate"] == pytest.approx(rule.expected_rate(rule.n_fit_))
    assert s["hourglass_drift_window_rate"] == pytest.approx(3 * flagged / 60)
    assert s["hourglass_drift_warning"] in (0, 1)
    info = next(k for k in s if k.startswith("hourglass_model_info"))
    assert re.search(r'model="autoencoder",input="tabular",id="[0-9a-f]{8,}"', info)


def test_metrics_need_the_key_either_header(model: Path) -> None:
    with TestClient(create_app(model, api_key=KEY, drift_window=0)) as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong-key-0123456789"}).status_code == 401
        assert c.get("/metrics", headers={"Authorization": f"Basic {KEY}"}).status_code == 401
        r = c.get("/metrics", headers={"X-API-Key": KEY})
        assert r.status_code == 200
        assert "hourglass_drift" not in r.text  # the drift check is off
        assert "/metrics" in c.get("/openapi.json").json()["paths"]


def test_metrics_text_escapes_label_values_and_renders_each_metric_once() -> None:
    m = ServiceMetrics(model='odd "name"\\x', kind="table", unit="rows", model_id="ab", version="1")
    m.count_scored(100.0, scored=1, flagged=0)  # beyond the last bucket: only +Inf counts it
    text = m.render({"expected_rate": 0.01, "window_rate": None, "p_value": None, "warning": False,
                     "warnings": 0})
    assert 'model="odd \\"name\\"\\\\x"' in text
    assert 'hourglass_scoring_seconds_bucket{le="10"} 0' in text
    assert 'hourglass_scoring_seconds_bucket{le="+Inf"} 1' in text
    assert "hourglass_drift_window_rate" not in text  # no value yet: absent, not NaN
    types = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")]
    assert len(types) == len(set(types))
