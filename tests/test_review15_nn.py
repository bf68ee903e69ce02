"""Regression tests: the detector contract and the shared training loop on unusual input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hourglass.detectors import AutoEncoder
from hourglass.errors import InputError
from hourglass.thresholds import Percentile
from tests._nn import MeanModule

KW = dict(hidden=(4, 2), epochs=2, verbose=0, device="cpu")


def _X(n: int = 200, d: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


@pytest.fixture(scope="module")
def fitted() -> AutoEncoder:
    return AutoEncoder(**KW).fit(_X())


@pytest.mark.parametrize("rule", ["p99", Percentile, 99.0])
def test_set_threshold_refuses_what_is_not_a_threshold_as_fit_does(fitted: AutoEncoder, rule: object) -> None:
    before = fitted.threshold_
    with pytest.raises(ValueError, match="threshold must be a hourglass Threshold"):
        fitted.set_threshold(rule)  # type: ignore[arg-type]
    assert fitted.threshold_ is before


def test_labels_whose_normal_rows_are_all_held_out_are_refused_not_trained_on_anomalies_alone() -> None:
    n = 40
    held = np.random.default_rng(0).permutation(n)[:4]  # the split fit makes with random_state=0
    y = np.ones(n)
    y[held] = 0
    ae = AutoEncoder(**KW)
    with pytest.raises(InputError, match=r"every training row .* labelled an anomaly"):
        ae.fit(_X(n), y)
    assert not hasattr(ae, "threshold_")


def test_set_params_sets_the_threshold_parameters_get_params_lists() -> None:
    rule = Percentile(99.5)
    ae = AutoEncoder(threshold=rule)
    assert ae.get_params(deep=True)["threshold__q"] == 99.5
    assert ae.set_params(threshold__q=95.0) is ae
    assert ae.threshold.q == 95.0 and rule.q == 99.5  # a new rule; the one given is not changed
    with pytest.raises(ValueError, match="threshold__z: Percentile has no parameter 'z'"):
        ae.set_params(threshold__z=1)
    with pytest.raises(ValueError, match="threshold__q: threshold is None"):
        AutoEncoder().set_params(threshold__q=95.0)


def test_grid_search_over_the_threshold_quantile_fits() -> None:
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    X = _X(60)
    y = np.r_[np.zeros(54), np.ones(6)]
    X[y == 1] += 4
    grid = GridSearchCV(AutoEncoder(**{**KW, "epochs": 1}, threshold=Percentile(99.0)),
                        {"threshold__q": [50.0, 95.0]}, scoring="f1",  # predict's F1: the rule counts
                        cv=StratifiedKFold(2, shuffle=True, random_state=0), error_score="raise")
    grid.fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert scores[0] != scores[1]  # each candidate's quantile took effect in its fits
    q = grid.best_params_["threshold__q"]
    assert q in (50.0, 95.0) and scores[[50.0, 95.0].index(q)] == scores.max()
    # the refitted detector carries the chosen quantile, not the initial rule's 99
    assert grid.best_estimator_.threshold.q == grid.best_estimator_.threshold_.q == q != 99.0


def test_a_held_out_row_that_overflows_is_said_not_blamed_on_the_learning_rate() -> None:
    from hourglass.nn.training import TrainingDiverged

    X = _X(200)
    held = np.random.default_rng(0).permutation(200)[:20]  # fit's held-out rows at random_state=0
    X[held[0], 0] = 1e25  # finite in float32; its squared error is not
    with pytest.raises(TrainingDiverged, match="held-out rows hold values so far beyond") as info:
        AutoEncoder(**KW).fit(X)
    assert "learning rate" not in str(info.value)



@pytest.mark.parametrize(("train", "val", "match"), [
    ((10, 8), None, r"train tensors have different numbers of rows \(10, 8\)"),
    ((10, 12), None, r"train tensors have different numbers of rows \(10, 12\)"),
    ((10,), (4, 3), r"val tensors have different numbers of rows \(4, 3\)"),
])
def test_train_module_refuses_tensors_of_different_lengths(
        train: tuple[int, ...], val: tuple[int, ...] | None, match: str) -> None:
    from hourglass.nn import TrainConfig, train_module

    def tensors(rows: tuple[int, ...]) -> tuple[torch.Tensor, ...]:
        return (torch.zeros(rows[0], 2), *(torch.zeros(r) for r in rows[1:]))

    with pytest.raises(ValueError, match=match):
        train_module(MeanModule(), tensors(train), None if val is None else tensors(val),
                     TrainConfig(epochs=1, verbose=0), generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("setting", ["epochs", "batch_size"])
def test_train_module_refuses_a_fractional_epochs_or_batch_size_by_name(setting: str) -> None:
    from hourglass.nn import TrainConfig, train_module

    config = TrainConfig(**{"epochs": 2, "verbose": 0, setting: 2.0})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=rf"TrainConfig\.{setting} must be an integer, got 2\.0"):
        train_module(MeanModule(), (torch.zeros(8, 2),), None, config,
                     generator=torch.Generator().manual_seed(0))


def test_check_is_fitted_says_unfitted_after_a_fit_that_failed_on_the_data() -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    ae = AutoEncoder(**KW)
    with pytest.raises(InputError, match="1 training row"):
        ae.fit(_X(1))
    assert hasattr(ae, "n_features_in_")  # read before the failure: scikit-learn's rule saw a fit
    with pytest.raises(NotFittedError):
        check_is_fitted(ae)
    check_is_fitted(ae.fit(_X(20)))


@pytest.mark.parametrize(("params", "match"), [
    ({"random_state": -1}, "random_state must be None or an integer"),
    ({"threshold": "p99"}, "threshold must be a hourglass Threshold"),
    ({"threshold": Percentile(150)}, r"q must be in \(0, 100\)"),
])
def test_validate_params_refuses_what_fit_refuses_before_reading_data(params: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        AutoEncoder(**params).validate_params()
    with pytest.raises(ValueError, match=match):
        AutoEncoder(**KW, **params).fit(_X(20))


def test_validate_params_leaves_a_labelled_rule_to_the_pipeline_that_fits_it() -> None:
    from hourglass.thresholds import BestF1

    AutoEncoder(threshold=BestF1()).validate_params()
