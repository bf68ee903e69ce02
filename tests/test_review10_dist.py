"""Regression tests: federated training, mergeable statistics and ``hourglass threshold``."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.thresholds import FalseAlarmBound
from hourglass.thresholds.bound import min_normal_scores


def test_false_alarm_bound_tiny_rate_is_refused_not_crashed() -> None:
    # the count needed for alpha=1e-30 is past 2**63: SciPy could not round the Python int
    assert min_normal_scores(1e-30, 0.95) > 10**30
    assert min_normal_scores(0.01, 0.95) == 299
    with pytest.raises(InputError, match="needs at least"):
        FalseAlarmBound(1e-30).fit(np.arange(20.0))


def test_spark_explain_takes_a_numpy_integer() -> None:
    # np.int64(2) (a count read from a NumPy array or a pandas table) was refused as no number
    from hourglass.distributed.spark import output_schema

    assert output_schema(explain=np.int64(2)).split(", ")[4:] == ["`top_column` string", "`why` string"]
    with pytest.raises(ValueError, match="explain"):
        output_schema(explain=np.int64(-1))
