"""Review 7 (r7_det): the deep detectors' core and the network building blocks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hourglass.detectors import AutoEncoder, EventCountAutoEncoder, TCNAutoEncoder
from hourglass.errors import InputError
from hourglass.nn import TrainConfig, train_module
from tests._nn import MeanModule

_X = np.random.default_rng(0).normal(size=(200, 20)).astype("float32")
_S = np.c_[np.sin(np.arange(200) / 5), np.cos(np.arange(200) / 5)].astype("float32")


def test_a_row_whose_score_overflows_is_flagged_not_normal() -> None:
    # finite float32 rows far beyond training: the network's arithmetic gives inf - inf (NaN),
    # which compared False with the threshold and was predicted 0 (normal), severity None
    det = AutoEncoder(hidden=(8, 2), epochs=2, verbose=0, device="cpu").fit(_X)
    huge = (np.random.default_rng(1).choice([-1.0, 1.0], size=(200, 20)) * 3e38).astype("float32")
    s = det.score(huge)
    assert not np.isnan(s).any() and np.isposinf(s).any()
    assert det.predict(huge).all()
    assert None not in det.severity(s).tolist()


def test_a_window_whose_score_overflows_flags_its_steps() -> None:
    # a NaN window score was read by windows_to_points as "no window", and the steps took a
    # neighbour's normal score: the step holding 3e38 was predicted 0
    det = TCNAutoEncoder(window=8, channels=(8, 8), epochs=2, verbose=0, device="cpu").fit(_S)
    T = _S.copy()
    T[100:102] = [[3e38, -3e38], [-3e38, 3e38]]
    assert not np.isnan(det.window_scores(T)).any()
    p = det.predict(T)
    assert p[100] == 1 and p[101] == 1
    scores, parts = det.score_channels(T, return_scores=True)
    assert np.array_equal(scores, det.score(T)) and np.isposinf(scores[100])
    assert not np.isnan(parts).any()


def test_batch_size_one_with_batch_norm_is_named() -> None:
    # was torch's "Expected more than 1 value per channel when training, got input size ..."
    X = _X[:60, :3]
    with pytest.raises(ValueError, match=r"batch_size=1: AutoEncoder's network has batch normalisation"):
        AutoEncoder(hidden=(4, 2), batch_size=1, epochs=1, verbose=0, device="cpu").fit(X)
    plain = AutoEncoder(hidden=(4, 2), batch_size=1, batch_norm=False, epochs=1, verbose=0,
                        device="cpu").fit(X)
    assert plain.score(X).shape == (60,)
    # a warm start keeps batch norm frozen (running statistics): one-row batches train
    ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu").fit(X)
    assert ae.warm_start(X, batch_size=1, epochs=1).score(X).shape == (60,)
    with pytest.raises(ValueError, match="batch normalisation"):
        ae.warm_start(X, batch_size=1, epochs=1, update_batch_norm=True)


def test_one_training_session_with_batch_norm_is_named() -> None:
    # a log model may train on one session; with batch norm that was torch's one-value error
    with pytest.raises(InputError, match=r"1 training session .* batch normalisation"):
        EventCountAutoEncoder(batch_norm=True, epochs=1, verbose=0, device="cpu").fit([np.array([1, 2, 3])])
    det = EventCountAutoEncoder(epochs=1, verbose=0, device="cpu").fit([np.array([1, 2, 3])])
    assert det.score([np.array([1, 2])]).shape == (1,)


@pytest.mark.parametrize(("rows", "config", "match"), [
    (10, TrainConfig(epochs=0, verbose=0), "epochs must be >= 1"),  # was "training diverged at epoch 0"
    (10, TrainConfig(batch_size=0, verbose=0), "batch_size must be >= 1"),  # was range()'s error
    (10, TrainConfig(patience=0, verbose=0), "patience must be None or >= 1"),  # stopped after epoch 1
    (0, TrainConfig(verbose=0), "no training rows"),  # was ZeroDivisionError
])
def test_train_module_names_a_config_it_cannot_run(rows: int, config: TrainConfig, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        train_module(MeanModule(), (torch.ones(rows, 2),), None, config, generator=torch.Generator())


def test_seams_given_as_one_number_are_named() -> None:
    # was Python's "'int' object is not iterable"
    det = TCNAutoEncoder(window=8, channels=(4,), epochs=1, verbose=0, device="cpu")
    with pytest.raises(ValueError, match="seams must be a list of whole steps"):
        det.fit(_S, seams=100)  # type: ignore[arg-type]
    assert det.fit(_S, seams=[100]).score(_S).shape == (200,)
