"""Regression tests: federated statistics of tiny/huge/NaN columns; metrics' argument checks."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features import TabularPreprocessor
from hourglass.features.statistics import (
    merge_scales,
    merge_schema,
    scaled_preprocessor,
    schema_preprocessor,
    shared_schema,
    site_scales,
    site_schema,
)


def _federated(params: dict, parts: list[pd.DataFrame], tamper=None) -> TabularPreprocessor:
    pre = schema_preprocessor(params, shared_schema(merge_schema([site_schema(params, p) for p in parts])))
    stats = [site_scales(pre, p) for p in parts]
    if tamper is not None:
        tamper(stats)
    return scaled_preprocessor(pre, merge_scales(stats))


@pytest.mark.parametrize("zeros_at_one_site", [False, True])
def test_federated_max_features_ranks_tiny_column_as_pooled(zeros_at_one_site: bool) -> None:
    rng = np.random.default_rng(0)
    tiny = rng.uniform(size=100) * 1e-170  # its square is below the smallest float
    if zeros_at_one_site:
        tiny[:50] = 0.0
    df = pd.DataFrame({"tiny": tiny, "b": rng.exponential(size=100) ** 3})
    params = TabularPreprocessor(max_features=1, log1p="none").get_params()
    pooled = TabularPreprocessor(**params).fit(df)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fed = _federated(params, [df.iloc[:50], df.iloc[50:]])  # was a ZeroDivisionError
    assert fed.numeric_ == pooled.numeric_ == ["tiny"]


def test_federated_nan_site_mean_is_malformed_not_too_large() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    params = TabularPreprocessor(scaler="standard").get_params()

    def tamper(stats: list[dict]) -> None:  # a site's reply with a NaN
        stats[1]["mean"][0] = float("nan")

    with pytest.raises(InputError, match="preprocessing state is malformed") as exc:
        _federated(params, [df.iloc[:50], df.iloc[50:]], tamper)
    assert "too large" not in str(exc.value)



@pytest.mark.parametrize("scaler", ["minmax", "standard"])
def test_federated_values_past_float_range_named_without_warnings(scaler: str) -> None:
    # one site's values all -1e308, the other's all 1e308: their sums overflowed outside errstate
    df = pd.DataFrame({"big": np.r_[[-1e308] * 30, [1e308] * 30],
                       "b": np.random.default_rng(0).normal(size=60)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match="column 'big': values from -1e\\+308 to 1e\\+308 are too large"):
            _federated(TabularPreprocessor(scaler=scaler).get_params(), [df.iloc[:30], df.iloc[30:]])


@pytest.mark.parametrize("labels", [[1, 1, 1], [0, 0, 0], [0, 1, 1]])
@pytest.mark.parametrize("k", [0, 2.5, -1, "3", None])
def test_evaluate_scores_refuses_invalid_k_with_one_class_too(labels: list[int], k: object) -> None:
    # with one class only precision@k is None: 0, 2.5 and -1 were then shown as n/a, not refused
    from hourglass.evaluate import evaluate_scores

    with pytest.raises(InputError, match="precision@k: k must be an integer >= 1, got "):
        evaluate_scores(labels, [0.1, 0.2, 0.3], [0, 1, 1], ks=(k,))  # type: ignore[arg-type]


def test_precision_at_k_of_an_int_past_float_range() -> None:
    from hourglass.evaluate import evaluate_scores, precision_at_k

    assert precision_at_k([0, 1], [0.1, 0.2], 10**400) == 0.5  # every row (was OverflowError)
    assert evaluate_scores([0, 1], [0.1, 0.2], [0, 1], ks=(10**400,))["precision_at_k"] == {}
    with pytest.raises(InputError, match="k must be an integer >= 1, got an integer past float's range"):
        precision_at_k([0, 1], [0.1, 0.2], -(10**5000))


_BIG = 10**400  # a Python int past float's range: numpy's OverflowError, no InputError


@pytest.mark.parametrize("call", ["y_true", "y_pred", "per_class", "alert_volume", "events_per_day",
                                  "evaluate_events_per_day", "huge_label"])
def test_metrics_refuse_an_int_past_float_range_as_input_error(call: str) -> None:
    from hourglass.evaluate import alert_volume, binary_metrics, evaluate_scores, per_class_detection

    calls = {
        "y_true": lambda: binary_metrics([0, _BIG], [0.1, 0.2], [0, 1]),
        "y_pred": lambda: binary_metrics([0, 1], [0.1, 0.2], [0, _BIG]),
        "per_class": lambda: per_class_detection(["a", "b"], [0, _BIG]),
        "alert_volume": lambda: alert_volume([0, -_BIG]),
        "events_per_day": lambda: alert_volume([0, 1], events_per_day=_BIG),
        "evaluate_events_per_day": lambda: evaluate_scores([0, 1], [0.1, 0.2], [0, 1], events_per_day=_BIG),
        "huge_label": lambda: binary_metrics([0, 10**5000], [0.1, 0.2], [0, 1]),  # no repr of it
    }
    with pytest.raises(InputError, match=r"(got|found) an integer past float's range"):
        calls[call]()


def test_alert_volume_keeps_its_messages_and_values() -> None:
    from hourglass.evaluate import alert_volume

    assert alert_volume([0, 1], events_per_day=10**300)["alerts_per_day"] == pytest.approx(5e299)
    for bad, shown in [(float("inf"), "inf"), (-1, "-1"), ("5", "'5'"), (True, "True")]:
        with pytest.raises(InputError, match=f"events_per_day must be a number > 0, got {shown}$"):
            alert_volume([0, 1], events_per_day=bad)  # type: ignore[arg-type]
