"""Regression tests: DeepLog's top_g warning, Ensemble.why_no_gradients, wide float keys."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.features.sessions.keys import int_keys

_EXTENDED = np.finfo(np.longdouble).nmant >= 63  # 2**63 - 1 is a long double here


def _deeplog(**kw: object):  # type: ignore[no-untyped-def]
    from hourglass.detectors import DeepLog

    params = {"window": 2, "hidden": 8, "layers": 1, "epochs": 1, "verbose": 0, "device": "cpu",
              "random_state": 0}
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
