"""Regression tests for defects fixed on main directly (not by an area's review)."""

from __future__ import annotations

import pytest

from hourglass.detectors import AutoEncoder
from hourglass.errors import InputError
from hourglass.thresholds import AlertBudget


def test_validate_params_leaves_a_per_day_budgets_rate_to_later_and_checks_the_rest() -> None:
    # a per-day budget without its event rate is a setting a Pipeline completes from a timestamp
    # column (as threshold_from_spec leaves it to fit): validate_params refused it as unfit,
    # which also hid the federated server's own, fuller message
    AutoEncoder(threshold=AlertBudget(10)).validate_params()
    AutoEncoder(threshold=AlertBudget(10, per="10k")).validate_params()
    AutoEncoder(threshold=AlertBudget(2e300)).validate_params()  # no made-up rate to be below
    for rule, why in ((AlertBudget(-1), "must be > 0 alerts"), (AlertBudget(10, per="week"), "per must"),
                      (AlertBudget(10, min_tail=0), "min_tail"),
                      (AlertBudget(10, events_per_day=5), "not below the event count")):
        with pytest.raises(InputError, match=why):
            AutoEncoder(threshold=rule).validate_params()


def test_a_warm_start_refusal_names_the_threshold_rules_parameters_it_takes() -> None:
    import numpy as np

    X = np.random.default_rng(0).normal(size=(80, 3)).astype("float32")
    ae = AutoEncoder(hidden=(4,), epochs=1, verbose=0).fit(X)
    with pytest.raises(ValueError, match=r"random_state and the threshold rule's own \(threshold__q"):
        ae.warm_start(X, hidden=(2,))


def test_with_threshold_names_a_huge_negative_rate_without_its_digits(tmp_path) -> None:
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline

    df = pd.DataFrame(np.random.default_rng(0).normal(size=(80, 2)), columns=["a", "b"])
    pipe = Pipeline(AutoEncoder(hidden=(4,), epochs=1, verbose=0)).fit(df)
    for rate in (-10**400, -10**5000):  # (the second's digits are past Python's str() limit)
        with pytest.raises(InputError, match=r"events_per_day must be .* got an integer past float's"):
            pipe.with_threshold("p99", events_per_day=rate)
