"""Warm start of time-series models: library (``WindowDetector.warm_start``, ``Pipeline``) and
``train --warm-start`` on a series."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import Pipeline, load
from hourglass.cli import app
from hourglass.detectors import GRUAutoEncoder, LSTMAutoEncoder, TCNAutoEncoder
from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor, window_starts
from hourglass.thresholds import Percentile
from tests._cli import one_line_error as _one_line_error

runner = CliRunner()
FAST = {"window": 16, "hidden": 16, "code": 8, "epochs": 8, "batch_size": 64, "verbose": 0}


def _series(n: int, shift: float, seed: int) -> pd.DataFrame:
    """Two periodic channels with noise, one minute apart; ``shift`` moves channel a (drift)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame({
        "ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
        "a": np.sin(2 * np.pi * t / 25) + shift + 0.05 * rng.normal(size=n),
        "b": np.cos(2 * np.pi * t / 25) + 0.05 * rng.normal(size=n)})


@pytest.fixture(scope="module")
def parent() -> Pipeline:
    return Pipeline(LSTMAutoEncoder(**{**FAST, "epochs": 30}),
                    features=TimeSeriesPreprocessor(timestamp_col="ts"),
                    threshold=Percentile(99.0)).fit(_series(800, 0.0, 0))


def test_continues_from_the_weights_and_learns_the_drift(parent: Pipeline) -> None:
    new = _series(600, 0.3, 1)
    X = parent.transform(new)  # the parent's scaling, for both
    child = parent.detector_.warm_start(X, epochs=1)
    fresh = LSTMAutoEncoder(**{**FAST, "epochs": 1}).fit(X)
    # after one epoch the continued network is ahead of one trained from scratch
    assert child.history_.train_loss[-1] < fresh.history_.train_loss[-1] / 2
    assert child.history_.val_loss[-1] < fresh.history_.val_loss[-1] / 2
    longer = parent.warm_start(new, epochs=10)
    assert longer.score(new).mean() < parent.score(new).mean()


def test_preprocessing_window_and_pca_stay_frozen(parent: Pipeline) -> None:
    before = parent.score(_series(100, 0.0, 9))
    child = parent.warm_start(_series(600, 1.0, 2), epochs=2)
    assert child.features_.to_dict() == parent.features_.to_dict()
    assert child.detector_.window == 16 and child.info["warm_start"]["preprocessing"].startswith(
        "frozen: the parent's channels")
    assert np.array_equal(parent.score(_series(100, 0.0, 9)), before), "the parent must not change"
    X = parent.transform(_series(800, 0.0, 0))
    det = GRUAutoEncoder(**{**FAST, "linear_path": "pca"}).fit(X)
    det2 = det.warm_start(X + 0.5, epochs=2)
    assert det2.linear_path_ == "pca"
    for name in ("pca_mean", "pca_basis"):
        assert np.array_equal(getattr(det.module_, name).cpu().numpy(),
                              getattr(det2.module_, name).cpu().numpy())
    key = "inner.encoder.rnn.weight_ih_l0"  # the network itself moves
    assert not np.array_equal(det.module_.state_dict()[key].cpu().numpy(),
                              det2.module_.state_dict()[key].cpu().numpy())


def test_thresholds_and_stream_threshold_refitted_on_the_new_tail(parent: Pipeline) -> None:
    new = _series(600, 0.3, 3)
    child = parent.warm_start(new, epochs=3)
    det = child.detector_
    X = child.transform(new)
    tail = X[540:]  # the contiguous last 10% of the new series, as a first fit holds out
    assert det.val_index_.tolist() == list(range(540, 600))
    assert np.allclose(det.val_scores_, det.score(tail))
    assert det.threshold_.value_ == pytest.approx(np.percentile(det.score(tail), 99))
    assert np.allclose(det.stream_val_scores_, det.window_scores(tail))
    assert det.stream_threshold_.value_ == pytest.approx(np.percentile(det.window_scores(tail), 99))
    assert det.stream_threshold_.value_ != parent.detector_.stream_threshold_.value_
    assert child.info["stream_threshold_value"] == det.stream_threshold_.value_
    # the same code path as a first fit: refitting the rule on the kept causal scores agrees
    again = det.set_threshold(Percentile(99.0))
    assert again.stream_threshold_.value_ == pytest.approx(np.percentile(det.window_scores(tail), 99))


def test_reproducible_and_refusals(parent: Pipeline) -> None:
    new = _series(500, 0.5, 4)
    a = parent.warm_start(new, epochs=2, random_state=3).score(new)
    b = parent.warm_start(new, epochs=2, random_state=3).score(new)
    assert np.array_equal(a, b)
    with pytest.raises(InputError, match="missing: b"):
        parent.warm_start(new.drop(columns=["b"]))
    with pytest.raises(ValueError, match="'window' cannot change"):
        parent.detector_.warm_start(parent.transform(new), window=8)
    X = parent.transform(_series(400, 0.0, 0))
    from hourglass.detectors import GANomaly1D

    gan = GANomaly1D(window=16, filters=4, epochs=1, min_steps=0, verbose=0).fit(X)
    with pytest.raises(InputError, match="cannot continue training"):
        gan.warm_start(X)
    tcn = TCNAutoEncoder(window=16, channels=(8,), code=4, epochs=2, verbose=0).fit(X)
    assert tcn.warm_start(X + 0.2, epochs=1).score(X).shape == (400,)


def test_cli_warm_start_of_a_series_model(tmp_path: Path) -> None:
    old, new = _series(700, 0.0, 5), _series(600, 1.0, 6)
    old.to_csv(tmp_path / "old.csv", index=False)
    new.to_csv(tmp_path / "new.csv", index=False)
    new.drop(columns=["b"]).to_csv(tmp_path / "bad.csv", index=False)
    labelled = new.assign(label=0)
    labelled.loc[100:109, "label"] = 1
    labelled.to_csv(tmp_path / "labelled.csv", index=False)
    m1, m2 = tmp_path / "m1", tmp_path / "m2"
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "-m", "tcn-ae", "--timestamp-col",
                              "ts", "--window", "16", "--epochs", "2", "-o", str(m1), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(m1), "-o",
                              str(m2), "--epochs", "2", "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "preprocessing, window and architecture frozen" in res.stderr
    assert "stream threshold" in res.stderr
    parent_cfg = json.loads((m1 / "config.json").read_text())
    info = json.loads((m2 / "config.json").read_text())["info"]
    ws = info["warm_start"]
    assert ws["parent"]["content_hash"] == parent_cfg["content_hash"]
    assert ws["parent"]["path"] == str(m1) and ws["new_rows"] == 600 and ws["held_out_rows"] == 60
    assert ws["frozen"]["window"] == 16 and ws["frozen"]["channels"] == ["a", "b"]
    assert info["source"] == str(tmp_path / "new.csv") and info["held_out"]["rows"] == 60
    assert info["stream_threshold_value"] != parent_cfg["info"]["stream_threshold_value"]
    pipe = load(m2)
    assert pipe.features_.timestamp_col == "ts" and pipe.detector_.stream_threshold_ is not None
    res = runner.invoke(app, ["score", str(m2), str(tmp_path / "new.csv"), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    out = tmp_path / "m3"
    _one_line_error(["train", str(tmp_path / "bad.csv"), "--warm-start", str(m1), "-o", str(out)],
                    "missing: b", out)
    res = runner.invoke(app, ["score", str(m1), str(tmp_path / "bad.csv"), "-o", str(tmp_path / "x.csv")])
    assert res.exit_code == 2 and "missing: b" in res.stderr  # the same error as score
    for opt in (["--window", "8"], ["--freq", "5min"], ["--fill", "ffill"]):
        _one_line_error(["train", str(tmp_path / "new.csv"), "--warm-start", str(m1), "-o", str(out),
                         *opt], f"{opt[0]}: a warm start keeps", out)
    # its own timestamp column may be named again (as a table's); another is refused, naming it
    _one_line_error(["train", str(tmp_path / "new.csv"), "--warm-start", str(m1), "-o", str(out),
                     "--timestamp-col", "a"], f"--timestamp-col a: {m1} reads the times in 'ts'", out)
    _one_line_error(["train", str(tmp_path / "new.csv"), "--warm-start", str(m1), "-o", str(out),
                     "--normal", "0"], "--normal: not for a time-series model", out)
    for opt in (["--sample-rows", "100"], ["--memory-budget", "64"]):  # not silently ignored
        _one_line_error(["train", str(tmp_path / "new.csv"), "--warm-start", str(m1), "-o", str(out),
                         *opt], "--memory-budget/--sample-rows: not for a time-series model", out)
    _one_line_error(["train", str(tmp_path / "labelled.csv"), "--warm-start", str(m1), "-o", str(out),
                     "--label-col", "label"], "10 of the 600 rows of the training series are not "
                    "labelled normal", out)


def test_replay_keeps_the_old_normal_series(parent: Pipeline) -> None:
    old, new = _series(800, 0.0, 0), _series(600, 1.5, 7)
    plain = parent.warm_start(new, epochs=15, random_state=1)
    replayed = parent.warm_start(new, replay=old, epochs=15, random_state=1)
    ws = replayed.info["warm_start"]
    assert ws["replay"] == {"steps": 800, "new_steps": 600} and "replay" not in plain.info["warm_start"]
    det = replayed.detector_
    # the held-out tail is still the last 10% of the NEW steps, after the 800 replayed ones
    assert det.val_index_.tolist() == list(range(800 + 540, 1400))
    unseen_old = _series(400, 0.0, 11)
    assert replayed.score(unseen_old).mean() < 0.5 * plain.score(unseen_old).mean()
    assert replayed.score(new).mean() < 2 * plain.score(new).mean()  # the new series is learnt too
    with pytest.raises(InputError, match="missing: b"):
        parent.warm_start(new, replay=old.drop(columns=["b"]))
    with pytest.raises(InputError, match="shorter than one window"):
        parent.warm_start(new, replay=old.head(10))


def test_replay_windows_never_span_the_join(parent: Pipeline) -> None:
    X_old, X_new = parent.transform(_series(100, 0.0, 0)), parent.transform(_series(300, 1.0, 2))
    det = parent.detector_
    child = det._warm_copy(False, {"epochs": 1})
    child._seams = (100,)
    child._seam_head = np.concatenate([X_old, X_new])
    windows = child._train_tensors(child._seam_head, None)[0].numpy()
    inside = [s for s in window_starts(400, 16, int(child.stride)) if not s < 100 < s + 16]
    assert len(windows) == len(inside) < len(window_starts(400, 16, int(child.stride)))
    for w, s in zip(windows, inside, strict=True):  # every window lies inside one recording
        assert np.array_equal(w, child._seam_head[s:s + 16])


def test_cli_replay_for_a_series_warm_start(tmp_path: Path) -> None:
    old, new = _series(700, 0.0, 5), _series(300, 1.0, 6)
    old.to_csv(tmp_path / "old.csv", index=False)
    new.to_csv(tmp_path / "new.csv", index=False)
    old.drop(columns=["b"]).to_csv(tmp_path / "bad.csv", index=False)
    old.head(10).to_csv(tmp_path / "short.csv", index=False)
    m1, m2 = tmp_path / "m1", tmp_path / "m2"
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "-m", "lstm-ae", "--timestamp-col",
                              "ts", "--window", "16", "--epochs", "2", "-o", str(m1), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(m1), "-o",
                              str(m2), "--epochs", "2", "--replay-data", str(tmp_path / "old.csv"),
                              "--replay", "2"])
    assert res.exit_code == 0, res.output
    assert "+ 600 replayed steps of" in " ".join(res.stderr.split())
    info = json.loads((m2 / "config.json").read_text())["info"]
    rp = info["warm_start"]["replay"]
    assert rp["source"] == str(tmp_path / "old.csv") and rp["multiple"] == 2.0
    assert rp["rows"] == 600 and rp["of"] == 700 and rp["steps"] == 600 and rp["new_steps"] == 300
    assert info["held_out"]["rows"] == 30 and info["n_train_rows"] == 900
    out = tmp_path / "m3"
    base = ["train", str(tmp_path / "new.csv"), "--warm-start", str(m1), "-o", str(out), "--replay-data"]
    _one_line_error([*base, str(tmp_path / "bad.csv")], f"--replay-data {tmp_path / 'bad.csv'}: ", out)
    _one_line_error([*base, str(tmp_path / "bad.csv")], "missing: b", out)
    _one_line_error([*base, str(tmp_path / "short.csv")], "shorter than one window", out)


def test_proximal_mu_pulls_a_series_model_toward_its_parent_weights() -> None:
    t = np.arange(600)
    X = np.c_[np.sin(t / 5), np.cos(t / 7)].astype("float32")
    det = TCNAutoEncoder(window=16, epochs=2, verbose=0, random_state=0).fit(X)

    def moved(new: TCNAutoEncoder) -> float:
        return float(sum(((a - b) ** 2).sum() for a, b in zip(
            new.module_.parameters(), det.module_.parameters(), strict=True)).detach())

    plain = det.warm_start(X * 2 + 1, epochs=2)
    near = det.warm_start(X * 2 + 1, epochs=2, proximal_mu=100.0)
    assert moved(near) < moved(plain)
    with pytest.raises(ValueError, match="proximal_mu"):
        det.warm_start(X, proximal_mu=-1.0)
