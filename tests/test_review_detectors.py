"""Regression tests of a review of the detectors, the thresholds and the metrics: each test names
the defect it pins down."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import hourglass.detectors.base as detector_base
from hourglass.detectors import AutoEncoder, DeepLog, LatentIForest
from hourglass.detectors.base import DetectorNotFittedError
from hourglass.errors import InputError
from hourglass.thresholds import (
    DSPOT,
    TRAINING,
    AlertBudget,
    Calibrator,
    Contamination,
    Percentile,
    Threshold,
)

AE = {"hidden": (4, 2), "epochs": 2, "verbose": 0, "device": "cpu"}


def _rows(n: int = 200, d: int = 5, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


# -- 1. a failed refit leaves the detector unfitted, not half refitted --------------------------
def test_a_refit_that_fails_in_training_leaves_the_detector_unfitted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    det = AutoEncoder(**AE).fit(_rows(d=5))

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("training failed")

    monkeypatch.setattr(detector_base, "train_module", boom)
    with pytest.raises(RuntimeError, match="training failed"):
        det.fit(_rows(d=3, seed=1))
    monkeypatch.undo()
    # before: n_features_in_ was 3 with the 5-feature module and threshold: a torch shape error
    with pytest.raises(DetectorNotFittedError, match="not fitted"):
        det.score(_rows(d=3))
    assert not hasattr(det, "module_") and not hasattr(det, "val_scores_")
    assert det.fit(_rows(d=3, seed=1)).score(_rows(d=3)).shape == (200,)  # refits cleanly


def test_a_refit_with_a_bad_threshold_leaves_the_detector_unfitted() -> None:
    det = AutoEncoder(**AE).fit(_rows(d=5))
    det.set_params(threshold=Percentile(150))
    with pytest.raises(InputError, match="q must be in"):
        det.fit(_rows(d=3, seed=1))
    with pytest.raises(DetectorNotFittedError):
        det.predict(_rows(d=3))


# -- 2. nothing held out: the threshold is fitted on the normal training rows only ---------------
@pytest.mark.parametrize("n", [8, 200])  # under 10 rows, or validation_fraction=0
def test_without_held_out_rows_labelled_anomalies_stay_out_of_the_threshold(n: int) -> None:
    X = _rows(n=n)
    y = np.zeros(n, dtype=int)
    y[:2] = 1
    X[:2] += 50.0  # known anomalies, far out
    det = AutoEncoder(**AE, validation_fraction=0.0).fit(X, y)
    assert det.val_scores_source() == TRAINING
    assert len(det.val_scores_) == n - 2  # before: n, the two anomalies' scores among them
    np.testing.assert_array_equal(det.val_scores_, det.score(X[2:]))
    assert det.predict(X[:2]).tolist() == [1, 1]


# -- 3. a model saved with device="cuda" loads and scores on a machine without CUDA -------------
@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_cuda_model_loads_on_the_cpu_but_cuda_training_still_refuses(
        caplog: pytest.LogCaptureFixture) -> None:
    X = _rows()
    cpu = AutoEncoder(**AE).fit(X)
    saved = {**cpu.get_params(), "device": "cuda"}  # what a GPU-trained artefact's params say
    with caplog.at_level(logging.WARNING, logger="hourglass.nn.device"):
        loaded = AutoEncoder(**saved).set_state(*cpu.get_state())
    assert "'cuda' is not available here" in caplog.text and "using the CPU" in caplog.text
    assert loaded.device_.type == "cpu"
    np.testing.assert_array_equal(loaded.score(X), cpu.score(X))
    with pytest.raises(InputError, match="'cuda' was asked for but no CUDA device"):
        AutoEncoder(**saved).fit(X)
    with pytest.raises(InputError, match="'cuda' was asked for"):
        loaded.warm_start(X)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_cuda_artefact_loads_on_the_cpu(tmp_path: Path) -> None:
    from hourglass import Pipeline, load
    from hourglass.pipeline.artefact import _content_hash

    df = pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60.0) % 7})
    pipe = Pipeline(AutoEncoder(**AE)).fit(df)
    pipe.save(tmp_path / "model")
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    config["detector"]["params"]["device"] = "cuda"  # as `hourglass train --device cuda` saves
    config["content_hash"] = _content_hash(config, (tmp_path / "model" / "weights.safetensors").read_bytes())
    (tmp_path / "model" / "config.json").write_text(json.dumps(config))
    np.testing.assert_array_equal(load(tmp_path / "model").score(df), pipe.score(df))


# -- 4. a wrong threshold rule is said before training, not after it -----------------------------
@pytest.mark.parametrize(("rule", "match"), [
    (Percentile(150), "q must be in"),
    (Contamination(0.7), "c must be in"),
    (Percentile(float("nan")), "q must be a finite number"),
    (DSPOT(1e-3, depth=5000), "too few for depth 5000"),
])
def test_a_wrong_threshold_rule_stops_fit_before_any_epoch(
        monkeypatch: pytest.MonkeyPatch, rule: Threshold, match: str) -> None:
    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("training started")

    monkeypatch.setattr(detector_base, "train_module", no_training)
    with pytest.raises((InputError, ValueError), match=match):
        AutoEncoder(**AE, threshold=rule).fit(_rows(n=2000))


def test_dspot_depth_is_checked_against_the_normal_held_out_rows() -> None:
    X = _rows(n=1000)
    y = np.zeros(1000, dtype=int)
    y[::2] = 1  # half the held-out rows are known anomalies: too few normal scores remain
    with pytest.raises(InputError, match=r"DSPOT: \d+ scores are too few for depth 40"):
        AutoEncoder(**AE, threshold=DSPOT(1e-2, depth=40, min_peaks=3)).fit(X, y)
    det = AutoEncoder(**AE, threshold=DSPOT(1e-2, depth=40, level=0.9, min_peaks=3)).fit(X)  # 100 held out
    assert det.threshold_.n_fit_ == 100


# -- 12. a threshold parameter set to None is named, not a TypeError deep inside ---------------
@pytest.mark.parametrize(("rule", "param"), [
    (Percentile(None), "q"), (Contamination(None), "c"), (AlertBudget(None, per="10k"), "n"),  # type: ignore[arg-type]
    (AlertBudget(5, per="10k", min_tail=None), "min_tail"), (DSPOT(1e-2, depth=None), "depth"),  # type: ignore[arg-type]
    (Calibrator(level=None), "level"), (Calibrator(n_knots=None), "n_knots"),  # type: ignore[arg-type]
    (Calibrator(severity_cuts=None), "severity_cuts"),  # type: ignore[arg-type]
])
def test_threshold_params_set_to_none_are_named(rule: Threshold | Calibrator, param: str) -> None:
    with pytest.raises(InputError, match=rf"{param} must be .*None"):
        rule.fit(np.random.default_rng(0).exponential(size=500))


# -- 5. a validation_fraction that leaves under 2 training rows is named ------------------------
@pytest.mark.parametrize(("vf", "held", "left"), [(0.95, 10, 0), (0.9, 9, 1)])
def test_a_validation_fraction_leaving_under_two_training_rows_is_named(
        vf: float, held: int, left: int) -> None:
    with pytest.raises(InputError, match=rf"validation_fraction={vf} holds out {held} of 10 rows, "
                                         rf"leaving {left} to train on"):
        AutoEncoder(**AE, validation_fraction=vf).fit(_rows(n=10))


def test_deeplog_validation_fraction_leaving_no_training_session_is_named() -> None:
    sessions = [np.array([1, 2, 3, 4])] * 20
    with pytest.raises(InputError, match="holds out 20 of 20 sessions, leaving 0 to train on"):
        DeepLog(epochs=1, verbose=0, device="cpu", validation_fraction=0.98).fit(sessions)


def test_one_long_session_still_trains_a_log_model() -> None:
    # a log model learns from the windows inside its sessions: one host's whole log is one session
    det = DeepLog(epochs=1, verbose=0, device="cpu").fit([np.tile(np.arange(1, 13), 100)])
    assert det.score([np.array([1, 2, 3, 4, 5, 1, 2])]).shape == (1,)


# -- 6. AlertBudget's min_tail must be >= 1 --------------------------------------------------------
@pytest.mark.parametrize("min_tail", [0, -1])
def test_alert_budget_refuses_a_min_tail_below_one(min_tail: int) -> None:
    s = np.random.default_rng(0).normal(size=1000)
    with pytest.raises(InputError, match=f"min_tail must be >= 1, got {min_tail}"):
        AlertBudget(5, per="10k", min_tail=min_tail).fit(s)  # before: ~65% of the rows flagged


def test_alert_budget_min_tail_one_flags_within_budget() -> None:
    s = np.random.default_rng(0).normal(size=1000)
    assert int(AlertBudget(5, per="10k", min_tail=1).fit(s).predict(s).sum()) <= 1
    t = AlertBudget(20, per="10k", min_tail=1).fit(s)  # q n = 2: the empirical order statistic
    assert t.method_ == "empirical" and int(t.predict(s).sum()) == 2


# -- 7. the calibration is monotone where the tail fit takes over -------------------------------
def test_calibrator_transform_is_monotone_across_the_tail_start() -> None:
    c = Calibrator().fit(np.random.default_rng(0).exponential(size=5000))
    t = c.tail_.t
    p = c.transform([t - 1e-3, t, t + 1e-3])
    assert p[0] <= p[1] <= p[2]  # before: p[2] < p[1]


def test_calibrator_transform_is_monotone_over_many_fits() -> None:
    for seed in range(120):
        rng = np.random.default_rng(seed)
        n = int(rng.choice([5, 20, 60, 200, 1000, 5000]))
        s = [rng.exponential(size=n), rng.normal(size=n), np.round(rng.exponential(size=n) * 2) / 2,
             rng.pareto(1.5, size=n), np.r_[np.zeros(n - n // 20), rng.exponential(size=n // 20)]][seed % 5]
        c = Calibrator().fit(s)
        grid = np.sort(np.r_[np.linspace(s.min() - 1, s.max() * 3 + 1, 4000), s])
        if c.tail_ is not None:
            grid = np.sort(np.r_[grid, c.tail_.t + np.linspace(-1e-3, 1e-3, 101)])
        p = c.transform(grid)
        assert (np.diff(p) >= 0).all(), f"seed {seed}: not monotone"
        assert 0 <= p.min() and p.max() <= 1


# -- 8. standardising a column of huge finite values (a 64-bit counter) ---------------------------
def test_autoencoder_standardises_a_64_bit_counter_column() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    X[:, 2] = rng.integers(0, 2**64 - 1, size=200, dtype=np.uint64)  # float32 sums overflow
    det = AutoEncoder(**AE).fit(X)  # before: inf scale, NaN scores, "scores contain NaN or inf"
    assert np.isfinite(det.input_offset_).all() and np.isfinite(det.input_scale_).all()
    assert det.input_scale_[2] > 1e18
    assert np.isfinite(det.score(X)).all()


def test_standardization_names_a_feature_it_cannot_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.detectors import autoencoder

    X = np.array([[1.0, 1.0], [1.0, 5.0]], dtype=np.float32)  # bytes: constant, scale 1
    offset, scale = autoencoder.standardization(X)
    assert offset.tolist() == [1.0, 3.0] and scale.tolist() == [1.0, 2.0]
    monkeypatch.setattr(autoencoder, "STANDARDIZE_FLOOR", 1e40)  # a scale beyond float32
    with pytest.raises(InputError, match="feature 'rate': its values are too large"):
        autoencoder.standardization(X, ["bytes", "rate"])


# -- 9. random_state in [2**32, 2**64) seeds the isolation forest too ---------------------------
def test_latent_iforest_takes_a_64_bit_random_state() -> None:
    X = _rows(d=4)
    params = {"hidden": (8, 2), "epochs": 1, "n_estimators": 10, "verbose": 0, "device": "cpu"}
    a = LatentIForest(**params, random_state=2**33).fit(X)  # before: sklearn refused the seed
    b = LatentIForest(**params, random_state=2**33).fit(X)
    np.testing.assert_array_equal(a.score(X), b.score(X))
    assert a._sklearn_seed() < 2**32 and LatentIForest(random_state=2**32)._sklearn_seed() != 0
    assert LatentIForest(random_state=7)._sklearn_seed() == 7  # seeds below 2**32: unchanged


# -- 10. DeepLog.next_event_scores checks top and the history's width ----------------------------
@pytest.fixture(scope="module")
def deeplog() -> DeepLog:
    normal = [np.array([1, 2, 3, 4, 5, 6])] * 30
    return DeepLog(window=3, top_g=1, hidden=8, layers=1, epochs=5, lr=0.03, verbose=0,
                   device="cpu").fit(normal)


def test_next_event_scores_refuses_a_negative_top(deeplog: DeepLog) -> None:
    with pytest.raises(ValueError, match="top must be an integer >= 0"):  # before: dropped a key
        deeplog.next_event_scores(np.array([[1, 2, 3]]), np.array([4]), top=-1,
                                  explain_above=float("-inf"))
    r = deeplog.next_event_scores(np.array([[1, 2, 3]]), np.array([4]), top=2,
                                  explain_above=float("-inf"))
    assert len(r["expected"][0]) == 2


@pytest.mark.parametrize("history", [np.array([[1, 2], [2, 3], [3, 4]]), np.array([1, 2, 3]),
                                     np.array([[[1, 2, 3]]])])
def test_next_event_scores_names_a_history_of_the_wrong_shape(deeplog: DeepLog, history: np.ndarray) -> None:
    with pytest.raises(InputError, match=r"history must be \(n, window=3\) keys"):
        deeplog.next_event_scores(history, np.array([4, 4]))


def test_next_event_scores_of_no_events(deeplog: DeepLog) -> None:
    r = deeplog.next_event_scores(np.zeros((0, 3), dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert r["score"].shape == (0,)


# -- 13. event keys beyond int64 given as floats or uint64 ----------------------------------------
@pytest.mark.parametrize("session", [np.array([1.0, 2.0, 1e20]), np.array([1.0, -1e20]),
                                     np.array([1, 2, 2**64 - 1], dtype=np.uint64), [1, 2, 2**64]])
def test_event_keys_beyond_int64_are_named_without_a_warning(session: object) -> None:
    import warnings

    from hourglass.detectors.events import EventsInput

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # before: RuntimeWarning from the cast, then "keys must be >= 0"
        with pytest.raises(InputError, match=r"session 0: key -?\d+ does not fit a 64-bit integer"):
            EventsInput._pack_raw([session])


# -- 14. small edges -------------------------------------------------------------------------------
@pytest.mark.parametrize("param", ["lr", "weight_decay"])
def test_an_lr_or_weight_decay_beyond_float32_is_named(param: str) -> None:
    from hourglass.detectors import DeepSVDD

    with pytest.raises(ValueError, match=rf"{param} must be at most 3.4e\+3[78]"):  # was torch's RuntimeError
        DeepSVDD(hidden=(4,), epochs=1, verbose=0, device="cpu", **{param: 1e300}).fit(_rows())


def test_calibrator_severity_of_nan_is_none() -> None:
    c = Calibrator().fit(np.random.default_rng(0).exponential(size=2000))
    assert c.severity([np.nan, 1.0, 50.0]).tolist() == [None, "low", "critical"]  # NaN was 'critical'
    assert c.severity([np.nan, 0.5], probabilities=True).tolist() == [None, "low"]
