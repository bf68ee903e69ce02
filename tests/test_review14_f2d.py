"""Regression tests: DeepLog's top_g warning, Ensemble.why_no_gradients, wide float keys."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.features.sessions.keys import int_keys

_EXTENDED = np.finfo(np.longdouble).nmant >= 63  # 2**63 - 1 is a long double here


def _deeplog(**kw: Any) -> Any:
    from hourglass.detectors import DeepLog

    params: dict[str, Any] = {"window": 2, "hidden": 8, "layers": 1, "epochs": 1, "verbose": 0,
                              "device": "cpu", "random_state": 0}
    params.update(kw)
    return DeepLog(**params)


def test_float16_keys_are_accepted_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert int_keys(np.array([1, 2, 65504], dtype=np.float16), "keys").tolist() == [1, 2, 65504]
        with pytest.raises(InputError, match="below 2\\*\\*63"):
            int_keys(np.array([np.inf], dtype=np.float16), "keys")


@pytest.mark.skipif(not _EXTENDED, reason="long double is no wider than float64 here")
def test_long_double_key_just_below_two_to_63_is_accepted() -> None:
    big = np.longdouble(2**63 - 1)
    assert int_keys(np.array([1, big], dtype=np.longdouble), "keys").tolist() == [1, 2**63 - 1]
    with pytest.raises(InputError, match="below 2\\*\\*63"):
        int_keys(np.array([np.longdouble(2**63)], dtype=np.longdouble), "keys")
    dl = _deeplog(top_g=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dl.fit([np.array([1, 2, 3])] * 12)
    scores = dl.event_scores([np.array([1, big], dtype=np.longdouble)])[0]
    assert scores.shape == (3,) and np.isfinite(scores).all()
    out = dl.next_event_scores(np.array([[1, 2]]), np.array([big], dtype=np.longdouble))
    assert out["score"].shape == (1,)
    with pytest.raises(InputError, match="does not fit a 64-bit integer"):
        dl.event_scores([np.array([1, np.longdouble(2**63)], dtype=np.longdouble)])


def test_ensemble_why_no_gradients_gives_the_fitted_models_reason_before_a_mismatch() -> None:
    from hourglass.detectors import Ensemble

    X = np.random.default_rng(0).normal(size=(120, 3)).astype("float32")
    ens = Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}),), epochs=1, verbose=0,
                   device="cpu", calibration="rank").fit(X)
    step = ("the calibration it was fitted with ('rank') is a step function of the members' scores "
            "(no gradient); train it with calibration='zscore'")
    # was the mismatch, whose advice (set calibration='rank') led to this very refusal
    ens.set_params(calibration="zscore")
    assert ens.why_no_gradients() == step
    ens.set_params(calibration="rank")
    assert ens.why_no_gradients() == step
    both = Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}),
                               ("latent-iforest", {"hidden": (4, 2), "n_estimators": 5})),
                    epochs=1, verbose=0, device="cpu").fit(X)
    forest = ("member 1 (latent-iforest): its score comes from an isolation forest (trees have no "
              "gradient); an ensemble of members with gradients is explained (detectors=('autoencoder',); "
              "in the CLI: train --model ensemble --param 'detectors=[\"autoencoder\"]')")
    both.set_params(calibration="rank")  # setting back 'zscore' would not give it gradients
    assert both.why_no_gradients() == forest
    both.set_params(calibration="zscore")
    assert both.why_no_gradients() == forest
    # with gradients as fitted, the mismatch is what is left to say
    ok = Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}),), epochs=1, verbose=0,
                  device="cpu").fit(X)
    ok.set_params(combine="max")
    assert str(ok.why_no_gradients()).startswith("combine is 'max', but the model was fitted with 'mean'")
    ok.set_params(combine="mean")
    assert ok.why_no_gradients() is None


def test_deeplog_top_g_warning_names_the_end_of_a_session_as_flaggable() -> None:
    import torch

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dl = _deeplog(top_g=4).fit([np.array([1, 2, 3])] * 20)
        off = _deeplog(top_g=3, end_token=False).fit([np.array([1, 2, 3])] * 20)
    said = [str(w.message) for w in caught if "DeepLog: top_g" in str(w.message)]
    assert len(said) == 2
    assert ("only keys never seen in training, or a known key or the end of a session the network "
            "ranks below 'unknown', can be flagged") in said[0]
    assert ("only keys never seen in training, or a known key the network ranks below 'unknown' or "
            "the end of a session, can be flagged") in said[1]
    # the end made the network's last choice: a session ending there is flagged, as the warning says
    with torch.no_grad():
        end = dl.n_features_in_ + 1
        dl.module_.out.weight[end] = 0.0
        dl.module_.out.bias[end] = -1e4
    e = dl.explain([np.array([1, 2, 3])])[0]
    assert e["key"] == "<end>" and e["rank"] == 5
    assert dl.predict([np.array([1, 2, 3])]).tolist() == [1]
    assert off.predict([np.array([1, 2, 3])]).shape == (1,)


def test_window_scores_in_one_step_keeps_the_explained_rows_in_event_order(monkeypatch) -> None:
    import hourglass.detectors.deeplog as deeplog_module

    rng = np.random.default_rng(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dl = _deeplog(window=3).fit([rng.integers(0, 20, size=15) for _ in range(15)])
    V = dl.n_features_in_
    h, o = rng.integers(0, 20, size=(200, 3)), rng.integers(0, 22, size=200)
    w = dl._map_keys(h.ravel()).reshape(h.shape)
    t = dl._map_keys(o)
    dl.module_.eval()
    # one step (its rows are not copied to be put back in order) and 3 events a step agree
    scores, events, probs = dl._window_scores(w, t, float("-inf"))
    assert events.tolist() == list(range(len(t))) and probs.shape == (len(t), V + 2)
    assert (probs.max(axis=1) == 0).all()  # the logits, less each row's largest (the rank reads them)
    monkeypatch.setattr(deeplog_module, "_RANK_ELEMENTS", 3 * (V + 2))
    s3, e3, p3 = dl._window_scores(w, t, float("-inf"))
    assert e3.tolist() == events.tolist()
    np.testing.assert_allclose(s3, scores, rtol=1e-6)
    np.testing.assert_allclose(p3, probs, rtol=1e-6, atol=1e-7)
    cut = float(np.median(scores))
    s1, e1, p1 = dl._window_scores(w, t, cut)
    monkeypatch.setattr(deeplog_module, "_RANK_ELEMENTS", 1 << 22)
    s2, e2, p2 = dl._window_scores(w, t, cut)
    assert e2.tolist() == np.flatnonzero(s2 > cut).tolist() and len(p2) == len(e2)
    assert e1.tolist() == np.flatnonzero(s1 > cut).tolist() and len(p1) == len(e1)
    # the explained rows themselves, not their event indices only (3 events a step, and one step)
    assert e1.tolist() == e2.tolist()
    np.testing.assert_allclose(s1, s2, rtol=1e-6)
    np.testing.assert_allclose(p1, p2, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(p1, probs[e1], rtol=1e-6, atol=1e-7)
