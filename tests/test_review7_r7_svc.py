"""Review 7 of the service's multi-model hosting, guards and metrics: each test is a defect a
user saw, kept fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass import AutoEncoder, Pipeline
from hourglass.serve import create_models_app

KEY = "r7-svc-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("r7svc")
    df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    for name in ("zeek", "vpc"):
        Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df).save(d / name)
    return {"zeek": d / "zeek", "vpc": d / "vpc"}


def test_multi_health_answers_head(models: dict[str, Path]) -> None:
    # a load balancer's HEAD /health probe was 405 on a service of several models (200 on one)
    with TestClient(create_models_app(models, api_key=KEY)) as c:
        assert c.head("/health").status_code == 200
        assert c.get("/health").status_code == 200
        assert list(c.get("/openapi.json").json()["paths"]["/health"]) == ["get"]
