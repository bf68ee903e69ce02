"""Regression tests: DeepLog, the ensembles and the event-input helpers on edge cases."""

from __future__ import annotations

import numpy as np

from hourglass.detectors import DeepLog, EventEnsemble


class _OwnDeepLog(DeepLog):
    """A caller's subclass, not in the registry."""


def test_event_ensemble_explain_names_an_unregistered_member_by_its_class() -> None:
    member = _OwnDeepLog(window=2, top_g=1, hidden=8, layers=1, epochs=1, verbose=0, device="cpu")
    ens = EventEnsemble(detectors=(member,), verbose=0).fit([np.array([1, 2, 3])] * 12)
    # fit and score worked; explain raised "_OwnDeepLog is not a registered detector"
    e = ens.explain([np.array([1, 2])])
    assert e[0]["member"] == "_OwnDeepLog" and e[0]["key"] == 1


def test_deeplog_top_g_warning_counts_the_end_of_a_session() -> None:
    import warnings

    normal = [np.array([1, 2, 3])] * 20
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # 3 keys + the end: top_g=3 still flags a session cut short; it was warned of as
        # "only keys never seen in training can be flagged"
        DeepLog(window=2, top_g=3, hidden=8, layers=1, epochs=1, verbose=0).fit(normal)
        quiet = [str(w.message) for w in caught if "DeepLog: top_g" in str(w.message)]
        caught.clear()
        DeepLog(window=2, top_g=4, hidden=8, layers=1, epochs=1, verbose=0).fit(normal)
        said = [str(w.message) for w in caught if "DeepLog: top_g" in str(w.message)]
        caught.clear()
        DeepLog(window=2, top_g=3, end_token=False, hidden=8, layers=1, epochs=1, verbose=0).fit(normal)
        no_end = [str(w.message) for w in caught if "DeepLog: top_g" in str(w.message)]
    assert quiet == []
    assert len(said) == 1 and "not below the 3 keys seen in training and the end of a session" in said[0]
    assert len(no_end) == 1 and "not below the 3 keys seen in training," in no_end[0]


def test_deeplog_ranks_keys_in_bounded_memory(monkeypatch) -> None:
    import tracemalloc
    import warnings

    import hourglass.detectors.deeplog as deeplog_module

    rng = np.random.default_rng(0)
    n_keys = 400
    train = [rng.integers(0, n_keys, size=40) for _ in range(40)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dl = DeepLog(window=3, hidden=8, layers=1, epochs=1, verbose=0, device="cpu").fit(train)
    test = [rng.integers(0, n_keys, size=50) for _ in range(80)]  # 4,000 events
    whole = dl.score(test)
    # a block's events each gathered a row of V + 2 logits at once: 4,000 x 402 float32 (6.4 MB),
    # plus as many booleans, plus the probabilities: 3 GB a block for 2,000 keys at the defaults
    monkeypatch.setattr(deeplog_module, "_RANK_ELEMENTS", 4096)  # ~10 events a step
    tracemalloc.start()
    try:
        stepped = dl.score(test)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, peak
    np.testing.assert_allclose(stepped, whole, rtol=1e-6)
    r = dl.next_event_scores(np.array([[-1, 1, 2], [3, 4, 5]]), np.array([7, 8]),
                             explain_above=float("-inf"))
    assert [len(e) for e in r["expected"]] == [9, 9] and r["score"].dtype == np.float32


def test_deeplog_next_event_scores_refuses_negative_keys_other_than_minus_one() -> None:
    import pytest

    from hourglass.errors import InputError

    dl = DeepLog(window=2, top_g=1, hidden=8, layers=1, epochs=1, verbose=0).fit([np.array([1, 2, 3])] * 12)
    # -7 was scored as the end of the session, -5 read as "before the start": batch scoring
    # refuses such keys ("keys must be >= 0")
    said = r"observed keys must be >= 0 \(or -1 for the end of the session\), found -7"
    with pytest.raises(InputError, match=said):
        dl.next_event_scores(np.array([[1, 2]]), np.array([-7]))
    with pytest.raises(InputError, match=r"history keys must be >= 0 .*, found -5"):
        dl.next_event_scores(np.array([[-5, 2]]), np.array([3]))
    r = dl.next_event_scores(np.array([[-1, -1], [1, 2]]), np.array([1, -1]))
    assert r["score"].shape == (2,)


def test_float16_sessions_pack_without_a_warning() -> None:
    import warnings

    from hourglass.detectors.events import EventsInput

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was RuntimeWarning: overflow encountered in cast
        packed = EventsInput._pack_raw([np.array([1, 2], dtype=np.float16), np.array([3.0])])
    assert packed.flat.tolist() == [1, 2, 3] and packed.flat.dtype == np.int64


def test_ensemble_refuses_to_score_under_a_calibration_it_was_not_fitted_with() -> None:
    import pytest

    from hourglass.detectors import Ensemble
    from hourglass.errors import InputError

    X = np.random.default_rng(0).normal(size=(120, 3)).astype("float32")
    ens = Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}),), epochs=1, verbose=0).fit(X)
    before = ens.predict(X)
    # the threshold stayed on z-scores while score() moved to ranks: other flags, silently
    ens.set_params(calibration="rank")
    with pytest.raises(InputError, match=r"calibration is 'rank', but the model was fitted with 'zscore'"):
        ens.predict(X)
    ens.set_params(calibration="zscore", combine="max")
    with pytest.raises(InputError, match=r"combine is 'max', but the model was fitted with 'mean'"):
        ens.score(X)
    ens.set_params(combine="mean")
    assert np.array_equal(ens.predict(X), before)
    ens.set_params(calibration="rank")
    ens.fit(X)  # a new fit takes the new rule
    assert ens.score(X).shape == (120,)


def test_deeplog_refuses_to_score_with_a_window_it_was_not_trained_with() -> None:
    import pytest

    from hourglass.errors import InputError

    dl = DeepLog(window=3, top_g=1, hidden=8, layers=1, epochs=1, verbose=0).fit(
        [np.array([1, 2, 3, 4])] * 12)
    t = [np.array([1, 2, 3, 4])]
    before = dl.score(t)
    # the LSTM read 1-key windows it never learnt: normal sessions scored (and flagged) anew
    dl.set_params(window=1)
    with pytest.raises(InputError, match=r"window is 1, but the network was trained with 3"):
        dl.score(t)
    with pytest.raises(InputError, match=r"window is 1"):
        dl.next_event_scores(np.array([[2]]), np.array([3]))
    dl.set_params(window=3, end_token=False)
    with pytest.raises(InputError, match=r"end_token is False, but the network was trained with True"):
        dl.explain(t)
    dl.set_params(end_token=True)
    assert np.array_equal(dl.score(t), before)
    meta, arrays = dl.get_state()
    loaded = DeepLog(window=3, top_g=1, hidden=8, layers=1, verbose=0).set_state(meta, arrays)
    assert np.array_equal(loaded.score(t), before)
