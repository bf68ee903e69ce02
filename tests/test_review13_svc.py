"""Regression tests of the scoring service (hourglass.serve) and ``hourglass serve``: edge cases of
valid requests, limits and start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass import AutoEncoder, Pipeline
from hourglass.serve import create_app

KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}


def _table(n: int = 60) -> pd.DataFrame:
    return pd.DataFrame({"bytes": np.arange(float(n)), "proto": ["tcp", "udp"] * (n // 2)})


@pytest.fixture(scope="module")
def optional_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A table model whose every column was missing in some training row (all optional)."""
    df = _table()
    df.loc[3, "bytes"] = np.nan
    df.loc[4, "proto"] = None
    out = tmp_path_factory.mktemp("opt") / "model"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).save(out)
    return out


def test_rows_without_any_optional_column_are_refused_naming_the_columns(optional_model: Path) -> None:
    client = TestClient(create_app(optional_model, api_key=KEY))
    bodies: list[list[dict[str, Any]]] = [[{}], [{"other": 1}, {}]]
    for rows in bodies:
        r = client.post("/score", json={"rows": rows}, headers=AUTH)
        assert r.status_code == 422
        detail = r.json()["detail"]
        assert detail.startswith("rows: no row has any of the model's columns (bytes, proto)"), detail
    # one column of one row is enough: the rest are missing values
    r = client.post("/score", json={"rows": [{}, {"bytes": 1}]}, headers=AUTH)
    assert r.status_code == 200 and len(r.json()["scores"]) == 2


@pytest.fixture(scope="module")
def table_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    out = tmp_path_factory.mktemp("table") / "model"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(_table()).save(out)
    return TestClient(create_app(out, api_key=KEY, max_rows=5))


@pytest.mark.parametrize("body", [{"rows": [{"bytes": 1, "proto": "tcp"}], "a\nb\r\u2028c": 1},
                                  {"lines": ["x"], "a\nb": 1}])
def test_a_field_name_with_a_newline_stays_one_line_in_the_detail(table_client: TestClient,
                                                                  body: dict[str, object]) -> None:
    r = table_client.post("/score", json=body, headers=AUTH)
    detail = r.json()["detail"]
    assert r.status_code == 422 and len(detail.splitlines()) == 1, detail
    assert "a\\nb" in detail


def test_model_names_that_differ_in_punctuation_get_distinct_operation_ids(tmp_path: Path) -> None:
    import warnings

    from hourglass.serve.multi import create_models_app

    model = tmp_path / "m"
    Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(_table()).save(model)
    app = create_models_app({"zeek-conn": model, "zeek_conn": model, "zeek.conn": model}, api_key=KEY)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FastAPI warns of a duplicate operation id
        schema = TestClient(app).get("/openapi.json").json()
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) == 3 + 3 * 2, ids
    # the first name keeps FastAPI's id (clients generated from it still work); the others add _2, _3
    assert {"score_models_zeek_conn_score_post", "score_models_zeek_conn_score_post_2",
            "score_models_zeek_conn_score_post_3", "health_models_zeek_conn_health_get_3"} <= set(ids), ids


def test_a_missing_column_detail_lists_only_the_columns_a_row_needs(tmp_path: Path) -> None:
    df = _table().assign(dur=np.random.default_rng(0).exponential(size=60))  # (not a copy of bytes: read)
    df.loc[4, "proto"] = None  # proto optional: a row may leave it out
    Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(df).save(tmp_path / "m")
    client = TestClient(create_app(tmp_path / "m", api_key=KEY))
    r = client.post("/score", json={"rows": [{"bytes": 1}]}, headers=AUTH)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("row 1: missing column 'dur' (each row needs bytes, dur; send null ")
    assert client.post("/score", json={"rows": [{"bytes": 1, "dur": 2}]}, headers=AUTH).status_code == 200


def test_openapi_names_every_status_the_score_route_answers(table_client: TestClient) -> None:
    post = table_client.get("/openapi.json").json()["paths"]["/score"]["post"]
    # 408: a body sent too slowly (BodyLimit); 429: --rate-limit (RateLimit)
    assert {"400", "401", "408", "413", "415", "422", "429", "500"} <= set(post["responses"])


def test_max_rows_below_a_series_models_window_is_refused_at_start(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from hourglass.cli.app import app as cli
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.errors import InputError
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    series = pd.DataFrame({"cpu": np.sin(np.arange(60) / 4)})
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor()).fit(series).save(tmp_path / "ts")
    with pytest.raises(InputError, match=r"--max-rows 5: fewer than one window .* \(8 rows\)"):
        create_app(tmp_path / "ts", api_key=KEY, max_rows=5)
    assert create_app(tmp_path / "ts", api_key=KEY, max_rows=8) is not None  # one window fits
    monkeypatch.setenv("HOURGLASS_API_KEY", KEY)
    res = CliRunner().invoke(cli, ["serve", str(tmp_path / "ts"), "--port", "0", "--max-rows", "5"])
    assert res.exit_code == 2 and "--max-rows 5: fewer than one window" in res.output, res.output


def train_cef_model(d: Path) -> tuple[Path, list[str]]:
    """A table model of CEF lines trained in folder ``d``, and the lines it was trained on."""
    from typer.testing import CliRunner

    from hourglass.cli.app import app as cli
    from tests.test_cef import _line

    rng = np.random.default_rng(0)
    lines = [_line(rng, i, False) for i in range(120)]
    (d / "fw.cef").write_text("".join(line + "\n" for line in lines))
    res = CliRunner().invoke(cli, ["train", str(d / "fw.cef"), "--model", "autoencoder", "--hidden", "2",
                                   "--epochs", "1", "-o", str(d / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return d / "m", lines


@pytest.fixture(scope="module")
def cef_kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A table model of CEF lines, and the lines it was trained on."""
    model, lines = train_cef_model(tmp_path_factory.mktemp("cef"))
    return {"model": model, "lines": lines}


def test_the_start_up_line_of_a_model_of_event_lines_says_it_takes_lines(cef_kit: dict[str, Any]) -> None:
    from hourglass.cli.serve import _takes
    from hourglass.serve.scoring import load_scorer

    scorer = load_scorer(cef_kit["model"])
    assert _takes(scorer) == f"cef lines of {len(scorer.columns)} columns"  # its body is {"lines": ...}


def test_an_item_of_lines_holding_two_records_is_refused(cef_kit: dict[str, Any]) -> None:
    client = TestClient(create_app(cef_kit["model"], api_key=KEY))
    first, second = cef_kit["lines"][:2]
    # the two records were scored as one row, with the second's score: the first was lost
    r = client.post("/score", json={"lines": [first + "\n" + second]}, headers=AUTH)
    assert (r.status_code, r.json()["detail"]) == (
        422, 'line 1: holds 2 records (line breaks inside); send one record per item of "lines"')
    r = client.post("/score", json={"lines": [first + "\r\n", second]}, headers=AUTH)  # a line's own end
    assert r.status_code == 200 and len(r.json()["scores"]) == 2
