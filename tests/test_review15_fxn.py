"""Regression tests: composite detectors' parameter errors, threshold settings, training errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hourglass.detectors import Ensemble
from hourglass.errors import InputError
from hourglass.thresholds import Percentile
from tests._nn import MeanModule

SMALL = {"hidden": (4, 2)}
KW = dict(epochs=1, verbose=0, device="cpu")


def _X(n: int = 200, d: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


@pytest.mark.parametrize("q, match", [(150, r"q must be in \(0, 100\), got 150"),
                                      (float("nan"), "q must be a finite number")])
def test_an_ensemble_members_bad_threshold_setting_names_the_member(q: float, match: str) -> None:
    ens = Ensemble(detectors=(("autoencoder", SMALL),
                              ("deep-svdd", {**SMALL, "threshold": Percentile(q)})), **KW)
    for call in (ens.validate_params, lambda: ens.fit(_X())):
        with pytest.raises(InputError, match=r"^detectors\[1\] \(deep-svdd\): Percentile: " + match):
            call()


def test_an_ensembles_own_bad_random_state_is_not_blamed_on_member_0() -> None:
    ens = Ensemble(detectors=("autoencoder", "deep-svdd"), random_state=-1, **KW)
    for call in (ens.validate_params, lambda: ens.fit(_X())):
        with pytest.raises(ValueError, match=r"^random_state must be None or an integer"):
            call()



def test_a_training_row_that_overflows_is_said_not_blamed_on_the_learning_rate() -> None:
    from hourglass.nn import TrainConfig, train_module
    from hourglass.nn.training import TrainingDiverged

    X = torch.ones(16, 2)
    X[3, 0] = 1e25  # finite in float32; its squared error under the starting weights is not
    m = MeanModule()
    config = TrainConfig(epochs=2, lr=0.01, patience=None, verbose=0)
    with pytest.raises(TrainingDiverged, match="some training rows hold values whose error overflows "
                                               "float32 under the starting weights") as info:
        train_module(m, (X,), None, config, generator=torch.Generator().manual_seed(0))
    assert "learning rate" not in str(info.value)
    assert torch.equal(m.mu.detach(), torch.zeros(2))  # left at the starting weights, not NaN
    # steps that blow up within epoch 1 from a finite start are still the learning rate's
    X = torch.ones(16, 2)
    config = TrainConfig(epochs=1, lr=1e30, batch_size=4, patience=None, verbose=0)
    with pytest.raises(TrainingDiverged, match=r"at epoch 1 .*lower the learning rate"):
        train_module(MeanModule(), (X,), None, config, generator=torch.Generator().manual_seed(0))


def test_a_warm_start_row_that_overflows_under_the_parents_scale_names_the_data() -> None:
    from hourglass.detectors import AutoEncoder
    from hourglass.nn.training import TrainingDiverged

    X = _X()
    ae = AutoEncoder(**SMALL, epochs=2, verbose=0, device="cpu").fit(X)
    held = np.random.default_rng(0).permutation(200)[:20]  # the held-out rows at random_state=0
    X[np.setdiff1d(np.arange(200), held)[0], 0] = 1e25
    with pytest.raises(TrainingDiverged, match="some training rows hold values") as info:
        ae.warm_start(X, epochs=2)
    assert "learning rate" not in str(info.value)


def test_warm_start_sets_a_threshold_rules_parameter_as_set_params_does() -> None:
    from hourglass.detectors import AutoEncoder

    X = _X()
    ae = AutoEncoder(**SMALL, epochs=1, verbose=0, device="cpu", threshold=Percentile(99)).fit(X)
    new = ae.warm_start(X, epochs=1, threshold__q=95.0)
    assert new.threshold.q == 95.0 and new.threshold_.q == 95.0
    assert ae.threshold.q == 99 and ae.threshold_.q == 99  # the parent is unchanged
    with pytest.raises(ValueError, match=r"threshold__k: Percentile has no parameter 'k'"):
        ae.warm_start(X, epochs=1, threshold__k=3)
    with pytest.raises(ValueError, match="'hidden' cannot change in a warm start"):
        ae.warm_start(X, hidden=(4,))


@pytest.mark.parametrize("rows", [(3, 5), (5, 3)])
def test_predict_batches_refuses_arrays_of_different_row_counts(rows: tuple[int, int]) -> None:
    from hourglass.nn.training import predict_batches

    data = [np.ones((r, 2), dtype=np.float32) for r in rows]
    # a longer second array was cut to the first's rows, a shorter one's last batch broadcast
    with pytest.raises(ValueError, match=rf"different numbers of rows \({rows[0]}, {rows[1]}\)"):
        predict_batches(lambda b: (b[0] * b[1]).sum(dim=1), data, batch_size=2)
    assert predict_batches(lambda b: (b[0] * b[1]).sum(dim=1), data[:1] * 2, batch_size=2).shape == (rows[0],)
