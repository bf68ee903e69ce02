"""Regression tests of the scoring service (hourglass.serve): start-up limits of time-series
models, records inside one item of "lines", quoted client names and OpenAPI operation ids."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass import AutoEncoder, Pipeline
from hourglass.serve import create_app

KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}


def _series_model(out: Path, **grid: str) -> Path:
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    t = pd.date_range("2024-01-01", periods=60, freq="1min")
    series = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(60) / 4)})
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor("ts", **grid)).fit(series).save(out)
    return out


def test_max_rows_below_a_window_is_a_warning_when_a_filled_grid_spans_it(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from hourglass.errors import InputError

    filled = _series_model(tmp_path / "ffill", freq="1min", fill="ffill")
    with caplog.at_level(logging.WARNING, logger="hourglass.serve.app"):
        client = TestClient(create_app(filled, api_key=KEY, max_rows=5))
    assert "--max-rows 5 is below one window" in caplog.text
    # two rows 20 minutes apart on a 1min grid, forward-filled: 21 steps, more than a window
    rows = [{"ts": "2024-01-02 00:00:00", "cpu": 0.1}, {"ts": "2024-01-02 00:20:00", "cpu": 0.3}]
    r = client.post("/score", json={"rows": rows}, headers=AUTH)
    assert r.status_code == 200 and r.json()["steps"] == 21, r.text
    assert "spanning at least 8 steps of 1min" in client.get("/health").json()["request"]
    # a grid whose gaps are refused: each row is at most one step, so no series fits
    gaps = _series_model(tmp_path / "none", freq="1min")
    with pytest.raises(InputError, match=r"--max-rows 5: fewer than one window .* \(8 rows\)"):
        create_app(gaps, api_key=KEY, max_rows=5)
    assert "spanning at least 8 steps of 1min, a row in each" in \
        TestClient(create_app(gaps, api_key=KEY)).get("/health").json()["request"]


@pytest.fixture(scope="module")
def cef_client(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, list[str]]:
    """A service of a table model of CEF lines, and the lines it was trained on."""
    from tests.test_review13_svc import train_cef_model

    model, lines = train_cef_model(tmp_path_factory.mktemp("cef"))
    return TestClient(create_app(model, api_key=KEY)), lines


def test_blank_lines_around_one_record_of_an_item_are_skipped(cef_client: tuple[TestClient, list[str]],
                                                              ) -> None:
    client, lines = cef_client
    a, b = lines[:2]
    alone = client.post("/score", json={"lines": [a, b]}, headers=AUTH).json()["scores"]
    # a file's blank lines are skipped: one record with a newline before or a blank line after scored
    for items in (["\n" + a, b], [a + "\n ", b], [a + "\r\n", "\n\n" + b + "\n"]):
        r = client.post("/score", json={"lines": items}, headers=AUTH)
        assert r.status_code == 200 and r.json()["scores"] == alone, (items, r.text)
    r = client.post("/score", json={"lines": [b, a + "\n\n" + b + "\n"]}, headers=AUTH)
    assert (r.status_code, r.json()["detail"]) == (
        422, 'line 2: holds 2 records (line breaks inside); send one record per item of "lines"')


def test_a_log_line_with_blank_lines_around_it_is_one_line(tmp_path: Path) -> None:
    from hourglass.errors import InputError
    from hourglass.serve.log_scoring import LogScorer
    from tests.test_logs import hdfs_log
    from tests.test_serve_audit import _ok

    (tmp_path / "train.log").write_text("\n".join(hdfs_log(6)) + "\n")
    _ok(["train", tmp_path / "train.log", "--format", "hdfs", "--session-regex", r"blk_-?\d+", "--model",
         "deeplog", "--epochs", "1", "--param", "window=3", "--param", "top_g=1", "--hidden", "4",
         "--param", "layers=1", "-o", tmp_path / "log", "-q"])
    scorer = LogScorer(tmp_path / "log")
    lines = hdfs_log(3)
    plain = scorer.score(lines)
    assert scorer.score(["\n" + lines[0], *lines[1:-1], lines[-1] + "\n \n"]) == plain
    with pytest.raises(InputError, match=r"^line 2: holds 2 log lines \(line breaks inside\)"):
        scorer.score([lines[0], lines[1] + "\n\n" + lines[2], *lines[3:]])


@pytest.fixture(scope="module")
def table_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    out = tmp_path_factory.mktemp("table") / "model"
    df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(df).save(out)
    return TestClient(create_app(out, api_key=KEY))


def test_a_quoted_client_name_is_bounded_after_its_escapes(table_client: TestClient) -> None:
    import json

    from hourglass.serve.app import _bounded

    for ch in ("\x00", "\u2028", "\U000e0001", "\n"):  # each escape 2 to 10 characters
        for n in (20, 80, 81):
            shown = _bounded(ch * n)
            assert len(shown) <= 80 and shown.isprintable(), (ch, n, shown)
    assert _bounded("a\nb") == "a\\nb" and _bounded("a\\nb") == "a\\\\nb"  # a newline, a backslash
    tag = "\U000e0001" * 80
    r = table_client.post("/score", content=json.dumps({"rows": [{"bytes": 1, "proto": "tcp"}], tag: 1}),
                          headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 422 and len(r.json()["detail"]) < 200, r.text


def test_a_nested_key_with_a_newline_is_escaped_in_the_missing_column_detail(table_client: TestClient,
                                                                            ) -> None:
    r = table_client.post("/score", json={"rows": [{"bytes": 1, "proto": {"na\nme": "tcp"}}]},
                          headers=AUTH)
    detail = r.json()["detail"]
    assert r.status_code == 422 and len(detail.splitlines()) == 1, detail
    assert "(proto.na\\nme); send 'proto' as a plain value" in detail, detail


def test_a_model_name_with_a_dash_keeps_fastapis_operation_id(tmp_path: Path) -> None:
    from hourglass.serve.multi import create_models_app

    df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(df).save(tmp_path / "m")
    app = create_models_app({"zeek-conn": tmp_path / "m", "dns.v2": tmp_path / "m"}, api_key=KEY)
    paths = TestClient(app).get("/openapi.json").json()["paths"]
    assert paths["/models/zeek-conn/score"]["post"]["operationId"] == "score_models_zeek_conn_score_post"
    assert paths["/models/dns.v2/health"]["get"]["operationId"] == "health_models_dns_v2_health_get"
