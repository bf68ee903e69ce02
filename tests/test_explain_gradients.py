"""Integrated-gradient explanations of table detectors that do not rebuild their input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.detectors import AnoGAN, AutoEncoder, DeepSVDD, Ensemble, GANomaly, LatentIForest
from hourglass.errors import InputError
from hourglass.explain import column_attributions, explain_rows, explainable, explanation_method
from hourglass.explain.gradients import attributions, integrated_gradients
from hourglass.pipeline import load
from hourglass.serve import create_app
from tests.test_cli import _fails_cleanly

from .conftest import FAST_PARAMS

runner = CliRunner()
NUMERIC = [f"c{i}" for i in range(12)]


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, len(NUMERIC))), columns=NUMERIC)
    df["proto"] = rng.choice(["tcp", "udp"], n)
    return df


def _planted(n: int, shift_sd: float, seed: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows with one numeric column per row moved by ``shift_sd`` training sd (either way)."""
    rows = _frame(n, seed)
    rng = np.random.default_rng(seed + 100)
    changed = rng.integers(0, len(NUMERIC), n)
    values = rows[NUMERIC].to_numpy().copy()
    values[np.arange(n), changed] += shift_sd * rng.choice([-1.0, 1.0], n)  # training sd is 1
    rows[NUMERIC] = values
    return rows, np.array(NUMERIC)[changed]


@pytest.fixture(scope="module")
def svdd() -> Pipeline:
    return Pipeline(detector=DeepSVDD(**FAST_PARAMS["deep-svdd"])).fit(_frame(1000, 1))


@pytest.fixture(scope="module")
def ganomaly() -> Pipeline:
    return Pipeline(detector=GANomaly(**FAST_PARAMS["ganomaly"])).fit(_frame(1000, 1))


@pytest.mark.parametrize("which", ["svdd", "ganomaly"])
def test_the_shifted_column_is_named_first(which: str, request: pytest.FixtureRequest) -> None:
    pipe = request.getfixturevalue(which)
    rows, changed = _planted(200, 8.0)
    assert explanation_method(pipe) == "gradients"
    why = explain_rows(pipe, rows, top=2)
    hit = float(np.mean(why["top_column"].to_numpy() == changed))
    assert hit >= 0.9, f"{which}: shifted column named first in {hit:.0%} of rows"
    assert (why["method"] == "integrated-gradients").all()
    assert why["why"].str.count("; ").eq(1).all()


@pytest.mark.parametrize("which", ["svdd", "ganomaly"])
def test_attributions_add_up_to_the_rise_of_the_score(which: str, request: pytest.FixtureRequest) -> None:
    pipe = request.getfixturevalue(which)
    rows, _ = _planted(100, 8.0, seed=3)
    X = pipe.transform(rows)
    a = attributions(pipe.detector_, X, steps=64)
    np.testing.assert_allclose(a.score, pipe.detector_.score(X), rtol=1e-4, atol=1e-6)
    rise = a.score - a.baseline_score
    assert np.median(a.completeness_gap / np.abs(rise)) < 0.01
    # the midpoint rule converges: with more steps every row's sum is within 5% of its rise
    fine = attributions(pipe.detector_, X, steps=256)
    assert fine.completeness_gap.mean() < a.completeness_gap.mean()
    assert np.all(fine.completeness_gap <= 0.05 * np.abs(rise)), np.max(fine.completeness_gap / np.abs(rise))
    # columns: the one-hot features of proto add up to the proto column, nothing lost or doubled
    per_column, columns = column_attributions(pipe, rows, steps=64)
    assert columns == [*NUMERIC, "proto"]
    np.testing.assert_allclose(per_column.sum(axis=1), a.values.sum(axis=1), rtol=1e-9, atol=1e-9)


def test_chunks_change_nothing(svdd: Pipeline) -> None:
    X = svdd.transform(_planted(50, 5.0)[0])
    det = svdd.detector_
    whole = integrated_gradients(det.gradient_module(), X, det.gradient_baseline_, steps=16)
    small = integrated_gradients(det.gradient_module(), X, det.gradient_baseline_, steps=16,
                                 points_per_chunk=40)  # 2 rows at a time
    np.testing.assert_allclose(small.values, whole.values, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="steps must be"):
        integrated_gradients(det.gradient_module(), X, det.gradient_baseline_, steps=0)


def test_a_saved_model_explains_the_same(svdd: Pipeline, tmp_path: Path) -> None:
    svdd.save(tmp_path / "m")
    again = load(tmp_path / "m")
    rows = _planted(20, 8.0)[0]
    pd.testing.assert_frame_equal(explain_rows(again, rows), explain_rows(svdd, rows))


def test_a_model_saved_without_a_baseline_is_refused(svdd: Pipeline, tmp_path: Path) -> None:
    svdd.save(tmp_path / "old")
    old = load(tmp_path / "old")
    del old.detector_.gradient_baseline_  # as loaded from an artefact saved before baselines
    assert "saved before gradient explanations existed" in str(explainable(old))
    with pytest.raises(InputError, match="train it again"):
        old.detector_.gradient_module()


def test_an_ensemble_of_differentiable_members_is_explained() -> None:
    members = (("autoencoder", {"hidden": (16, 4), "epochs": 15, "batch_size": 64}),
               ("deep-svdd", {"hidden": (16, 8), "epochs": 15, "batch_size": 64}))
    train = _frame(600, 1)
    pipe = Pipeline(detector=Ensemble(detectors=members, verbose=0)).fit(train)
    assert explanation_method(pipe) == "gradients"  # no reconstruction error of its own
    rows, changed = _planted(60, 8.0)
    X = pipe.transform(rows)
    a = attributions(pipe.detector_, X)
    np.testing.assert_allclose(a.score, pipe.detector_.score(X), rtol=1e-4, atol=1e-5)
    assert np.median(a.completeness_gap / np.abs(a.score - a.baseline_score)) < 0.01
    assert np.mean(explain_rows(pipe, rows)["top_column"].to_numpy() == changed) >= 0.9
    ranked = Pipeline(detector=Ensemble(detectors=members, calibration="rank", verbose=0)).fit(train)
    assert "calibration='zscore'" in str(explainable(ranked))


def test_models_without_gradients_are_refused_in_one_line() -> None:
    train = _frame(300, 1)
    forest = Pipeline(detector=LatentIForest(**FAST_PARAMS["latent-iforest"])).fit(train)
    why = explainable(forest)
    assert why == ("LatentIForest cannot explain its scores: it has no per-feature reconstruction "
                   "error, and its score comes from an isolation forest (trees have no gradient)")
    with pytest.raises(InputError, match="isolation forest"):
        explain_rows(forest, train.head(2))
    assert "latent search" in AnoGAN._no_gradients_reason
    ens = Pipeline(detector=Ensemble(detectors=("deep-svdd", "latent-iforest"), epochs=2,
                                     verbose=0)).fit(train)
    assert "member 1 (latent-iforest): its score comes from an isolation forest" in str(explainable(ens))


def test_autoencoders_keep_reconstruction_by_default_and_can_use_gradients() -> None:
    pipe = Pipeline(detector=AutoEncoder(hidden=(16, 4), epochs=20, verbose=0)).fit(_frame(600, 1))
    rows, changed = _planted(50, 8.0)
    assert (explain_rows(pipe, rows)["method"] == "reconstruction-error").all()
    grad = explain_rows(pipe, rows, method="gradients")
    assert (grad["method"] == "integrated-gradients").all()
    assert np.mean(grad["top_column"].to_numpy() == changed) >= 0.9


def test_reconstruction_is_refused_for_a_model_without_it(svdd: Pipeline) -> None:
    assert "has no per-feature reconstruction error" in str(explainable(svdd, "reconstruction"))
    with pytest.raises(InputError, match="method: expected one of"):
        explain_rows(svdd, _frame(2, 0), method="shap")


# -- CLI and service ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("gradexplain")
    train = _frame(800, 1)
    train["label"] = "benign"
    test = _frame(100, 8)
    test["label"] = "benign"
    test.loc[:9, "c5"] += 10.0  # ten rows far off in one column
    test.loc[:9, "label"] = "attack"
    train.to_csv(d / "train.csv", index=False)
    test.to_csv(d / "test.csv", index=False)
    for name, model, extra in (("svdd", "deep-svdd", ["--epochs", "30"]),
                               ("forest", "latent-iforest", ["--epochs", "2"])):
        res = runner.invoke(app, ["train", str(d / "train.csv"), "--label-col", "label", "--normal",
                                  "benign", "--model", model, *extra, "-o", str(d / name), "-q"])
        assert res.exit_code == 0, res.output
    return {"dir": d, "test": d / "test.csv", "svdd": d / "svdd", "forest": d / "forest"}


def test_cli_explains_a_deep_svdd_model(kit: dict[str, Path]) -> None:
    out = kit["dir"] / "why.csv"
    res = runner.invoke(app, ["explain", str(kit["svdd"]), str(kit["test"]), "--top", "2",
                              "--limit", "5", "--keep", "label", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "highest-scoring flagged rows of 100" in res.stdout
    assert "method: integrated-gradients" in res.stdout
    assert "main reason among" in res.stdout and "c5" in res.stdout
    got = pd.read_csv(out)
    assert list(got.columns) == ["row", "score", "flag", "severity", "top_column", "why", "method",
                                 "label"]
    top10 = got[got["row"] < 10]
    assert len(top10) == 10 and (top10["top_column"] == "c5").all()
    assert (got["method"] == "integrated-gradients").all()
    res = runner.invoke(app, ["explain", str(kit["svdd"]), str(kit["test"]), "--all", "--limit", "0",
                              "-o", str(kit["dir"] / "all.jsonl"), "-q"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_json(kit["dir"] / "all.jsonl", lines=True)) == 100


def test_cli_refuses_what_it_cannot_explain(kit: dict[str, Path]) -> None:
    out = kit["dir"] / "never.csv"
    _fails_cleanly(["explain", str(kit["forest"]), str(kit["test"]), "-o", str(out)],
                   "its score comes from an isolation forest", out)
    _fails_cleanly(["explain", str(kit["svdd"]), str(kit["test"]), "--method", "reconstruction",
                    "-o", str(out)], "has no per-feature reconstruction error", out)
    _fails_cleanly(["explain", str(kit["svdd"]), str(kit["test"]), "--method", "shap", "-o", str(out)],
                   "--method: expected one of auto, gradients (those that explain DeepSVDD)", out)


def test_the_service_explains_a_deep_svdd_model(kit: dict[str, Path]) -> None:
    key = "test-key-0123456789abcdef"
    rows = pd.read_csv(kit["test"]).drop(columns="label").head(12).to_dict("records")
    with TestClient(create_app(kit["svdd"], api_key=key)) as c:
        health = c.get("/health").json()
        assert health["explain"] is True and health["explain_method"] == "integrated-gradients"
        r = c.post("/score", json={"rows": rows, "explain": 2}, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["top_column"][:10] == ["c5"] * 10
    assert all(w.count("%)") == 2 for w in body["why"])


def test_stream_explains_a_deep_svdd_model(kit: dict[str, Path]) -> None:
    rows = pd.read_csv(kit["test"]).drop(columns="label")
    jsonl = kit["dir"] / "rows.jsonl"
    rows.to_json(jsonl, orient="records", lines=True)
    res = runner.invoke(app, ["stream", str(kit["svdd"]), "--input", str(jsonl), "--explain", "2"])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    first = [a for a in alerts if a["row"] < 10]
    assert len(first) == 10 and all(a["top_column"] == "c5" and a["why"].count("%)") == 2 for a in first)
