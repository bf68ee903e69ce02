"""Regression tests: the base detector contract, the autoencoders and the shared training loop."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from hourglass.detectors import AutoEncoder, DenoisingAutoEncoder, SparseAutoEncoder
from hourglass.errors import InputError
from tests._cli import one_line_error, runner

KW = dict(hidden=(4, 2), epochs=2, verbose=0, device="cpu")


def _X(n: int = 60, d: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


@pytest.mark.parametrize(("param", "value", "said"), [
    ("lr", True, "lr must be a number, got True"),
    ("patience", True, "patience must be a whole number or None, got True"),
    ("epochs", False, "epochs must be a whole number, got False"),
    ("random_state", True, "random_state must be a whole number or None, got True"),
    ("standardize", None, "standardize must be true or false, got None"),
    ("batch_norm", 2, "batch_norm must be true or false, got 2"),
])
def test_a_flag_for_a_number_or_none_for_a_flag_is_refused_not_read_as_one_or_false(
        param: str, value: object, said: str) -> None:
    ae = AutoEncoder(**{**KW, param: value})
    with pytest.raises(ValueError, match=said):
        ae.validate_params()
    with pytest.raises(ValueError, match=said):
        ae.fit(_X())


def test_switch_like_values_that_mean_what_they_say_are_still_taken() -> None:
    for params in ({"verbose": True}, {"standardize": np.True_}, {"batch_norm": 0}):
        AutoEncoder(**{**KW, **params}).validate_params()


def test_cli_param_true_for_a_learning_rate_is_one_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    np.savetxt(data, _X(), delimiter=",", header="a,b,c", comments="", fmt="%.4f")
    out = tmp_path / "m"
    one_line_error(["train", str(data), "-o", str(out), "--model", "autoencoder", "--epochs", "1",
                    "--quiet", "--param", "lr=true"], "lr must be a number, got True", out)


@pytest.mark.parametrize("cls", [AutoEncoder, SparseAutoEncoder, DenoisingAutoEncoder])
def test_validate_params_says_batches_of_one_row_cannot_train_batch_norm_as_fit_does(cls: type) -> None:
    det = cls(**{**KW, "batch_size": 1, "batch_norm": True})
    with pytest.raises(ValueError, match=r"batch_size=1: .* batch normalisation") as told:
        det.validate_params()
    with pytest.raises(ValueError) as fitted:
        det.fit(_X())
    assert str(told.value) == str(fitted.value)


def test_batches_of_one_row_without_batch_norm_layers_are_still_valid() -> None:
    AutoEncoder(**{**KW, "batch_size": 1, "batch_norm": False}).validate_params()
    sparse = SparseAutoEncoder(**{**KW, "hidden": (2,), "batch_size": 1, "batch_norm": True})
    sparse.validate_params()  # a sigmoid code layer and no other hidden layer: no norm to train
    assert sparse.fit(_X(20)).score(_X(2)).shape == (2,)


def test_the_gradient_baseline_is_a_typical_normal_row_not_pulled_by_labelled_anomalies() -> None:
    X = _X(40)
    X[:10] += 100.0  # labelled anomalies, a quarter of the rows
    y = np.r_[np.ones(10), np.zeros(30)].astype(int)
    ae = AutoEncoder(**{**KW, "validation_fraction": 0.0}).fit(X, y)
    np.testing.assert_allclose(ae.gradient_baseline_, np.median(X[10:], axis=0), rtol=1e-6)


@pytest.mark.parametrize("width", [2**70, 2**31])
def test_a_width_no_network_can_hold_is_a_parameter_error_not_torch_s(width: int) -> None:
    ae = AutoEncoder(**{**KW, "hidden": (width, 2)})
    with pytest.raises(ValueError, match=f"hidden: a layer of {width:,} units is wider"):
        ae.validate_params()
    with pytest.raises(ValueError, match="is wider than"):
        ae.fit(_X())


def test_cli_hidden_too_wide_is_one_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    np.savetxt(data, _X(), delimiter=",", header="a,b,c", comments="", fmt="%.4f")
    out = tmp_path / "m"
    one_line_error(["train", str(data), "-o", str(out), "--model", "autoencoder", "--epochs", "1",
                    "--quiet", "--hidden", f"{2**70},2"], "is wider than", out)


class _Sink:
    """A standard error that takes writes and has no ``isatty`` (a logging wrapper's)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


@pytest.mark.parametrize("stream", [None, _Sink()])
def test_training_with_verbose_and_no_terminal_stream_trains_without_a_bar(
        stream: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", stream)  # pythonw, or a service that replaced it
    ae = AutoEncoder(**{**KW, "verbose": 1}).fit(_X())
    assert len(ae.history_.train_loss) == 2


def test_a_whole_number_setting_one_apart_from_the_fitted_one_is_a_change() -> None:
    from hourglass.detectors.base import _same_setting

    assert not _same_setting(1_000_001, 1_000_000)
    assert not _same_setting((2**60 + 1, 2), (2**60, 2))
    assert _same_setting(np.int64(8), 8) and _same_setting(8.0, 8)
    assert _same_setting(np.float32(0.1), 0.1)


def test_a_network_one_unit_wider_than_fitted_is_refused_before_it_saves_an_unloadable_model() -> None:
    ae = AutoEncoder(**{**KW, "hidden": (1_000_000, 1), "epochs": 1, "batch_norm": False}).fit(_X(12))
    ae.set_params(hidden=(1_000_001, 1))
    with pytest.raises(InputError, match=r"hidden is \(1000001, 1\), but the model was fitted with"):
        ae.score(_X(2))
    with pytest.raises(InputError, match="hidden is"):
        ae.get_state()


@pytest.mark.parametrize(("cls", "param", "value", "said"), [
    (AutoEncoder, "label_margin", 1e39, "label_margin must be at most 3.4e+38"),
    (AutoEncoder, "label_weight", 1e39, "label_weight must be at most 3.4e+38"),
    (SparseAutoEncoder, "sparsity_weight", 1e39, "sparsity_weight must be at most 3.4e+38"),
    (SparseAutoEncoder, "rho", 1e-300, "rho must be at least 1.18e-38"),
    (DenoisingAutoEncoder, "noise_std", 1e39, "noise_std must be at most 3.4e+38"),
])
def test_a_loss_setting_past_float32_is_named_not_training_diverged_blaming_the_data(
        cls: type, param: str, value: float, said: str) -> None:
    det = cls(**{**KW, param: value})
    with pytest.raises(ValueError, match=re.escape(said)):
        det.validate_params()
    y = np.zeros(60, dtype=int)
    y[:3] = 1
    with pytest.raises(ValueError, match=re.escape(said)):
        det.fit(_X(), y)


def test_cli_warm_start_still_takes_batches_of_one_row_its_frozen_batch_norm_can_train_on(
        tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    np.savetxt(data, _X(), delimiter=",", header="a,b,c", comments="", fmt="%.4f")
    base, warm = tmp_path / "base", tmp_path / "warm"
    common = ["--epochs", "1", "--quiet"]
    fit = runner.invoke(app, ["train", str(data), "-o", str(base), "--hidden", "4,2", *common])
    assert fit.exit_code == 0, fit.output
    res = runner.invoke(app, ["train", str(data), "--warm-start", str(base), "-o", str(warm),
                              "--batch-size", "1", *common])
    assert res.exit_code == 0, res.output
    assert (warm / "config.json").exists()
