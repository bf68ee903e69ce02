"""The scoring service (API key, limits, schemas, several models, metrics, drift) and
``hourglass serve``: each test is a defect a user saw, kept fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli.app import app as cli
from hourglass.serve import create_app

KEY = "svc9-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
runner = CliRunner()


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("svc9")
    df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df).save(d / "m")
    return d / "m"


@pytest.fixture(scope="module")
def client(model: Path) -> TestClient:
    return TestClient(create_app(model, api_key=KEY, max_rows=20), raise_server_exceptions=False)


def test_max_body_mb_whose_bytes_overflow_is_one_line(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # --max-body-mb 1e308 is finite, but 1e308 MB in bytes is not: int(inf) raised an
    # OverflowError traceback; now the one-line refusal of any other unusable size
    from hourglass.cli import serve as serve_cli

    monkeypatch.setattr(serve_cli, "run_server", lambda *a, **kw: pytest.fail("served"))
    monkeypatch.setenv("HOURGLASS_API_KEY", KEY)
    res = runner.invoke(cli, ["serve", str(model), "--port", "0", "--max-body-mb", "1e308", "-q"])
    assert res.exit_code == 2, res.output
    assert "--max-body-mb: must be > 0 and finite" in res.output and "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
