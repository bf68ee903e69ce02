"""Regression tests: the time-series detectors (windows, seams), the table detectors and the
training loop."""

from __future__ import annotations

import logging
import re

import numpy as np
import pytest

from hourglass.detectors import (
    DeepLog,
    GRUAutoEncoder,
    LSTMAutoEncoder,
    LSTMForecaster,
    SequenceAutoEncoder,
    TCNAutoEncoder,
)
from hourglass.errors import InputError
from hourglass.features.timeseries import sliding_windows
from hourglass.nn import predict_batches
from hourglass.thresholds import Percentile


def _two_recordings(n: int = 120, jump: float = 3.0) -> np.ndarray:
    t = np.arange(n)
    a = np.c_[np.sin(t / 5), np.cos(t / 5)].astype("float32")
    return np.concatenate([a, a + jump])  # the second recording at another level


@pytest.mark.parametrize("kind", [TCNAutoEncoder, LSTMAutoEncoder])
def test_nothing_held_out_with_seams_fits_on_windows_inside_one_recording(kind):
    # the windows across the join are no series the model will see: with nothing held out
    # (validation_fraction=0) the threshold, the calibration, the stream threshold and the
    # channels' error scales were fitted on them too, and a threshold sat at the join's score
    X = _two_recordings()
    kw = dict(window=8, epochs=1, verbose=0, validation_fraction=0.0, threshold=Percentile(99), device="cpu")
    det = kind(**kw).fit(X, seams=[120])
    inside = np.r_[det.score(X[:120]), det.score(X[120:])]
    np.testing.assert_array_equal(det.val_scores_, inside)
    assert det.threshold_.value_ == Percentile(99).fit(inside).value_
    causal = np.r_[det.window_scores(X[:120]), det.window_scores(X[120:])]
    np.testing.assert_array_equal(det.stream_val_scores_, causal)
    module = det.module_
    errors = np.concatenate([predict_batches(module.channel_errors, [sliding_windows(x, 8)])
                             for x in (X[:120], X[120:])])
    # each channel's scale: its mean error over those windows
    np.testing.assert_allclose(module.error_scale.numpy(), errors.mean(axis=0), rtol=1e-5)
    # a warm start with a replayed recording in front does the same
    new = det.warm_start(X, epochs=1, seams=[120])
    np.testing.assert_array_equal(new.val_scores_, np.r_[new.score(X[:120]), new.score(X[120:])])


def test_seams_with_a_held_out_tail_keep_fitting_on_the_tail():
    X = _two_recordings()
    det = TCNAutoEncoder(window=8, epochs=1, verbose=0).fit(X, seams=[120])
    tail = X[det.val_index_[0]:]
    np.testing.assert_array_equal(det.val_scores_, det.score(tail))
    np.testing.assert_array_equal(det.stream_val_scores_, det.window_scores(tail))


def test_a_seam_outside_the_series_is_named():
    X = _two_recordings()
    for seam in (240, 1000):
        said = rf"seams must be steps inside the series \(1 to 239.*got \[{seam}\]"
        with pytest.raises(ValueError, match=said):
            LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0).fit(X, seams=[seam])


def test_a_held_out_tail_reaching_before_the_last_seam_is_named():
    # was "the last joined series has -24 steps before its held-out tail"
    X = _two_recordings()
    det = LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0, validation_fraction=0.6)
    with pytest.raises(InputError, match=r"validation_fraction=0.6 holds out the last 144 of 240 steps, "
                                         r"which reach back before the last seam \(step 120\)"):
        det.fit(X, seams=[120])
    fitted = LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0).fit(X, seams=[120])
    with pytest.raises(InputError, match="reach back before the last seam"):
        fitted.warm_start(X, seams=[120], validation_fraction=0.6)


@pytest.mark.parametrize(("kind", "layers"), [(LSTMAutoEncoder, "num_layers"), (GRUAutoEncoder, "num_layers"),
                                              (LSTMForecaster, "num_layers"), (SequenceAutoEncoder, "layers"),
                                              (DeepLog, "layers")])
def test_dropout_that_a_one_layer_network_ignores_is_said(kind, layers, caplog):
    # dropout acts between stacked recurrent layers: with one layer, dropout=0.5 trained (and
    # scored) exactly as dropout=0, without a word
    if kind.get_tags()["input"] == "events":
        X: object = [np.arange(1, 13)] * 20
        kw: dict = {"hidden": 4, "epochs": 1, "verbose": 0}
    else:
        X, kw = _two_recordings()[:120], {"window": 8, "hidden": 4, "epochs": 1, "verbose": 0}
    with caplog.at_level(logging.WARNING, logger="hourglass.detectors.base"):
        kind(**kw, dropout=0.5, **{layers: 1}).fit(X)
    said = [r.getMessage() for r in caplog.records if "dropout" in r.getMessage()]
    assert said == [f"{kind.__name__}: dropout=0.5 has no effect with {layers}=1 (dropout acts between "
                    f"stacked recurrent layers); set {layers}=2 or more to use it"]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hourglass.detectors.base"):
        kind(**kw, dropout=0.5, **{layers: 2}).fit(X)
        kind(**kw, dropout=0.0, **{layers: 1}).fit(X)
    assert not [r for r in caplog.records if "dropout" in r.getMessage()]


def test_a_network_too_big_for_memory_names_every_width_not_hidden_alone(monkeypatch):
    # a huge code on lstm-ae was '--hidden 32: the network on 2 inputs does not fit in memory;
    # give smaller widths', blaming a width at its default
    build = LSTMAutoEncoder._build_window_module

    def huge(self, n):  # what torch raises for a layer past the machine's memory
        if int(self.code) > 1000:
            raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: "
                               "can't allocate memory: you tried to allocate 128000000000 bytes")
        return build(self, n)

    monkeypatch.setattr(LSTMAutoEncoder, "_build_window_module", huge)
    X = _two_recordings()[:120]
    with pytest.raises(InputError, match=re.escape(
            "the network on 2 inputs does not fit in memory (hidden 32, code 1000000000); give "
            "smaller widths")) as caught:
        LSTMAutoEncoder(window=8, code=1_000_000_000, epochs=1, verbose=0, device="cpu").fit(X)
    assert caught.value.param == ("hidden", "code")
    LSTMAutoEncoder(window=8, code=4, hidden=4, epochs=1, verbose=0).fit(X)


def test_an_ensemble_member_whose_held_out_scores_are_equal_up_to_rounding_has_unit_spread():
    # an isolation forest on constant rows scores every row 0.5 up to the rounding of its path
    # lengths: the held-out scores' standard deviation was 5.6e-17, and the member's calibrated
    # score of those very rows 1.0 (a row scored one last bit off would be 1e16)
    from hourglass.detectors import Ensemble

    X = np.ones((100, 3), dtype="float32")
    ens = Ensemble(detectors=(("latent-iforest", {"hidden": (4, 2), "n_estimators": 10}),),
                   epochs=1, verbose=0).fit(X)
    std = ens.calibration_[0][2]
    assert std == 1.0
    assert np.abs(ens.member_scores(X[:5])).max() < 1e-6
    # a member whose held-out scores do vary keeps their standard deviation
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(100, 3)).astype("float32")
    ens = Ensemble(detectors=(("deep-svdd", {"hidden": (4, 2)}),), epochs=1, verbose=0).fit(Z)
    assert ens.calibration_[0][2] == pytest.approx(float(ens.members_[0].val_scores_.std()), rel=1e-12)


def test_a_forecaster_horizon_past_the_series_names_horizon_too():
    X = _two_recordings()[:100]
    with pytest.raises(InputError, match=re.escape(
            "series has 100 time steps, shorter than one window of 108 (window=8 + horizon=100); pass "
            "a longer series (or train a model with a smaller window or horizon (window=..., "
            "horizon=...))")):  # Python's words (review 25)
        LSTMForecaster(window=8, horizon=100, hidden=4, epochs=1, verbose=0).fit(X)
    with pytest.raises(InputError, match=re.escape("(window=120); pass a longer series (or train a "
                                                   "model with a smaller window (window=...))")):
        LSTMAutoEncoder(window=120, hidden=4, epochs=1, verbose=0).fit(X)
