"""Regression tests (review 59, train59): the training loop's options and edge sizes, as an ML
engineer tunes them."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from hourglass.nn import Phase, TrainConfig, train_module
from tests._nn import MeanModule


def _train(config: TrainConfig, module: torch.nn.Module | None = None) -> Any:
    X = torch.ones(64, 2)
    return train_module(module if module is not None else MeanModule(), (X,), (X[:8],), config,
                        generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize(("setting", "value", "said"), [
    ("lr", float("nan"), r"TrainConfig\.lr must be a finite number > 0, got nan"),
    ("lr", 0.0, r"TrainConfig\.lr must be a finite number > 0, got 0\.0"),
    ("weight_decay", float("nan"), r"TrainConfig\.weight_decay must be a finite number >= 0, got nan"),
    ("clip_grad_norm", -1.0, r"TrainConfig\.clip_grad_norm must be None or a finite number > 0, got -1\.0"),
    ("clip_grad_norm", 0.0, r"TrainConfig\.clip_grad_norm must be None or a finite number > 0, got 0\.0"),
    ("min_delta", float("nan"), r"TrainConfig\.min_delta must be a finite number >= 0, got nan"),
    ("min_steps", -5, r"TrainConfig\.min_steps must be an integer >= 0, got -5"),
    ("patience", 2.5, r"TrainConfig\.patience must be None or an integer >= 1, got 2\.5"),
    ("patience", "3", r"TrainConfig\.patience must be None or an integer >= 1, got '3'"),
])
def test_train_module_refuses_an_optimiser_or_stopping_setting_it_cannot_train_with(
        setting: str, value: object, said: str) -> None:
    # What was wrong: train_module checked epochs, batch_size and patience's bound only. A NaN lr
    # or weight_decay ran and stopped with "training diverged ... lower the learning rate";
    # clip_grad_norm=-1 multiplied every gradient by a negative factor, so the loop climbed the
    # loss and returned the worse weights without a word (mu went to -0.05 for data at 1),
    # clip_grad_norm=0 and lr=0 never moved the weights, a NaN min_delta let no epoch beat the
    # first (its weights were restored although the loss kept falling), and patience="3" was
    # int()'s bare "invalid literal". Now each is a ValueError naming the setting, before any step.
    m = MeanModule()
    config = TrainConfig(**{"epochs": 5, "verbose": 0, "patience": None, "lr": 0.05, setting: value})
    with pytest.raises(ValueError, match=said):
        _train(config, m)
    assert torch.equal(m.mu.detach(), torch.zeros(2))  # refused before any step


def test_train_module_refuses_a_phase_learning_rate_that_is_not_a_number() -> None:
    # What was wrong: a phase's own NaN lr trained and stopped with "training diverged ... lower
    # the learning rate"; now it is refused naming the phase (0, which freezes it, is still taken).
    class Phased(MeanModule):
        def __init__(self, lr: float) -> None:
            super().__init__()
            self.lr = lr

        def phases(self) -> list[Phase]:
            return [Phase("only", (self.mu,), lr=self.lr)]

        def phase_loss(self, name: str, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
            return self.loss(batch)

    config = TrainConfig(epochs=3, verbose=0, patience=None, lr=0.05)
    with pytest.raises(ValueError, match=r"phase 'only': lr must be a finite number >= 0, got nan"):
        _train(config, Phased(float("nan")))
    frozen = Phased(0.0)
    _train(config, frozen)
    assert torch.equal(frozen.mu.detach(), torch.zeros(2))
    learnt = Phased(0.05)
    _train(config, learnt)
    assert float(learnt.mu.detach()[0]) > 0.1


@pytest.mark.parametrize(("train", "val", "said"), [
    ("tensor", None, r"train must be a sequence of tensors, such as \(X,\), not a tensor"),
    ("tuple", "tensor", r"val must be a sequence of tensors, such as \(X_val,\), not a tensor"),
    ("tuple", (), r"val holds no tensors; give \(X_val,\) or val=None"),
    ((), None, r"train holds no tensors"),
    ("numpy", None, r"train\[0\] is a ndarray, not a tensor"),
])
def test_train_module_refuses_a_bare_tensor_or_no_tensors_for_train_or_val(
        train: object, val: object, said: str) -> None:
    # What was wrong: train and val are sequences of tensors ((X,) or (X, y)), but a bare tensor
    # is a sequence too: train_module(m, X, None, config) took each row of X for a tensor, so it
    # trained on the first row's two values alone (mu ended near 2.1 for rows around 3), and a
    # bare val tensor judged early stopping on one held-out row, both without a word; () was an
    # IndexError and a NumPy array an AttributeError from inside the loop. Now each is a
    # ValueError saying what to give, before any step.
    X = torch.randn(64, 2, generator=torch.Generator().manual_seed(0)) + 3.0
    given = {"tensor": X, "tuple": (X,), "numpy": (X.numpy(),)}
    m = MeanModule()
    with pytest.raises(ValueError, match=said):
        train_module(m, given.get(train, train) if isinstance(train, str) else train,  # type: ignore[arg-type]
                     given[val] if isinstance(val, str) else val,  # type: ignore[arg-type]
                     TrainConfig(epochs=5, lr=0.05, patience=None, verbose=0),
                     generator=torch.Generator().manual_seed(0))
    assert torch.equal(m.mu.detach(), torch.zeros(2))
    # a list of tensors is a sequence of tensors too, and trains as the tuple does
    m = MeanModule()
    train_module(m, [X], [X], TrainConfig(epochs=200, lr=0.05, patience=None, verbose=0),
                 generator=torch.Generator().manual_seed(0))
    assert torch.allclose(m.mu.detach(), X.mean(0), atol=0.05)


def test_predict_batches_refuses_a_bare_array_or_tensor_for_data() -> None:
    # What was wrong: predict_batches(fn, data) takes a sequence of arrays ([X], (X, y)), but a
    # bare array is a sequence too: predict_batches(fn, X) on 4 rows of 3 values took each row
    # for an array and returned 3 results, the first row's, without a word (a bare tensor alike);
    # an empty data was an IndexError. Now each is a ValueError saying what to give.
    import numpy as np

    from hourglass.nn import predict_batches

    X = np.arange(12, dtype=np.float32).reshape(4, 3)

    def fn(batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return batch[0].sum(dim=-1)

    with pytest.raises(ValueError, match=r"data must be a sequence of arrays or tensors, such as \(X,\), "
                                         r"not an array"):
        predict_batches(fn, X)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"not a tensor"):
        predict_batches(fn, torch.from_numpy(X))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"data holds no arrays or tensors"):
        predict_batches(fn, [])
    with pytest.raises(ValueError, match=r"data\[0\] is a list, not a NumPy array or tensor"):
        predict_batches(fn, [X.tolist()])  # type: ignore[list-item]
    assert predict_batches(fn, [X]).tolist() == [3.0, 12.0, 21.0, 30.0]
    assert predict_batches(fn, (torch.from_numpy(X),)).tolist() == [3.0, 12.0, 21.0, 30.0]


def test_a_proximal_mu_beyond_float32_is_refused_by_name_not_blamed_on_the_learning_rate() -> None:
    # What was wrong: warm_start(X, proximal_mu=1e39) (and FederatedServer(proximal_mu=1e39))
    # took it: the FedProx term, computed in float32, was inf times a distance of 0 at the first
    # step, and the fit stopped with "training diverged at epoch 1 (loss is nan); lower the
    # learning rate or scale the inputs"; proximal_term(module, inf) alike, and with 1e39 it
    # blamed the training rows for overflowing. One check (check_proximal_mu) now refuses it,
    # naming proximal_mu, wherever it is given.
    import numpy as np

    from hourglass.detectors import AutoEncoder
    from hourglass.distributed.federated import FederatedServer
    from hourglass.errors import InputError
    from hourglass.nn import proximal_term

    X = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu").fit(X)
    said = r"^proximal_mu must be at most 3\.4e\+38 \(a float32\), got 1e\+39"
    with pytest.raises(InputError, match=said) as info:
        ae.warm_start(X, proximal_mu=1e39)
    assert info.value.param == "proximal_mu"
    with pytest.raises(InputError, match=said):
        FederatedServer(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0), proximal_mu=1e39)
    with pytest.raises(InputError, match=said):
        proximal_term(MeanModule(), 1e39)
    with pytest.raises(InputError, match=r"^proximal_mu must be a finite number >= 0, got inf"):
        proximal_term(MeanModule(), float("inf"))
    assert ae.warm_start(X, epochs=1, proximal_mu=3e38).history_.train_loss  # the largest still trains
