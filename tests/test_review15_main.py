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
    for rule, why in ((AlertBudget(-1), "must be > 0 alerts"), (AlertBudget(10, per="week"), "per must"),
                      (AlertBudget(10, min_tail=0), "min_tail"),
                      (AlertBudget(10, events_per_day=5), "not below the event count")):
        with pytest.raises(InputError, match=why):
            AutoEncoder(threshold=rule).validate_params()
