"""Why a time step was flagged: per-channel parts of time-series scores (detectors), the text
(hourglass.explain.timeseries), ``hourglass explain`` on a series, and the service's explain."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.detectors import (
    GANomaly1D,
    LSTMAutoEncoder,
    LSTMForecaster,
    TCNAutoEncoder,
    registry,
)
from hourglass.errors import InputError
from hourglass.explain import explain_steps, flagged_stretches, series_explainable, step_errors
from hourglass.features.timeseries import (
    TimeSeriesPreprocessor,
    windows_to_points,
    windows_to_points_channels,
)
from hourglass.pipeline import load
from hourglass.serve import create_app
from hourglass.serve.series_scoring import SeriesScorer
from tests.conftest import FAST_PARAMS
from tests.test_cli import _fails_cleanly

runner = CliRunner()
KEY = "test-key-0123456789abcdef"
CHANNELS = ["cpu_user", "cpu_sys", "load", "mem", "disk_io", "disk_util", "net_rx", "net_tx"]
SHIFTED = "disk_io"
SEGMENT = (700, 760)  # steps of the test series where SHIFTED is moved off its pattern


def _metrics(n: int, seed: int, start: int = 0) -> pd.DataFrame:
    """Eight server metrics driven by two rhythms (each channel its own mix of both) plus noise.

    Many channels tied by few factors: a reconstruction error spreads part of one channel's
    change over the channels it is reconstructed with, less the more channels share the factors."""
    rng = np.random.default_rng(seed)
    t = np.arange(start, start + n)
    f = np.c_[np.sin(2 * np.pi * t / 30), np.cos(2 * np.pi * t / 47)]
    mix = np.random.default_rng(42).normal(size=(len(CHANNELS), 2))
    x = f @ mix.T + 0.05 * rng.normal(size=(n, len(CHANNELS)))
    df = pd.DataFrame(x, columns=CHANNELS)
    df.insert(0, "ts", (pd.Timestamp("2024-01-01") + pd.to_timedelta(t, unit="min"))
              .strftime("%Y-%m-%d %H:%M:%S"))
    return df


def _planted() -> tuple[pd.DataFrame, np.ndarray]:
    """A later stretch of the same metrics with SHIFTED pushed up by two standard deviations in
    SEGMENT."""
    test = _metrics(1000, seed=1, start=1200)
    lo, hi = SEGMENT
    test.loc[lo:hi - 1, SHIFTED] += 2 * test[SHIFTED].std()
    y = np.zeros(len(test), dtype=int)
    y[lo:hi] = 1
    return test, y


@pytest.fixture(scope="module")
def fitted() -> dict[str, Pipeline]:
    train = _metrics(1200, seed=0)
    out = {}
    for name, det in (
        ("lstm-ae", LSTMAutoEncoder(window=16, hidden=16, code=8, epochs=12, lr=5e-3,
                                    batch_size=64, verbose=0)),
        ("tcn-ae", TCNAutoEncoder(window=16, channels=(8, 8), code=8, epochs=12, lr=5e-3,
                                  batch_size=64, verbose=0)),
    ):
        out[name] = Pipeline(det, features=TimeSeriesPreprocessor("ts")).fit(train)
    return out


# -- detectors: parts per channel, aligned and adding up to the score -----------------------------
@pytest.mark.parametrize("how", ["mean", "max"])
@pytest.mark.parametrize("span", [(0, 5), (4, 6)])
def test_window_parts_map_to_steps_like_the_scores(how: str, span: tuple[int, int]) -> None:
    rng = np.random.default_rng(0)
    parts = rng.random((40, 3))
    starts = np.arange(40)
    n = 40 + span[1] - 1
    got = windows_to_points_channels(parts, n, starts, span=span, how=how)
    want = windows_to_points(parts.sum(axis=1), n, starts, span=span, how=how)
    assert got.shape == (n, 3)
    np.testing.assert_allclose(got.sum(axis=1), want, rtol=1e-12)
    if how == "mean":  # each channel reduced on its own, exactly as a score would be
        np.testing.assert_allclose(got[:, 1], windows_to_points(parts[:, 1], n, starts, span=span))


@pytest.mark.parametrize(("cls", "params"), [
    (LSTMAutoEncoder, {"score_reduce": "max", "score_norm": "none"}),
    (LSTMForecaster, {"horizon": 2, "hidden": 8, "num_layers": 1}),
    (TCNAutoEncoder, {"channels": (4,), "linear_path": "pca"}),
])
def test_channel_parts_add_up_to_the_step_score(cls: Any, params: dict[str, Any]) -> None:
    X = _metrics(300, seed=2)[CHANNELS].to_numpy(dtype=np.float32)
    det = cls(window=12, epochs=2, verbose=0, **params).fit(X)
    parts = det.score_channels(X)
    scores = det.score(X)
    assert parts.shape == X.shape and (parts >= 0).all()
    np.testing.assert_allclose(parts.sum(axis=1), scores, rtol=1e-5)
    again, parts2 = det.score_channels(X, return_scores=True)
    assert np.array_equal(again, scores) and np.array_equal(parts2, parts)  # one pass, same scores


def test_plain_mse_parts_are_the_squared_errors() -> None:
    """score_norm="none": a window's score is its mean squared reconstruction error, and channel
    c's part is its squared errors summed over the window / (window × channels)."""
    import torch

    X = _metrics(200, seed=3)[CHANNELS].to_numpy(dtype=np.float32)
    det = LSTMAutoEncoder(window=10, hidden=8, epochs=1, score_norm="none", verbose=0).fit(X)
    with torch.inference_mode():
        w = torch.from_numpy(np.lib.stride_tricks.sliding_window_view(X, 10, axis=0)
                             .transpose(0, 2, 1).copy()).to(det.device_)
        sq = (det.module_(w) - w).pow(2).cpu().numpy()
    per_window = sq.sum(axis=1) / (10 * len(CHANNELS))
    want = windows_to_points_channels(per_window, 200, np.arange(len(w)), span=(0, 10))
    np.testing.assert_allclose(det.score_channels(X), want, rtol=1e-4, atol=1e-7)
    mse = windows_to_points(sq.mean(axis=(1, 2)), 200, np.arange(len(w)), span=(0, 10))
    np.testing.assert_allclose(det.score(X), mse, rtol=1e-4)


# -- planted anomaly: the shifted channel is named ------------------------------------------------
@pytest.mark.parametrize("name", ["lstm-ae", "tcn-ae"])
def test_the_shifted_channel_is_named_first(fitted: dict[str, Pipeline], name: str) -> None:
    test, y = _planted()
    why = explain_steps(fitted[name], test, top=2)
    flagged_anomalous = why[(why["flag"] == 1) & (y == 1)]
    assert len(flagged_anomalous) >= 0.5 * y.sum(), "the model must flag most of the segment"
    named = (flagged_anomalous["top_channel"] == SHIFTED).mean()
    assert named >= 0.9, f"{name}: {SHIFTED} named first in {named:.0%} of the flagged anomalous steps"
    assert flagged_anomalous["why"].str.startswith(f"{SHIFTED}=").mean() == named
    # the value quoted is the raw value at that step (before scaling), the shift included
    step = int(flagged_anomalous.index[len(flagged_anomalous) // 2])
    quoted = float(flagged_anomalous.loc[step, "why"].split("=", 1)[1].split(" ", 1)[0])
    assert quoted == pytest.approx(test.loc[step, SHIFTED], rel=1e-3)
    # and what the model expected is the channel's usual pattern: nearer the unshifted value
    e = step_errors(fitted[name], test)
    steps = flagged_anomalous.index.to_numpy()
    j = CHANNELS.index(SHIFTED)
    unshifted = _metrics(1000, seed=1, start=1200)[SHIFTED].to_numpy()[steps]
    closer = np.abs(e.expected[steps, j] - unshifted) < np.abs(e.expected[steps, j] - e.values[steps, j])
    assert closer.mean() >= 0.9
    assert re.match(rf"{SHIFTED}=\S+ vs \S+ expected \(\d+%, \S+× normal\)",
                    flagged_anomalous.loc[step, "why"])


def test_shares_add_up_and_scores_are_those_of_score(fitted: dict[str, Pipeline]) -> None:
    pipe = fitted["lstm-ae"]
    test, _ = _planted()
    e = step_errors(pipe, test)
    assert e.channels == CHANNELS and e.parts.shape == (len(test), len(CHANNELS))
    assert np.array_equal(e.scores, pipe.score(test))  # exactly, not only close
    np.testing.assert_allclose(e.parts.sum(axis=1), e.scores, rtol=1e-5)
    why = explain_steps(pipe, test, top=len(CHANNELS), flagged_only=True)
    assert (why["flag"] == 1).all() and len(why) == int(pipe.predict(test).sum())
    shares = why["why"].str.findall(r"\((\d+)%").apply(lambda s: sum(map(int, s)))
    assert shares.between(96, 104).all()  # eight rounded shares of one whole
    assert why["why"].str.contains("× normal").all()  # score_norm="channel" (the default)
    # the planted segment is one incident, named by the shifted channel
    runs = flagged_stretches(e)
    assert runs["steps"].sum() == int(e.flags.sum())
    lo, hi = SEGMENT
    overlap = runs[(runs["start"] < hi) & (runs["end"] >= lo)].sort_values("steps").iloc[-1]
    assert overlap["main_channel"] == SHIFTED and overlap["main_share"] >= 0.9
    assert overlap["steps"] >= 0.8 * (hi - lo) and overlap["peak"] == e.scores.max()


def test_refused_models_say_why(fitted: dict[str, Pipeline]) -> None:
    gan = GANomaly1D(**FAST_PARAMS["ganomaly-1d"]).fit(_metrics(300, seed=4)[CHANNELS].to_numpy())
    with pytest.raises(InputError, match="no part per channel"):
        gan.score_channels(_metrics(300, seed=4)[CHANNELS].to_numpy())
    assert not GANomaly1D.get_tags()["supports_explain"]
    assert "explain" in registry.CAPABILITIES["tcn-ae"]
    table = Pipeline(LSTMAutoEncoder(window=8, epochs=1, verbose=0),
                     features=TimeSeriesPreprocessor()).fit(_metrics(100, seed=5)[CHANNELS])
    assert series_explainable(table) is None


# -- CLI ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kit(fitted: dict[str, Pipeline], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("tsexplain")
    fitted["tcn-ae"].save(d / "tcn")
    test, _ = _planted()
    test.to_csv(d / "test.csv", index=False)
    gan = Pipeline(GANomaly1D(**FAST_PARAMS["ganomaly-1d"]),
                   features=TimeSeriesPreprocessor("ts")).fit(_metrics(300, seed=4))
    gan.save(d / "gan")
    return {"dir": d, "test": d / "test.csv", "tcn": d / "tcn", "gan": d / "gan"}


def test_explain_a_series_from_the_cli(kit: dict[str, Path]) -> None:
    out = kit["dir"] / "why.csv"
    res = runner.invoke(app, ["explain", str(kit["tcn"]), str(kit["test"]), "--top", "2",
                              "--limit", "5", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "highest-scoring flagged steps of 1,000" in res.stdout
    assert "main reason among" in res.stdout and f"{SHIFTED} " in res.stdout
    assert "explained 1,000 time steps (8 channels)" in res.stderr
    assert "flagged stretches (consecutive flagged steps)" in res.stdout
    got = pd.read_csv(out)
    assert list(got.columns) == ["step", "ts", "score", "flag", "severity", "top_channel",
                                 "top_share", "why"]
    assert (got["flag"] == 1).all()
    inside = got[got["step"].between(SEGMENT[0], SEGMENT[1] - 1)]
    assert len(inside) and (inside["top_channel"] == SHIFTED).mean() >= 0.9
    assert inside["why"].str.count("; ").eq(1).all()
    sent = pd.read_csv(kit["test"])
    # each step's own time (written in ISO 8601, as the JSON lines output writes it)
    assert inside["ts"].tolist() == sent.loc[inside["step"], "ts"].str.replace(" ", "T").tolist()
    # --all: every step, written as JSON lines
    every = kit["dir"] / "all.jsonl"
    res = runner.invoke(app, ["explain", str(kit["tcn"]), str(kit["test"]), "--all", "--limit", "0",
                              "-o", str(every), "-q"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_json(every, lines=True)) == 1000 and "highest-scoring" not in res.stdout


def test_explain_refuses_series_models_and_options_it_cannot_use(kit: dict[str, Path]) -> None:
    out = kit["dir"] / "never.csv"
    _fails_cleanly(["explain", str(kit["gan"]), str(kit["test"]), "-o", str(out)],
                   "GANomaly1D scores a window by the distance between its latent codes", out)
    _fails_cleanly(["explain", str(kit["tcn"]), str(kit["test"]), "--keep", "cpu_user", "-o",
                    str(out)], "--keep: not used by time-series models", out)
    _fails_cleanly(["explain", str(kit["tcn"]), str(kit["test"]), "--chunk-mb", "2", "-o",
                    str(out)], "--chunk-mb: not used by time-series models", out)
    _fails_cleanly(["explain", str(kit["tcn"]), str(kit["test"]), "--method", "gradients", "-o",
                    str(out)], "--method gradients: a time-series model is explained by", out)


# -- service --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(kit: dict[str, Path]) -> Iterator[TestClient]:
    with TestClient(create_app(kit["tcn"], api_key=KEY, max_rows=2000)) as c:
        yield c


def test_the_service_explains_flagged_steps(client: TestClient, kit: dict[str, Path]) -> None:
    test, _ = _planted()
    rows = test.to_dict("records")
    assert client.get("/health").json()["explain"] is True
    plain = client.post("/score", json={"rows": rows}, headers={"X-API-Key": KEY}).json()
    r = client.post("/score", json={"rows": rows, "explain": 2}, headers={"X-API-Key": KEY})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["scores"] == plain["scores"] and got["flags"] == plain["flags"]
    flags = np.asarray(got["flags"])
    assert [t is not None for t in got["top_channel"]] == (flags == 1).tolist()
    lo, hi = SEGMENT
    inside = [t for t, f in zip(got["top_channel"][lo:hi], flags[lo:hi], strict=True) if f]
    assert inside and inside.count(SHIFTED) >= 0.9 * len(inside)
    # the same text as the CLI's for the same step
    want = explain_steps(load(kit["tcn"]), test, top=2)
    i = lo + int(np.argmax(flags[lo:hi]))
    assert got["why"][i] == want.loc[i, "why"]
    # every row on request, and rows sent shuffled keep their own step's explanation
    order = np.random.default_rng(0).permutation(len(rows))
    every = client.post("/score", json={"rows": [rows[k] for k in order], "explain": 1,
                                        "explain_all": True}, headers={"X-API-Key": KEY}).json()
    assert None not in every["top_channel"]
    assert every["top_channel"][int(np.argmax(order == i))] == want.loc[i, "top_channel"]


def test_the_service_refuses_explain_for_a_model_that_cannot(kit: dict[str, Path]) -> None:
    scorer = SeriesScorer(kit["gan"])
    assert scorer.describe()["explain"] is False
    rows = _metrics(40, seed=6).to_dict("records")
    assert "top_channel" not in scorer.score(rows)
    with pytest.raises(InputError, match="explain: GANomaly1D scores a window"):
        scorer.score(rows, explain=2)
