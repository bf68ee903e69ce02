"""Regression tests: DeepLog's and the Ensemble's fitted settings through saving, warm starts,
gradients and the streaming path."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hourglass.detectors import DeepLog, Ensemble
from hourglass.errors import InputError


def _deeplog(**params: object) -> DeepLog:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return DeepLog(**{"window": 3, "top_g": 1, "hidden": 8, "layers": 1, "epochs": 1,
                          "verbose": 0, "device": "cpu", **params}).fit([np.array([1, 2, 3, 4])] * 12)


def _ensemble(**params: object) -> tuple[Ensemble, np.ndarray]:
    X = np.random.default_rng(0).normal(size=(120, 3)).astype("float32")
    ens = Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}),), epochs=1, verbose=0,
                   device="cpu", **params).fit(X)
    return ens, X


def test_deeplog_refuses_to_save_or_warm_start_under_a_window_it_was_not_trained_with(tmp_path) -> None:
    import pandas as pd

    from hourglass import Pipeline, load
    from hourglass.features.sessions.events import EventSessions

    lines = pd.Series(["1 2 3 4 5 6"] * 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = Pipeline(DeepLog(window=3, top_g=1, hidden=8, layers=1, epochs=1, verbose=0, device="cpu"),
                        features=EventSessions(format="keys")).fit(lines)
    test = ["1 2 3 4 5 6", "6 5 4 3"]
    before = pipe.score(test)
    pipe.save(tmp_path / "ok")
    assert np.array_equal(load(tmp_path / "ok").score(test), before)  # a consistent model: unchanged
    # saved with window=1, the window-3 network loaded and scored under window 1, unrefused
    pipe.detector_.set_params(window=1)
    with pytest.raises(InputError, match=r"^DeepLog: window is 1, but the network was trained with 3; "
                                         r"fit again, or set window=3$"):
        pipe.save(tmp_path / "bad")
    assert not (tmp_path / "bad").exists()
    with pytest.raises(InputError, match=r"window is 1, but the network was trained with 3"):
        pipe.detector_.warm_start([np.array([1, 2, 3, 4])] * 12, epochs=1)
    pipe.detector_.set_params(window=3, end_token=False)
    with pytest.raises(InputError, match=r"end_token is False, but the network was trained with True"):
        pipe.detector_.get_state()
    pipe.detector_.set_params(end_token=True)
    assert np.array_equal(pipe.score(test), before)


def test_ensemble_refuses_to_save_under_a_calibration_it_was_not_fitted_with(tmp_path) -> None:
    import pandas as pd

    from hourglass import Pipeline, load

    X = np.random.default_rng(0).normal(size=(120, 3)).astype("float32")
    df = pd.DataFrame(X, columns=list("abc"))
    pipe = Pipeline(Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}),), epochs=1, verbose=0,
                             device="cpu")).fit(df)
    before = pipe.score(df)
    pipe.save(tmp_path / "ok")
    assert np.array_equal(load(tmp_path / "ok").score(df), before)
    # saved with calibration="rank", the loaded model scored ranks against a z-score threshold
    pipe.detector_.set_params(calibration="rank")
    with pytest.raises(InputError, match=r"^Ensemble: calibration is 'rank', but the model was fitted "
                                         r"with 'zscore' .*set calibration='zscore'$"):
        pipe.save(tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_int_keys_of_float16_warn_of_no_overflow() -> None:
    from hourglass.features.sessions.keys import int_keys

    dl = _deeplog(window=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was RuntimeWarning: overflow encountered in cast
        assert int_keys(np.array([1.0, 2.0], dtype=np.float16), "keys").tolist() == [1, 2]
        r = dl.next_event_scores(np.array([[1, 2]], dtype=np.float16), np.array([3], dtype=np.float16))
    assert r["score"].shape == (1,)
    with pytest.raises(InputError, match="below 2\\*\\*63"):
        int_keys(np.array([1e19]), "keys")


def test_ensemble_why_no_gradients_names_the_calibration_it_was_fitted_with() -> None:
    ens, _ = _ensemble(calibration="rank")
    ens.set_params(calibration="zscore")
    # was None (then gradient_module refused); the model's own reason comes first (setting back
    # 'rank' gives no gradients either), naming the calibration it was fitted with
    said = ("the calibration it was fitted with ('rank') is a step function of the members' scores "
            "(no gradient); train it with calibration='zscore'")
    assert ens.why_no_gradients() == said
    ens.set_params(calibration="rank")
    assert ens.why_no_gradients() == said
    ens.set_params(calibration="zscore")
    with pytest.raises(InputError, match=r"^Ensemble: the calibration it was fitted with \('rank'\)"):
        ens.gradient_module()
    ens2, _ = _ensemble()
    ens2.set_params(calibration="rank")
    assert ens2.why_no_gradients() == ("calibration is 'rank', but the model was fitted with 'zscore' "
                                       "(its threshold is on those scores); fit again, or set "
                                       "calibration='zscore'")
    ens2.set_params(calibration="zscore", combine="max")
    assert ens2.why_no_gradients().startswith("combine is 'max', but the model was fitted with 'mean'")
    ens2.set_params(combine="mean")
    assert ens2.why_no_gradients() is None


def test_next_event_scores_runs_the_network_once_per_window_when_explaining(monkeypatch) -> None:
    import hourglass.detectors.deeplog as deeplog_module

    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dl = DeepLog(window=3, hidden=8, layers=1, epochs=1, verbose=0, device="cpu").fit(
            [rng.integers(0, 30, size=20) for _ in range(20)])
    h, o = rng.integers(0, 30, size=(300, 3)), rng.integers(0, 35, size=300)
    o[:5] = -1
    quiet = dl.next_event_scores(h, o, explain_above=float("inf"))
    windows = [0]
    logits = dl.module_.logits

    def counting(w):  # type: ignore[no-untyped-def]
        windows[0] += int(w.shape[0])
        return logits(w)

    monkeypatch.setattr(dl.module_, "logits", counting)
    r = dl.next_event_scores(h, o, explain_above=float("-inf"))
    # the explained events' windows ran through the network a second time (600 windows for 300)
    # (once each; a last batch padded to a multiple of ROW_BLOCK rows: nn.predict_batches)
    from hourglass.nn.training import ROW_BLOCK

    assert 0 <= windows[0] - len(np.unique(h, axis=0)) < ROW_BLOCK
    assert np.array_equal(r["score"], quiet["score"]) and all(e is not None for e in r["expected"])
    # the probabilities shown are the softmax of the logits the score was ranked in
    dense = np.where(h < 0, dl.n_features_in_ + 2, dl._map_keys(h.ravel()).reshape(h.shape))
    import torch
    with torch.no_grad():
        p = torch.softmax(logits(torch.as_tensor(dense[:1])), dim=1).numpy()[0]
    p[dl._never_expected()] = -1.0
    top = np.sort(p)[::-1][:len(r["expected_p"][0])]
    np.testing.assert_allclose(r["expected_p"][0], top, atol=1e-4)
    mid = float(np.median(r["score"]))
    monkeypatch.setattr(deeplog_module, "_RANK_ELEMENTS", 64)  # 2 events a step
    stepped = dl.next_event_scores(h, o, explain_above=mid)
    # the network ran in other batches: equal to float rounding, not bit for bit
    np.testing.assert_allclose(stepped["score"], r["score"], rtol=1e-6)
    above = stepped["score"] > mid
    assert [e is not None for e in stepped["expected"]] == above.tolist()
    both = above & (r["score"] > mid)
    assert both.sum() >= above.sum() - 2
    for i in np.flatnonzero(both):
        np.testing.assert_allclose(stepped["expected_p"][i], r["expected_p"][i], rtol=1e-6, atol=1e-7)


def test_deeplog_top_g_warning_does_not_promise_known_keys_are_never_flagged() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dl = DeepLog(window=2, top_g=4, hidden=8, layers=1, epochs=1, verbose=0, random_state=0,
                     device="cpu").fit([np.array([1, 2, 3])] * 20)
    said = [str(w.message) for w in caught if "DeepLog: top_g" in str(w.message)]
    # it said a known key "is always among the top-g predictions", yet ranks are over the keys,
    # 'unknown' and the end: a known key ranked last is flagged
    assert len(said) == 1 and "is always" not in said[0]
    assert "almost always" in said[0]
    assert "a known key or the end of a session the network ranks below 'unknown'" in said[0]
    # key 1 made the network's last choice (whatever one epoch learnt): it is flagged
    import torch

    with torch.no_grad():
        k = int(np.searchsorted(dl.vocab_, 1))
        dl.module_.out.weight[k] = 0.0
        dl.module_.out.bias[k] = -1e4
    e = dl.explain([np.array([1])])[0]
    assert e["key"] == 1 and e["rank"] == 5 and dl.predict([np.array([1])]).tolist() == [1]
