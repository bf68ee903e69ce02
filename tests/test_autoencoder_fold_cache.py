"""The autoencoder keeps its folded scoring network between calls; any change to what the fold
read gives the next score from a fresh fold."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from hourglass.detectors import AutoEncoder
from hourglass.detectors.autoencoder import _FoldedScorer
from hourglass.nn import predict_batches

X = np.random.default_rng(0).normal(size=(300, 6)).astype(np.float32)


def _fitted(**kw: object) -> AutoEncoder:
    # device='cpu': these tests feed CPU tensors to the module and edit its layers in place
    return AutoEncoder(hidden=(8, 3), epochs=2, verbose=0, device="cpu", **kw).fit(X)  # type: ignore[arg-type]


def _fresh(ae: AutoEncoder) -> np.ndarray:
    """Scores from a fold made now, without the cache."""
    scorer = _FoldedScorer(ae.module_, ae.input_offset_, ae.input_scale_)
    return np.asarray(predict_batches(scorer.score, [X[:20]], device=ae.device_), dtype=np.float64)


def _check(ae: AutoEncoder, before: np.ndarray, *, changed: bool = True) -> None:
    after = ae.score(X[:20])
    assert after.tobytes() == _fresh(ae).tobytes()
    assert (after.tobytes() != before.tobytes()) == changed


def test_the_fold_is_kept_between_calls() -> None:
    ae = _fitted()
    first = ae.score(X[:20])
    scorer = ae._fold_cache.scorer
    assert ae.score(X[:20]).tobytes() == first.tobytes() == _fresh(ae).tobytes()
    assert ae._fold_cache.scorer is scorer


@pytest.mark.parametrize("how", ["no_grad", "data", "load_state_dict", "bias", "bn_weight"])
def test_a_weight_changed_in_place_is_seen(how: str) -> None:
    ae = _fitted()
    before = ae.score(X[:20])
    enc = ae.module_.encoder
    linear = next(m for m in enc.modules() if isinstance(m, nn.Linear))
    if how == "no_grad":
        with torch.no_grad():
            linear.weight.mul_(1.5)
    elif how == "data":  # bumps no version counter
        linear.weight.data.copy_(linear.weight.data * 0.5)
    elif how == "load_state_dict":
        state = {k: v.clone() for k, v in ae.module_.state_dict().items()}
        key = next(k for k in state if k.endswith("weight"))
        state[key] += 0.1
        ae.module_.load_state_dict(state)
    elif how == "bias":
        linear.bias.data[0] += 1.0
    else:
        bn = next(m for m in enc.modules() if isinstance(m, nn.BatchNorm1d))
        bn.weight.data[0] *= 3.0
    _check(ae, before)


def test_running_statistics_moved_by_a_training_forward_pass_are_seen() -> None:
    ae = _fitted()
    before = ae.score(X[:20])
    ae.module_.train()
    with torch.no_grad():
        ae.module_(torch.from_numpy(X[:50] * 3 + 1))
    _check(ae, before)
    assert not ae.module_.training  # score puts the module back in eval mode, as before


def test_a_replaced_layer_error_scale_or_input_scale_is_seen() -> None:
    ae = _fitted()
    before = ae.score(X[:20])
    old = ae.module_.decoder[0]
    ae.module_.decoder[0] = nn.Linear(old.in_features, old.out_features)
    _check(ae, before)
    before = ae.score(X[:20])
    ae.module_.error_scale.data.fill_(2.0)
    _check(ae, before)
    before = ae.score(X[:20])
    ae.input_scale_[0] *= 2.0  # numpy, changed in place
    _check(ae, before)
    before = ae.score(X[:20])
    ae.input_offset_ = ae.input_offset_ + 1.0
    _check(ae, before)


def test_the_sign_of_a_zero_weight_does_not_change_the_score() -> None:
    ae = _fitted()
    linear = ae.module_.decoder[0]
    linear.weight.data[0, 0] = 0.0
    before = ae.score(X[:20])
    linear.weight.data[0, 0] = -0.0  # equal in value: the cached fold scores bit for bit alike
    _check(ae, before, changed=False)


def test_refit_and_set_state_score_with_their_own_weights() -> None:
    ae = _fitted()
    ae.score(X[:20])
    other = AutoEncoder(hidden=(8, 3), epochs=2, verbose=0, random_state=7, device="cpu").fit(X)
    ae.set_state(*other.get_state())
    assert ae.score(X[:20]).tobytes() == other.score(X[:20]).tobytes()
    before = ae.score(X[:20])
    ae.fit(X[::-1].copy())
    _check(ae, before)
