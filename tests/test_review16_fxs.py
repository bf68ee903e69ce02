"""Serving and thresholds: values read as files read them, refusals that can be followed,
calibrated probabilities unchanged."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass.cli import app
from hourglass.serve.app import create_app
from hourglass.thresholds.evt import GPDFit
from tests._cli import one_line_error, runner
from tests._serve import AUTH, KEY, client_of, small_entity_model


def test_gpd_survival_is_the_formula_bit_for_bit_and_quiet_near_the_float_maximum() -> None:
    rng = np.random.default_rng(1)
    fit = GPDFit(t=1.0, gamma=0.37, sigma=0.81, n_peaks=250, n=5000)
    x = 1.0 + rng.pareto(2.0, size=20000)
    y = np.maximum(x - fit.t, 0.0)
    want = fit.n_peaks / fit.n * np.maximum(1.0 + fit.gamma * y / fit.sigma, 0.0) ** (-1.0 / fit.gamma)
    np.testing.assert_array_equal(fit.survival(x), want)  # a saved model calibrates as it did
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for g in (0.37, -0.4, 2.5):
            big = GPDFit(t=-1e308, gamma=g, sigma=1e-3, n_peaks=250, n=5000).survival(
                np.array([1.7e308, np.finfo(float).max]))
            assert np.array_equal(big, [0.0, 0.0])


@pytest.fixture(scope="module")
def gan_series(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """A small time-series model that cannot explain (GANomaly1D) and the series it was fitted on."""
    from hourglass import Pipeline
    from hourglass.detectors import GANomaly1D
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    t = pd.date_range("2024-01-01", periods=40, freq="1min").astype(str)
    series = pd.DataFrame({"ts": t, "cpu": np.sin(np.arange(40) / 4), "mem": np.cos(np.arange(40) / 5)})
    out = tmp_path_factory.mktemp("fxs_gan") / "m"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Pipeline(GANomaly1D(window=8, epochs=1, min_steps=0, verbose=0),  # not the 400-step floor
                 features=TimeSeriesPreprocessor("ts")).fit(series).save(out)
    return out, series


def test_explain_all_on_a_model_that_cannot_explain_says_so_straight_away(
        gan_series: tuple[Path, pd.DataFrame]) -> None:
    model, series = gan_series
    rows = series.head(12).to_dict("records")
    with TestClient(create_app(model, api_key=KEY)) as c:
        assert c.get("/health").json()["explain"] is False
        for body in ({"rows": rows, "explain_all": True},  # was told to "give 'explain' too"
                     {"rows": rows, "explain_all": True, "explain": 1, "alert_format": "ecs"}):
            r = c.post("/score", json=body, headers=AUTH)
            assert r.status_code == 422, r.text
            assert r.json()["detail"].startswith("explain_all: GANomaly1D scores a window by"), r.text


@pytest.fixture(scope="module")
def entity_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    return small_entity_model(tmp_path_factory.mktemp("fxs_entity"))


@pytest.fixture(scope="module")
def entity(entity_model: tuple[Path, list[dict[str, Any]]]) -> Iterator[TestClient]:
    with client_of(entity_model[0]) as c:
        yield c


def test_an_entity_of_400_digits_keeps_its_digits_in_the_service(
        entity: TestClient, entity_model: tuple[Path, list[dict[str, Any]]]) -> None:
    rows = [dict(r) for r in entity_model[1]]
    rows[0]["src_ip"] = 10**400  # was the entity "inf"; hourglass score keeps the digits
    r = entity.post("/score", json={"rows": rows}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert str(10**400) in {b["entity"] for b in r.json()["buckets"]}
    rows[0]["src_ip"] = float("inf")  # a real inf in the entity column is another entity
    assert "inf" in {b["entity"] for b in entity.post("/score", content=json.dumps({"rows": rows}),
                                                       headers={**AUTH, "Content-Type": "application/json"}
                                                       ).json()["buckets"]}


def _jsonl(rows: list[dict[str, Any]], path: Path, col: str, raw: str) -> Path:
    """``rows`` as JSON lines, the first row's ``col`` written as the JSON number ``raw``."""
    lines = [json.dumps(r) for r in rows]
    lines[0] = json.dumps({**rows[0], col: 0}).replace(f'"{col}": 0', f'"{col}": {raw}')
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_a_file_number_of_400_digits_reads_as_infinite_in_score_stream_and_the_library(
        tmp_path: Path, entity: TestClient, entity_model: tuple[Path, list[dict[str, Any]]],
        gan_series: tuple[Path, pd.DataFrame]) -> None:
    from hourglass import load

    model, rows = entity_model
    wide = _jsonl(rows, tmp_path / "wide.jsonl", "bytes", str(10**400))
    inf = _jsonl(rows, tmp_path / "inf.jsonl", "bytes", "1e400")  # a float past the range: inf
    out = {}
    for name, data in (("wide", wide), ("inf", inf)):  # wide: an OverflowError traceback
        res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / f"{name}.csv")])
        assert res.exit_code == 0 and "Traceback" not in res.output, res.output
        out[name] = (tmp_path / f"{name}.csv").read_text()
        res = runner.invoke(app, ["stream", str(model)], input=data.read_text())
        assert res.exit_code == 0, res.output
        out[name + " stream"] = res.stdout
    assert out["wide"] == out["inf"] and out["wide stream"] == out["inf stream"]
    served = entity.post("/score", json={"rows": [{**rows[0], "bytes": 10**400}, *rows[1:]]}, headers=AUTH)
    written = pd.read_csv(tmp_path / "wide.csv")["score"].tolist()
    assert [b["score"] for b in served.json()["buckets"]] == written
    pipe = load(model)
    frame = pd.DataFrame([{**rows[0], "bytes": 10**400}, *rows[1:]])
    want = pipe.score(pd.DataFrame([{**rows[0], "bytes": float("inf")}, *rows[1:]]))
    np.testing.assert_array_equal(pipe.score(frame), want)
    ts = _jsonl(rows, tmp_path / "ts.jsonl", "ts", str(-(10**400)))  # a traceback too
    one_line_error(["score", str(model), str(ts), "-o", str(tmp_path / "ts.csv")],
                   "column 'ts': line 1 is not a timestamp (-inf", tmp_path / "ts.csv")
    series_model, series = gan_series
    records = series.to_dict("records")
    cpu = _jsonl([*records[3:], *records[:3]], tmp_path / "cpu.jsonl", "cpu", str(10**400))
    one_line_error(["score", str(series_model), str(cpu), "-o", str(tmp_path / "cpu.csv")],
                   "column 'cpu': infinite value", tmp_path / "cpu.csv")


def test_an_ecs_answer_leaves_the_drift_window_the_other_answer_leaves(
        gan_series: tuple[Path, pd.DataFrame], entity_model: tuple[Path, list[dict[str, Any]]]) -> None:
    model, series = gan_series
    rows = series.to_dict("records")
    for r in rows[8:11]:
        r["cpu"] = 50.0  # flagged steps early in the series, none in the last 10
    drift = {}
    for fmt in ("hourglass", "ecs"):
        with TestClient(create_app(model, api_key=KEY, drift_window=10)) as c:
            r = c.post("/score", json={"rows": rows, "alert_format": fmt}, headers=AUTH)
            assert r.status_code == 200, r.text
            drift[fmt] = c.get("/health").json()["drift"]
            if fmt == "hourglass":  # one step a row: some flagged steps come before unflagged ones
                flags = r.json()["flags"]
                assert 0 < sum(flags) and flags != sorted(flags), flags
    assert drift["ecs"] == drift["hourglass"]  # was fed the flagged steps last: another window
    model, flows = entity_model
    for fmt in ("hourglass", "ecs"):
        with TestClient(create_app(model, api_key=KEY, drift_window=3)) as c:
            r = c.post("/score", json={"rows": flows, "alert_format": fmt}, headers=AUTH)
            assert r.status_code == 200, r.text
            drift[fmt] = c.get("/health").json()["drift"]
    assert drift["ecs"] == drift["hourglass"] and drift["ecs"]["rows"] > 3
