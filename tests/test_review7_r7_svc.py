"""Review 7 of the service's multi-model hosting, guards and metrics: each test is a defect a
user saw, kept fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def test_forwarded_for_names_no_client(models: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # uvicorn's default trusted X-Forwarded-For from 127.0.0.1: behind a TLS proxy on the host
    # that passes the header on, a client sent a new address each request and --rate-limit (and
    # the access log) believed it; as documented, behind a proxy the limit is the proxy's
    import asyncio

    import uvicorn
    from typer.testing import CliRunner

    from hourglass.cli import serve as serve_cli
    from hourglass.cli.app import app as cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_cli, "run_server", lambda app, sockets, **kw: seen.update(app=app, kw=kw))
    monkeypatch.setenv("HOURGLASS_API_KEY", KEY)
    res = CliRunner().invoke(cli, ["serve", str(models["zeek"]), "--port", "0", "--rate-limit", "6", "-q"])
    assert res.exit_code == 0, res.output
    config = uvicorn.Config(seen["app"], **seen["kw"])
    config.load()

    async def status(forwarded: bytes) -> int:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": "/health", "raw_path": b"/health", "query_string": b"",
                 "root_path": "", "headers": [(b"host", b"x"), (b"x-forwarded-for", forwarded)],
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080)}
        await config.loaded_app(scope, receive, send)
        return int(sent[0]["status"])

    assert asyncio.run(status(b"203.0.113.1")) == 200
    assert asyncio.run(status(b"203.0.113.2")) == 429  # the same client (the proxy), burst of 1


@pytest.mark.parametrize("per_minute", [1e-320, 1e-300])
def test_tiny_rate_limit_retry_after_is_bounded(per_minute: float) -> None:
    # --rate-limit 1e-320 made the second request a 500 (ceil of an infinite wait: OverflowError
    # in the guard), 1e-300 a Retry-After of 302 digits; now at most a day
    from fastapi import FastAPI

    from hourglass.serve.security import RateLimit

    app = FastAPI()

    @app.get("/x")
    async def x() -> dict[str, int]:
        return {}

    app.add_middleware(RateLimit, per_minute=per_minute)
    c = TestClient(app, raise_server_exceptions=False)
    assert c.get("/x").status_code == 200
    r = c.get("/x")
    assert (r.status_code, r.headers["retry-after"]) == (429, "86400")
    assert "retry in 86400 s" in r.json()["detail"]
